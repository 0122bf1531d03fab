//! The comparison's table, JSON records and Markdown page.

use std::{collections::BTreeMap, time::Duration};

pub use chain_core::cli::report::cores;
use chain_core::{
    Tally,
    cli::report::{duration, machine},
    versions,
};
use serde::Serialize;

use crate::{
    Subject,
    args::{Args, Workload},
    child::Measurement,
};

/// How every Rust measurement was taken, printed with the results.
pub const METHOD: &str = "each run in a fresh process after one warm-up run (idle: none, its figure is memory); timed inside a task \
     spawned on the runtime (its own worker); runtime built outside the timed region";

/// The header: what ran, on what machine, with which versions.
pub fn header(args: &Args) -> String {
    let build =
        if cfg!(debug_assertions) { "DEBUG build: not representative" } else { "release build" };
    format!(
        "workload: {} {}\nversions: {}\nmachine: {}; {build}\nmethod: {METHOD}; runs per row: {}",
        args.workload.name(),
        parameters(&args.workload)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        versions::summary(),
        machine(),
        args.runs,
    )
}

/// The workload's parameters as `name -> value`, from its command-line words.
pub fn parameters(workload: &Workload) -> BTreeMap<String, String> {
    workload
        .to_args()
        .iter()
        .filter_map(|word| word.strip_prefix("--")?.split_once('='))
        .map(|(name, value)| {
            let value = match value.strip_suffix("ns").and_then(|n| n.parse::<u64>().ok()) {
                Some(nanos) => humantime::format_duration(Duration::from_nanos(nanos)).to_string(),
                None => value.to_owned(),
            };
            (name.to_owned(), value)
        })
        .collect()
}

/// A subject's name in tables and charts.
pub fn label(subject: &Subject) -> String {
    match subject {
        Subject::Rust(flavour, _) => flavour.label().to_owned(),
        Subject::Python(event_loop) => format!("python-{event_loop} (reference)"),
        Subject::Threads(threads) => format!("{threads} (std::net)"),
    }
}

/// One line of the comparison.
#[derive(Debug)]
pub struct Row {
    pub subject: Subject,
    pub median: Duration,
    pub p99: Duration,
    pub samples: usize,
    pub peak_rss_bytes: Option<u64>,
    pub bytes_per_task: Option<f64>,
    pub per_user_overhead: Option<Duration>,
    /// Median over the fastest Rust median of the same kind (single- or
    /// multi-threaded), or of any kind when none of its kind was measured.
    pub ratio: f64,
    /// What `ratio` is against: `single`, `multi` or `any Rust`.
    pub versus: &'static str,
    /// For a threads baseline, how many threads made requests.
    pub threads: usize,
    /// The accounting of the users of the last run, for the workloads that fetch.
    pub tally: Option<Tally>,
    /// Whether every run's accounting was the same.
    pub tallies_agree: bool,
}

impl Row {
    /// Aggregates the runs of `subject`.
    pub fn new(subject: Subject, runs: &[Measurement], workload: &Workload) -> Self {
        let mut samples: Vec<f64> = runs.iter().flat_map(|m| m.samples_s.iter().copied()).collect();
        samples.sort_by(f64::total_cmp);
        // Nearest rank for p99 (with few runs, the slowest); the median of an even
        // count is the mean of the middle two.
        let p99 = samples[((samples.len() - 1) as f64 * 0.99).round() as usize];
        let middle = samples.len() / 2;
        let median = if samples.len() % 2 == 0 {
            (samples[middle - 1] + samples[middle]) / 2.0
        } else {
            samples[middle]
        };
        let (median, p99) = (Duration::from_secs_f64(median), Duration::from_secs_f64(p99));
        let per_user_overhead =
            workload.users().map(|users| median.saturating_sub(workload.ideal()) / users as u32);
        let bytes_per_task = {
            let values: Vec<f64> = runs.iter().filter_map(|m| m.bytes_per_task).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        let threads = match subject {
            Subject::Threads(threads) => {
                let connections = workload.source().map_or(1, |s| s.connections.get());
                threads.threads(workload.users().unwrap_or(1), connections)
            }
            _ => 0,
        };
        Row {
            threads,
            subject,
            median,
            p99,
            samples: samples.len(),
            peak_rss_bytes: runs.iter().filter_map(|m| m.peak_rss_bytes).max(),
            bytes_per_task,
            per_user_overhead,
            ratio: 1.0,
            versus: "single",
            tally: runs.last().and_then(|m| m.tally.clone()),
            tallies_agree: runs.windows(2).all(|pair| pair[0].tally == pair[1].tally),
        }
    }

    fn is_rust(&self) -> bool {
        matches!(self.subject, Subject::Rust(..))
    }

    fn is_multi_thread(&self) -> bool {
        match self.subject {
            Subject::Rust(flavour, _) => flavour.is_multi_thread(),
            Subject::Threads(_) => true,
            Subject::Python(_) => false,
        }
    }

    /// Threads that run the work: for the threads baselines, the threads that make
    /// requests (one per request, or the pool's).
    fn workers(&self) -> usize {
        match self.subject {
            Subject::Rust(_, workers) => workers.get(),
            Subject::Threads(_) => self.threads,
            Subject::Python(_) => 1,
        }
    }
}

/// What a row is ranked by: memory per task for `idle`, the median time otherwise.
fn score(workload: &Workload, row: &Row) -> f64 {
    match workload {
        Workload::Idle { .. } => row.bytes_per_task.unwrap_or(f64::MAX),
        _ => row.median.as_secs_f64(),
    }
}

/// Sets each row's ratio to the best Rust row with the same kind (single- or
/// multi-threaded) and worker count, and sorts by kind, workers, then rank. The
/// Python rows are measured against that best row but never are it. Timer rows keep
/// a fixed order: their figures are properties, not scores.
pub fn with_ratios(mut rows: Vec<Row>, workload: &Workload) -> Vec<Row> {
    // A threads baseline is measured against the best multi-threaded runtime.
    let peers = |a: &Row, b: &Row| {
        a.is_multi_thread() == b.is_multi_thread()
            && (a.workers() == b.workers() || matches!(a.subject, Subject::Threads(_)))
    };
    let best_rust = |of: &dyn Fn(&Row) -> bool| {
        let scores = rows.iter().filter(|other| other.is_rust() && of(other));
        Some(scores.map(|other| score(workload, other)).fold(f64::INFINITY, f64::min))
            .filter(|best| best.is_finite())
    };
    // Without a Rust peer (`--flavours` left none of its kind), a row is measured
    // against the best Rust row of any kind, and says so; a reference row never
    // becomes its own baseline.
    let best: Vec<(f64, &'static str)> = rows
        .iter()
        .map(|row| match best_rust(&|other| peers(row, other)) {
            Some(best) => (best, if row.is_multi_thread() { "multi" } else { "single" }),
            None => (best_rust(&|_| true).unwrap_or(f64::NAN), "any Rust"),
        })
        .collect();
    for (row, (best, versus)) in rows.iter_mut().zip(best) {
        row.ratio = score(workload, row) / best.max(f64::MIN_POSITIVE);
        row.versus = versus;
    }
    rows.sort_by(|a, b| {
        let key = |row: &Row| (row.is_multi_thread(), row.workers());
        let rank = |row: &Row| if workload.is_ranked() { score(workload, row) } else { 0.0 };
        key(a).cmp(&key(b)).then(rank(a).total_cmp(&rank(b)))
    });
    rows
}

/// What each runtime documents about its timer's precision.
fn timer_precision(subject: &Subject) -> &'static str {
    match subject {
        Subject::Rust(flavour, _) if flavour.runtime() == "tokio" => "1 ms wheel, rounds up",
        Subject::Rust(..) => "async-io timerfd, exact",
        Subject::Python(_) => "selector timeout, about 1 ms steps",
        Subject::Threads(_) => "-",
    }
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("-".into(), |b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)))
}

/// The comparison as aligned text (also valid Markdown).
pub fn table(workload: &Workload, rows: &[Row]) -> String {
    let (first, second) = match workload {
        Workload::Timer { .. } => ("oversleep p50", "oversleep p99"),
        Workload::Idle { .. } => ("time to start all", "p99"),
        _ => ("median", "p99"),
    };
    let third = match workload {
        Workload::Idle { .. } => "memory per idle task",
        _ => "per-user overhead",
    };
    let heading =
        if workload.is_ranked() { "vs fastest of its kind" } else { "timer (documented)" };
    let mut lines = vec![
        format!("| flavour | workers | {first} | {second} | {third} | peak RSS | {heading} |"),
        "|---|---:|---:|---:|---:|---:|---:|".to_owned(),
    ];
    let sleep = workload.ideal();
    for row in rows {
        let (a, b) = match workload {
            Workload::Timer { .. } => {
                (row.median.saturating_sub(sleep), row.p99.saturating_sub(sleep))
            }
            _ => (row.median, row.p99),
        };
        let extra = match (workload, row.bytes_per_task, row.per_user_overhead) {
            (Workload::Idle { .. }, Some(bytes), _) => format!("{bytes:.0} B"),
            (_, _, Some(overhead)) => duration(overhead),
            _ => "-".into(),
        };
        let last = if workload.is_ranked() {
            format!("{:.2}x ({})", row.ratio, row.versus)
        } else {
            timer_precision(&row.subject).to_owned()
        };
        lines.push(format!(
            "| {} | {} | {} | {} | {extra} | {} | {last} |",
            label(&row.subject),
            row.workers(),
            duration(a),
            duration(b),
            mib(row.peak_rss_bytes),
        ));
    }
    lines.join("\n")
}

/// A summary line per row of a workload that fetches, as a table: users requested,
/// results, errors by cause, and lost; `None` if no row kept an accounting.
pub fn accounting(rows: &[Row]) -> Option<String> {
    // A chain without faults keeps no accounting on the runtimes, only on the
    // threads baselines (whose fan-out of one user does): no table then.
    rows.iter().any(|row| row.is_rust() && row.tally.is_some()).then(|| {
        let mut lines = vec![
            "Every user accounted for (each row's last run):".to_owned(),
            String::new(),
            "| flavour | workers | users requested | results | errors | lost |".to_owned(),
            "|---|---:|---:|---:|---|---:|".to_owned(),
        ];
        for row in rows {
            let (label, workers) = (label(&row.subject), row.workers());
            let Some(tally) = &row.tally else {
                lines.push(format!("| {label} | {workers} | not counted | | | |"));
                continue;
            };
            let causes: Vec<String> =
                tally.errors_by_cause.iter().map(|(cause, n)| format!("{n} {cause}")).collect();
            let errors = match causes.is_empty() {
                true => "0".to_owned(),
                false => format!("{} ({})", tally.errors(), causes.join(", ")),
            };
            let varied = if row.tallies_agree { "" } else { " (differed between runs)" };
            lines.push(format!(
                "| {label} | {workers} | {} | {} | {errors} | {}{varied} |",
                tally.requested, tally.results, tally.lost
            ));
        }
        lines.join("\n")
    })
}

#[derive(Serialize)]
struct Record<'a> {
    runtime: &'a str,
    flavour: String,
    workers: usize,
    workload: &'static str,
    parameters: BTreeMap<String, String>,
    median_s: f64,
    p99_s: f64,
    samples: usize,
    per_user_overhead_s: Option<f64>,
    peak_rss_bytes: Option<u64>,
    bytes_per_task: Option<f64>,
    ratio_to_fastest_of_kind: Option<f64>,
    /// The kind that ratio is against: `single`, `multi` or `any Rust`.
    ratio_versus: Option<&'static str>,
    oversleep_p50_s: Option<f64>,
    oversleep_p99_s: Option<f64>,
    multi_thread: bool,
    tally: Option<&'a Tally>,
    versions: BTreeMap<&'static str, &'a str>,
    machine: String,
    method: &'static str,
}

/// How the Python rows are timed: by the script, around its own event loop.
const PYTHON_METHOD: &str = "the article's program, timed inside its event loop (loop.run_until_complete) after one warm-up run, in a fresh process per run";

/// The records as pretty JSON, one per row; a Python row's versions are `python`'s.
pub fn json(args: &Args, rows: &[Row], python: &[(&'static str, String)]) -> String {
    let rust_versions: BTreeMap<_, _> = versions::all().collect();
    let python_versions: BTreeMap<_, _> = python.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let oversleep = |wall: Duration| match args.workload {
        Workload::Timer { sleep, .. } => Some(wall.saturating_sub(sleep).as_secs_f64()),
        _ => None,
    };
    let records: Vec<Record> = rows
        .iter()
        .map(|row| Record {
            runtime: match &row.subject {
                Subject::Rust(flavour, _) => flavour.runtime(),
                Subject::Python(_) => "python",
                Subject::Threads(_) => "std::thread",
            },
            flavour: label(&row.subject),
            workers: row.workers(),
            workload: args.workload.name(),
            parameters: parameters(&args.workload),
            median_s: row.median.as_secs_f64(),
            p99_s: row.p99.as_secs_f64(),
            samples: row.samples,
            per_user_overhead_s: row.per_user_overhead.map(|d| d.as_secs_f64()),
            peak_rss_bytes: row.peak_rss_bytes,
            bytes_per_task: row.bytes_per_task,
            ratio_to_fastest_of_kind: args.workload.is_ranked().then_some(row.ratio),
            ratio_versus: args.workload.is_ranked().then_some(row.versus),
            oversleep_p50_s: oversleep(row.median),
            oversleep_p99_s: oversleep(row.p99),
            multi_thread: row.is_multi_thread(),
            tally: row.tally.as_ref(),
            versions: match row.subject {
                Subject::Python(_) => python_versions.clone(),
                _ => rust_versions.clone(),
            },
            machine: machine(),
            method: match row.subject {
                Subject::Python(_) => PYTHON_METHOD,
                _ => METHOD,
            },
        })
        .collect();
    serde_json::to_string_pretty(&records).expect("plain data serializes")
}

/// A Markdown page: the command, the header, the table and the notes.
pub fn markdown(args: &Args, header: &str, rows: &[Row], notes: &[String]) -> String {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let notes: String = notes.iter().map(|note| format!("\nNote: {note}\n")).collect();
    let accounting = accounting(rows).map_or(String::new(), |text| format!("\n{text}\n"));
    format!(
        "# compare: {}\n\n```console\n$ cargo run --release -p benches --bin compare -- {}\n```\n\n```text\n{header}\n```\n\n{}\n{accounting}{notes}",
        args.workload.name(),
        command.join(" "),
        table(&args.workload, rows),
    )
}
