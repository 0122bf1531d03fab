//! What the comparison prints: the header, what its figures mean, and the Markdown page.

use std::time::Duration;

pub use chain_cli::report::cores;
use chain_cli::report::{duration, machine};
use chain_cli::versions;

use crate::{
    Subject,
    args::{Args, Workload},
    columns,
    row::Row,
    stats::NOISE_LIMIT,
    table,
};

/// A value of a workload's parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A whole number (users, tasks, a seed).
    Count(u64),
    /// Any other number (a rate).
    Number(f64),
    /// A duration.
    Seconds(Duration),
    /// A word (a shape, an address).
    Text(String),
}

impl Value {
    fn parse(text: &str) -> Self {
        if let Some(nanos) = text.strip_suffix("ns").and_then(|n| n.parse().ok()) {
            Value::Seconds(Duration::from_nanos(nanos))
        } else if let Ok(count) = text.parse() {
            Value::Count(count)
        } else if let Some(number) = text.parse::<f64>().ok().filter(|n| n.is_finite()) {
            Value::Number(number)
        } else {
            Value::Text(text.to_owned())
        }
    }

    /// The value as printed.
    pub fn shown(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Seconds(d) => duration(*d),
            Value::Text(text) => text.clone(),
        }
    }

    /// The value in JSON: a number (seconds for a duration), or a string.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Value::Count(n) => (*n).into(),
            Value::Number(n) => (*n).into(),
            Value::Seconds(d) => d.as_secs_f64().into(),
            Value::Text(text) => text.as_str().into(),
        }
    }
}

/// The workload's parameters, from its command-line words, as `(name, value)` in the
/// words' order; names in snake case, a duration's ending in `_s` (`latency_s`).
pub fn parameters(workload: &Workload) -> Vec<(String, Value)> {
    let words = workload.to_args();
    let pairs = words.iter().filter_map(|word| word.strip_prefix("--")?.split_once('='));
    pairs
        .map(|(name, value)| {
            let value = Value::parse(value);
            let suffix = if matches!(value, Value::Seconds(_)) { "_s" } else { "" };
            (format!("{}{suffix}", name.replace('-', "_")), value)
        })
        .collect()
}

/// `users=200, latency=1.00 ms`: the parameters as printed.
pub fn parameters_shown(workload: &Workload) -> String {
    let shown = parameters(workload).into_iter().map(|(name, value)| {
        let option = name.strip_suffix("_s").unwrap_or(&name).replace('_', "-");
        format!("{option}={}", value.shown())
    });
    shown.collect::<Vec<_>>().join(", ")
}

/// How every Rust measurement was taken, printed with the results.
pub fn method(workload: &Workload) -> String {
    let warm_up = match workload {
        Workload::Idle { .. } => "without a warm-up run (idle's figure is memory)",
        _ => "after one warm-up run",
    };
    format!(
        "each run in a fresh process {warm_up}; timed inside a task spawned on the runtime \
         (its own worker); runtime built outside the timed region"
    )
}

/// `release` or `debug`: how this tool (and so every Rust row) was compiled.
pub fn profile() -> &'static str {
    if cfg!(debug_assertions) { "debug" } else { "release" }
}

/// The header: what ran, on what machine, with which versions.
pub fn header(args: &Args) -> String {
    let build = match profile() {
        "debug" => "DEBUG build: not representative",
        _ => "release build",
    };
    format!(
        "workload: {} ({})\nversions: {}\nmachine: {}; {build}\nmethod: {}; runs per row: {}",
        args.workload.name(),
        parameters_shown(&args.workload),
        versions::summary(&benches::Flavour::runtimes()),
        machine(),
        method(&args.workload),
        args.runs,
    )
}

/// What the table's figures mean: its medians, spreads, noise and ratios.
pub fn definitions(workload: &Workload) -> Vec<String> {
    let limit = NOISE_LIMIT * 100.0;
    let mut said = vec![format!(
        "each row's figure is the median of its runs; the spread is its least and most run, \
         and (most - least) / median; a row is noisy when that exceeds {limit:.0} %"
    )];
    if workload.is_ranked() {
        said.push(
            "a ratio is the row's median over that of the best Rust row of its kind (single- or \
             multi-threaded, with the same workers); when either row is noisy it is a range: \
             from the row's least run over the best row's most, to its most run over the best \
             row's least"
                .to_owned(),
        );
    }
    if let Some(users) = workload.users() {
        let ideal = duration(workload.ideal());
        let users = if users == 1 { "1 user".to_owned() } else { format!("{users} users") };
        said.push(format!("per-user overhead: (median - the {ideal} no run can avoid) / {users}"));
    }
    if let Workload::Timer { .. } = workload {
        said.push(
            "oversleep p50: the median over runs of each run's median oversleep; p99: over every \
             sleep of every run"
                .to_owned(),
        );
    }
    said
}

/// A Markdown page: the command, the header, the tables, what they mean and the notes.
pub fn markdown(args: &Args, header: &str, rows: &[Row], notes: &[String]) -> String {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let accounting = columns::accounting(rows).map_or(String::new(), |columns| {
        format!("\n{}\n\n{}\n", columns::ACCOUNTING, table::markdown(columns))
    });
    let latencies = columns::latencies(rows).map_or(String::new(), |columns| {
        format!("\n{}\n\n{}\n", columns::LATENCIES, table::markdown(columns))
    });
    let accounting = accounting + &latencies;
    let notes: String = definitions(&args.workload)
        .iter()
        .chain(notes)
        .map(|note| format!("\nNote: {note}\n"))
        .collect();
    format!(
        "# compare: {}\n\n```console\n$ cargo run --release -p compare -- {}\n```\n\n```text\n{header}\n```\n\n{}\n{accounting}{notes}",
        args.workload.name(),
        command.join(" "),
        table::markdown(columns::comparison(&args.workload, rows)),
    )
}

/// Each runtime's I/O driver, as it reported it in its rows' last runs: the note
/// that says whether io_uring ran, or epoll and why.
pub fn io_drivers(rows: &[Row]) -> Option<String> {
    let mut said: Vec<String> = Vec::new();
    for row in rows {
        if let (Subject::Rust(flavour, _), Some(described)) = (&row.subject, &row.described) {
            let entry = format!("{} {}", flavour.runtime(), described.io);
            if !said.contains(&entry) {
                said.push(entry);
            }
        }
    }
    (!said.is_empty())
        .then(|| format!("I/O drivers, as each runtime reported them: {}", said.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{args::workload, child::Described, row::made_up};

    #[test]
    fn each_runtimes_reported_io_driver_is_noted_once() {
        let one = std::num::NonZeroUsize::MIN;
        let rust = |flavour| (Subject::Rust(flavour, one), vec![1e-3]);
        let mut rows = made_up(
            &workload(&["chain"]),
            vec![
                rust(benches::Flavour::SmolCurrentThread),
                rust(benches::Flavour::SmolMultiThread),
                rust(benches::Flavour::TokioCurrentThread),
            ],
        );
        rows.iter_mut().for_each(|row| row.described = None);
        assert_eq!(io_drivers(&rows), None, "nothing reported, nothing said");
        for row in &mut rows {
            let smol = matches!(row.subject, Subject::Rust(f, _) if f.runtime() == "smol");
            let io = if smol { "epoll via polling" } else { "epoll via mio" };
            row.described = Some(Described { timer: "t".into(), io: io.into() });
        }
        let note = io_drivers(&rows).unwrap();
        assert!(note.ends_with(": smol epoll via polling; tokio epoll via mio"), "{note}");
    }

    #[test]
    fn parameters_are_typed_numbers_and_durations_in_seconds() {
        let fanout =
            workload(&["fanout", "--users", "200", "--latency", "1ms", "--fail-rate", "0.5"]);
        let json: serde_json::Map<_, _> =
            parameters(&fanout).into_iter().map(|(name, value)| (name, value.json())).collect();
        assert_eq!(json["users"], serde_json::json!(200));
        assert_eq!(json["latency_s"], serde_json::json!(0.001));
        assert_eq!(json["fail_rate"], serde_json::json!(0.5));
        assert_eq!(json["shape"], serde_json::json!("join"));
        assert_eq!(parameters_shown(&fanout).split(", ").nth(2), Some("latency=1.00 ms"));
    }

    #[test]
    fn only_idle_says_it_has_no_warm_up() {
        assert!(method(&workload(&["idle"])).contains("idle's figure is memory"));
        for other in ["chain", "timer", "spawn-many"] {
            let said = method(&workload(&[other]));
            assert!(!said.contains("idle") && said.contains("after one warm-up run"), "{said}");
        }
    }
}
