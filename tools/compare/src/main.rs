//! `compare`: one workload under every runtime flavour, each run in a fresh process, side by side.
//!
//! `cargo run --release -p compare -- fanout --users 100000 --latency 10ms`
//!
//! Runs one workload under every runtime flavour (and, for reference, the article's
//! Python program), each run in a fresh process after a warm-up, the flavours in a
//! different order each round, and reports a table, and on request JSON, Markdown
//! and an SVG bar chart.

mod args;
mod chart;
mod child;
mod columns;
mod holding;
mod interrupt;
mod job;
mod look;
mod outputs;
mod python;
mod record;
mod redraw;
mod report;
mod row;
mod search;
mod serve_chart;
mod serve_load;
mod serve_report;
mod served;
mod server_process;
mod serving;
mod setup;
mod stats;
mod subject;
mod table;

use std::{
    num::NonZeroUsize,
    process::{Command, ExitCode},
};

use benches::{Flavour, threads::Threads};
use chain_cli::{exit_with, given, report::say};
use chain_lab::Tail;
use clap::{CommandFactory, FromArgMatches, error::ErrorKind};
use indicatif::{ProgressBar, ProgressStyle};
use record_service::{RecordService, ServiceConfig};

use crate::{
    args::Args,
    child::Measurement,
    job::{Job, Measured},
    row::Row,
};

pub use subject::Subject;

fn main() -> ExitCode {
    let words: Vec<String> = std::env::args().collect();
    if let [_, flag, job] = &words[..] {
        if flag == job::FLAG {
            return child_main(job);
        }
    }
    let matches = Args::command()
        .try_get_matches_from(&words)
        .and_then(|matches| Ok((Args::from_arg_matches(&matches)?, matches)));
    let (args, matches) = matches.unwrap_or_else(|e| exit_with(args::with_hint(e, &words)));
    if let args::Workload::Chart { files } = &args.workload {
        let options = ["json", "svg", "markdown", "runs", "workers", "flavours", "no_python"];
        if let Some(id) = options.into_iter().find(|id| given(&matches, id)) {
            let message = format!(
                "--{}: chart measures nothing, and writes each chart beside its JSON, as FILE.svg",
                id.replace('_', "-")
            );
            exit_with(Args::command().error(ErrorKind::ArgumentConflict, message));
        }
        return match redraw::all(files) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    // The service compare starts holds the other ends in this process, and each
    // measuring process its own: one descriptor a connection in each.
    let refused = args.workload.source().and_then(|source| {
        let given = |id: &str| given(&matches, id);
        let ignored = || match args.workload.fan_out() {
            Some(fanout) => fanout.ignored(given),
            None => source.ignored(given),
        };
        source.conflict(false, args.workload.ideal_latency()).or_else(ignored)
    });
    let refused = refused.or_else(|| args.workload.unplanned_timeouts());
    let chain_hedged = match &args.workload {
        args::Workload::Chain { source, .. } => source.hedge_after.is_some(),
        _ => false,
    };
    let refused = refused.or_else(|| chain_hedged.then(|| {
        "compare cannot measure a hedged chain: --hedge-after is measured on fanout and bounded, and a single chain hedges on the runtime binaries (runtime-tokio chain --hedge-after 5ms)".to_owned()
    }));
    let refused = refused.or_else(|| serving::refused(&args, |id| given(&matches, id)));
    if let Some(conflict) = refused {
        exit_with(Args::command().error(ErrorKind::ArgumentConflict, conflict));
    }
    if let Some(Err(too_big)) = args.workload.footprint().map(|f| f.check()) {
        exit_with(Args::command().error(ErrorKind::ValueValidation, too_big));
    }
    if let Some(address) = args.workload.source().and_then(|s| s.address) {
        let timeout = std::time::Duration::from_secs(5);
        if let Err(e) = std::net::TcpStream::connect_timeout(&address, timeout) {
            let message = format!("cannot reach the record service at {address}: {e}");
            exit_with(Args::command().error(ErrorKind::ValueValidation, message));
        }
    }
    // Outputs that cannot be written must fail now, not after minutes of measuring.
    if let Err(message) = outputs::check(&args) {
        exit_with(Args::command().error(ErrorKind::ValueValidation, message));
    }
    if let Err(message) = interrupt::stop_children_when_interrupted() {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    match compare(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A measuring process: one [`Job`], given as JSON, measured and
/// printed as JSON on stdout.
fn child_main(job: &str) -> ExitCode {
    // A failed check (a wrong result, a fetch that failed) panics; the parent shows
    // its message as one line, without a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload.downcast_ref::<&str>().copied();
        let message = message.or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        eprintln!("{}", message.unwrap_or("a check failed"));
    }));
    let measured = match serde_json::from_str(job) {
        Ok(job) => child::run(job),
        Err(e) => Err(std::io::Error::other(format!("not a job: {e}"))),
    };
    match measured {
        Ok(measurement) => {
            say(format_args!(
                "{}",
                serde_json::to_string(&measurement).expect("plain data serializes")
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn subjects(args: &Args) -> Vec<Subject> {
    let workers =
        if args.workers.is_empty() { vec![report::cores()] } else { args.workers.clone() };
    let flavours =
        if args.flavours.is_empty() { Flavour::ALL.to_vec() } else { args.flavours.clone() };
    let mut subjects = Vec::new();
    for flavour in flavours {
        let counts = if flavour.is_multi_thread() { &workers[..] } else { &[NonZeroUsize::MIN] };
        for &n in counts {
            // Asked twice, measured once.
            if !subjects.contains(&Subject::Rust(flavour, n)) {
                subjects.push(Subject::Rust(flavour, n));
            }
        }
    }
    // The article's claim, tested: the same HTTP fetches with threads (which take
    // no injected faults and do no CPU work).
    let hedged = args.workload.source().is_some_and(|source| source.hedge_after.is_some());
    let threads_fit = !matches!(args.workload, args::Workload::Bounded { .. })
        && args.workload.work().is_none()
        && !hedged;
    if args.workload.is_http() && threads_fit && !args.workload.is_faulty() {
        subjects.push(Subject::Threads(Threads::Pool));
        if args.workload.users().is_some_and(|users| users <= MAX_THREADS_PER_REQUEST_USERS) {
            subjects.push(Subject::Threads(Threads::PerRequest));
        }
    }
    subjects
}

/// The most users the threads-per-request baseline is run for: two OS threads each.
const MAX_THREADS_PER_REQUEST_USERS: usize = 20_000;

/// The record service for an HTTP workload without `--address`: started here, on
/// threads of its own, answering after `--latency`, and shared by every child.
fn in_process_service(args: &Args) -> Result<Option<RecordService>, String> {
    let wanted = args.workload.source().is_some_and(|s| s.address.is_none());
    if !args.workload.is_http() || !wanted {
        return Ok(None);
    }
    let delay = args.workload.ideal_latency();
    let tail = args.workload.source().map_or(Ok(Tail::NONE), |source| source.tail(delay))?;
    let config = ServiceConfig { delay, tail, ..ServiceConfig::default() };
    RecordService::start(config)
        .map(Some)
        .map_err(|e| format!("could not start the in-process record service: {e}"))
}

fn compare(args: &Args) -> Result<(), String> {
    if let args::Workload::Serve(load) = &args.workload {
        return serving::compare(args, load);
    }
    let service = in_process_service(args)?;
    let service_address = service.as_ref().map(RecordService::address);
    let mut subjects = subjects(args);
    let mut notes = Vec::new();
    if args.workload.is_http() && args.workload.users().unwrap_or(0) > MAX_THREADS_PER_REQUEST_USERS
    {
        notes.push(format!(
            "threads-per-request is not run above {MAX_THREADS_PER_REQUEST_USERS} users (two OS threads per user)"
        ));
    }
    if args.workload.is_faulty() {
        notes.push(
            "with injected faults, the threads baselines and the Python reference are not run: they take no faults"
                .to_owned(),
        );
    }
    if args.workload.is_http()
        && args.workload.source().is_some_and(|source| source.hedge_after.is_some())
    {
        notes.push(
            "with a hedge, the threads baselines are not run: they send each fetch once".to_owned(),
        );
    }
    let mut python_versions = None;
    if !args.no_python && python::supports(&args.workload) {
        match python::loops() {
            Ok((loops, versions)) => {
                let said: Vec<_> = versions.iter().map(|(name, v)| format!("{name} {v}")).collect();
                notes.push(format!(
                    "reference rows: {}, the article's program (tools/compare/python/article.py), timed inside its event loop",
                    said.join(", ")
                ));
                if args.workload.is_timed() {
                    notes.push(format!(
                        "{}: asyncio's median over the row's; a range, from asyncio's least run over the row's most to its most over the row's least, when either is noisy",
                        columns::FASTER_THAN_ASYNCIO
                    ));
                }
                python_versions = Some(versions);
                subjects.extend(loops.into_iter().map(Subject::Python));
                if subjects.iter().all(|s| *s != Subject::Python("uvloop")) {
                    notes.push(
                        "uvloop is not installed: only asyncio's default loop is shown".to_owned(),
                    );
                }
            }
            Err(note) => notes.push(note),
        }
    }
    // Said before measuring, so that a terminal shows what is measured meanwhile;
    // on stdout, so that the table's file or pipe holds it.
    let header = report::header(args);
    say(format_args!("{header}"));

    let measurements = measure_all(&subjects, args, service_address)?;
    row::check_tallies(&subjects, &measurements, &args.workload)?;
    let rows: Vec<Row> = subjects
        .into_iter()
        .zip(measurements)
        .map(|(subject, runs)| Row::new(subject, &runs, &args.workload))
        .collect();
    let rows = row::with_ratios(rows, &args.workload);
    notes.extend(report::io_drivers(&rows));
    report_all(args, &header, &rows, &notes, python_versions.as_deref().unwrap_or_default())
}

/// Every run of every subject, the subjects in a different order each round.
fn measure_all(
    subjects: &[Subject],
    args: &Args,
    service: Option<std::net::SocketAddr>,
) -> Result<Vec<Vec<Measurement>>, String> {
    let runs = args.runs.get();
    let progress = ProgressBar::new((subjects.len() * runs) as u64).with_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs, {elapsed} elapsed, ~{eta} left: {msg}",
        )
        .expect("a valid template"),
    );
    let mut measurements: Vec<Vec<Measurement>> = subjects.iter().map(|_| Vec::new()).collect();
    for round in 0..runs {
        // A different subject goes first each round, so none always runs first.
        for offset in 0..subjects.len() {
            let index = (offset + round) % subjects.len();
            progress.set_message(subjects[index].label());
            measurements[index].push(run_one(&subjects[index], args, service)?);
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    Ok(measurements)
}

/// Prints the tables and what they mean, and writes the files asked for.
fn report_all(
    args: &Args,
    header: &str,
    rows: &[Row],
    notes: &[String],
    python_versions: &[(&'static str, String)],
) -> Result<(), String> {
    say(format_args!(""));
    say(format_args!("{}", table::terminal(columns::comparison(&args.workload, rows))));
    if let Some(accounting) = columns::accounting(rows) {
        say(format_args!("\n{}\n{}", columns::ACCOUNTING, table::terminal(accounting)));
    }
    if let Some(latencies) = columns::latencies(rows) {
        say(format_args!("\n{}\n{}", columns::LATENCIES, table::terminal(latencies)));
    }
    for definition in report::definitions(&args.workload) {
        say(format_args!("definition: {definition}"));
    }
    for note in notes {
        say(format_args!("note: {note}"));
    }
    if let Some(path) = &args.json {
        outputs::write(path, &record::json(args, rows, python_versions, notes))?;
    }
    if let Some(path) = &args.svg {
        outputs::write(path, &chart::bar_chart(&args.workload, &chart::bars_of_rows(rows)))?;
    }
    if let Some(path) = &args.markdown {
        outputs::write(path, &report::markdown(args, header, rows, notes))?;
    }
    Ok(())
}

/// One measured run of `subject` in a fresh process.
fn run_one(
    subject: &Subject,
    args: &Args,
    service: Option<std::net::SocketAddr>,
) -> Result<Measurement, String> {
    let measured = match *subject {
        Subject::Python(event_loop) => return python::measure(event_loop, &args.workload),
        Subject::Rust(flavour, workers) => Measured::Rust { flavour, workers },
        Subject::Threads(threads) => Measured::Threads(threads),
    };
    let job = Job::new(measured, &args.workload, service).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let output = interrupt::output(Command::new(exe).arg(job::FLAG).arg(job.to_json()));
    child::read(&subject.described(), output)
}
