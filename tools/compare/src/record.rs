//! The comparison as JSON: what ran, where, when and how, and a record per row with
//! every run's figure.

use std::{collections::BTreeMap, time::SystemTime};

use chain_cli::report::machine;
use chain_cli::versions;
use chain_records::record::{Document, Record};

use crate::{
    Subject,
    args::{Args, Workload},
    report::{self, cores, definitions, method, parameters},
    row::Row,
    stats::NOISE_LIMIT,
};

/// How the Python rows are timed: by the script, around its own event loop.
const PYTHON_METHOD: &str = "the article's program, timed inside its event loop (loop.run_until_complete) after one warm-up run, in a fresh process per run";

fn figure(workload: &Workload) -> &'static str {
    match workload {
        Workload::Idle { .. } => "bytes_per_task",
        Workload::Timer { .. } => "oversleep_p50_s",
        _ => "median_s",
    }
}

fn record(workload: &Workload, row: &Row) -> Record {
    let ranked = workload.is_ranked();
    let only = |wanted: bool, value: f64| wanted.then_some(value);
    let is_timer = matches!(workload, Workload::Timer { .. });
    let sleep = workload.ideal().as_secs_f64();
    Record {
        flavour: row.subject.label(),
        runtime: match &row.subject {
            Subject::Rust(flavour, _) => flavour.runtime(),
            Subject::Python(_) => "python",
            Subject::Threads(_) => "std::thread",
        }
        .to_owned(),
        workers: row.workers(),
        kind: row.kind().to_owned(),
        runs_s: row.time.runs.clone(),
        median_s: row.time.median,
        min_s: row.time.min,
        max_s: row.time.max,
        p99_s: row.p99_s,
        samples: row.samples,
        figure_runs: row.figure.runs.clone(),
        spread: row.figure.relative(),
        noisy: row.figure.is_noisy(),
        ratio: only(ranked, row.ratio.point),
        ratio_low: only(ranked, row.ratio.low),
        ratio_high: only(ranked, row.ratio.high),
        ratio_versus: ranked.then(|| row.versus.to_owned()),
        baseline_noisy: ranked.then_some(row.baseline_noisy),
        peak_rss_bytes: row.peak_rss_bytes,
        per_user_overhead_s: row.per_user_overhead_s,
        bytes_per_task: only(matches!(workload, Workload::Idle { .. }), row.figure.median),
        oversleep_p50_s: only(is_timer, row.figure.median),
        oversleep_p99_s: only(is_timer, (row.p99_s - sleep).max(0.0)),
        tally: row.tally.clone(),
        tallies_agree: row.tallies_agree,
        timer: row.described.as_ref().map(|d| d.timer.clone()),
        io_driver: row.described.as_ref().map(|d| d.io.clone()),
        user_p50_s: row.latency_s(|l| Some(l.users.p50)),
        user_p99_s: row.latency_s(|l| Some(l.users.p99)),
        user_p999_s: row.latency_s(|l| Some(l.users.p999)),
        user_max_s: row.latency_s(|l| Some(l.users.max)),
        fetch_p95_s: row.latency_s(|l| Some(l.fetches.p95)),
        fetch_p99_s: row.latency_s(|l| Some(l.fetches.p99)),
        fetches_sent: row.latencies.last().and_then(|l| l.hedge).map(|h| h.sent),
        fetches_needed: row.latencies.last().and_then(|l| l.hedge).map(|h| h.needed),
        hedge_late_s: row.latency_s(|l| l.hedge?.extra_after_mean),
        method: match row.subject {
            Subject::Python(_) => PYTHON_METHOD.to_owned(),
            _ => method(workload),
        },
    }
}

/// The comparison as pretty JSON; `python` holds the reference rows' versions.
pub fn json(
    args: &Args,
    rows: &[Row],
    python: &[(&'static str, String)],
    notes: &[String],
) -> String {
    let program = std::iter::once("compare".to_owned());
    let workload = &args.workload;
    let mut versions: BTreeMap<String, String> = versions::all(&benches::Flavour::runtimes())
        .map(|(name, version)| (name.to_owned(), version.to_owned()))
        .collect();
    versions.extend(python.iter().map(|(name, version)| ((*name).to_owned(), version.clone())));
    let document = Document {
        command: program.chain(std::env::args().skip(1)).collect(),
        date: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        machine: machine(),
        cores: cores().get(),
        profile: report::profile().to_owned(),
        workload: workload.name().to_owned(),
        parameters: parameters(workload)
            .into_iter()
            .map(|(name, value)| (name, value.json()))
            .collect(),
        runs_per_row: args.runs.get(),
        figure: figure(workload).to_owned(),
        ranked_by: crate::columns::ranked_by(workload).map(str::to_owned),
        noise_limit: NOISE_LIMIT,
        definitions: definitions(workload),
        notes: notes.to_vec(),
        versions,
        rows: rows.iter().map(|row| record(workload, row)).collect(),
    };
    serde_json::to_string_pretty(&document).expect("plain data serializes")
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use benches::Flavour;
    use serde_json::{Value, json};

    use super::*;
    use crate::{args::workload, row::made_up};

    #[test]
    fn a_record_has_every_run_and_its_ratio_range_as_numbers() {
        let fanout = workload(&["fanout", "--users", "1000"]);
        let one = NonZeroUsize::MIN;
        let rows = made_up(
            &fanout,
            vec![
                (Subject::Rust(Flavour::SmolCurrentThread, one), vec![1.0, 1.0]),
                (Subject::Rust(Flavour::TokioCurrentThread, one), vec![1.5, 2.0, 2.5]),
            ],
        );
        let records: Vec<Value> =
            rows.iter().map(|row| serde_json::to_value(record(&fanout, row)).unwrap()).collect();
        let tokio = &records[1];
        assert_eq!(tokio["flavour"], "tokio-current-thread");
        assert_eq!(tokio["kind"], "single");
        assert_eq!(tokio["runs_s"], json!([1.5, 2.0, 2.5]));
        assert_eq!(
            (&tokio["median_s"], &tokio["min_s"], &tokio["max_s"]),
            (&json!(2.0), &json!(1.5), &json!(2.5))
        );
        assert_eq!(tokio["noisy"], true);
        assert_eq!(tokio["spread"], 0.5);
        assert_eq!(
            (&tokio["ratio"], &tokio["ratio_low"], &tokio["ratio_high"]),
            (&json!(2.0), &json!(1.5), &json!(2.5))
        );
        assert_eq!(tokio["ratio_versus"], "single");
        assert_eq!(tokio["per_user_overhead_s"], 0.002);
        assert_eq!(records[0]["noisy"], false);
        assert_eq!(records[0]["baseline_noisy"], false);
    }

    #[test]
    fn the_timer_has_oversleeps_and_no_ratio() {
        let timer = workload(&["timer", "--sleep", "1ms"]);
        let one = NonZeroUsize::MIN;
        let rows =
            made_up(&timer, vec![(Subject::Rust(Flavour::SmolCurrentThread, one), vec![1.25e-3])]);
        let record = serde_json::to_value(record(&timer, &rows[0])).unwrap();
        assert!((record["oversleep_p50_s"].as_f64().unwrap() - 0.25e-3).abs() < 1e-12, "{record}");
        assert_eq!(record["ratio"], Value::Null);
        assert_eq!(figure(&timer), "oversleep_p50_s");
    }
}
