//! `compare serve`, run as a user runs it: the gateway under two flavours (one of
//! them thread-per-core) and every kind of baseline, each measurement counted
//! exactly, and the options it would ignore refused. It needs the runtime binaries
//! beside compare, which `cargo test --workspace` builds.

use std::{
    process::{Command, Output},
    time::Duration,
};

use chain_conformance::output_within;
use chain_core::Operation;
use chain_lab::Tail;

const TIME_LIMIT: Duration = Duration::from_secs(300);

fn compare(args: &[&str]) -> Output {
    output_within(Command::new(env!("CARGO_BIN_EXE_compare")).args(args), TIME_LIMIT)
}

/// Every server, the gateway's flavours and the baselines, on the one-user route and
/// on the batch route (each answer checked by the load generator).
#[test]
fn each_row_serves_exactly_the_requests_due_and_its_costs_are_read() {
    for batch in [None, Some(3)] {
        each_row_serves_exactly_the_requests_due(batch);
    }
}

fn each_row_serves_exactly_the_requests_due(batch: Option<u64>) {
    let route = batch.map(|n| format!("--batch={n}"));
    let json = std::env::temp_dir().join(format!("compare-serve-{}.json", std::process::id()));
    let output = compare(
        &[
            "serve",
            "--rates=200",
            "--connections=4",
            "--duration=300ms",
            "--warmup=0s",
            "--runs=1",
            "--flavours=smol-current-thread,compio-thread-per-core",
            "--json",
            json.to_str().unwrap(),
        ]
        .into_iter()
        .chain(route.as_deref())
        .collect::<Vec<_>>(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("offered 200 requests/s over 4 connections"), "{stdout}");
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    assert!(record["date"].as_str().is_some_and(|d| d.ends_with('Z')), "{record}");
    let rows = record["rows"].as_array().unwrap();
    let servers: Vec<_> = rows.iter().map(|row| row["server"].as_str().unwrap()).collect();
    let python =
        Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    let mut expected = vec![
        "smol-current-thread",
        "compio-thread-per-core",
        "smol-current-thread native",
        "compio-thread-per-core native",
        "threads (tiny_http)",
    ];
    expected.extend(python.then_some("asyncio (Python)"));
    assert_eq!(servers, expected, "{record}");
    for row in rows {
        let run = &row["loads"][0]["runs"][0];
        // Due at n / 200 s: n from 0 to 59 fall in the 300 ms window.
        assert_eq!(run["load"]["sent"], 60, "{row}");
        assert_eq!(run["load"]["statuses"]["200"], 60, "{row}");
        assert_eq!(run["load"]["wrong_answers"], 0, "{row}");
        assert_eq!(run["load"]["batch"].as_u64(), batch, "{row}");
        assert!(run["server_cpu_seconds"].as_f64().unwrap() >= 0.0, "{row}");
        assert!(
            run["peak_memory_bytes"].as_u64().unwrap() > 1 << 20,
            "a server holds a MiB: {row}"
        );
    }
}

/// `compare serve` of `flavour` and the Python servers, 20 requests of 10 users each
/// on a backend with 10 % of fetches 40 ms slow (seed 0), with `more` options: what
/// it printed, and its JSON (written to a file named after `test`).
fn batch_of_ten_with_a_tail(
    test: &str,
    flavour: &str,
    more: &[&str],
) -> (String, serde_json::Value) {
    let json = std::env::temp_dir().join(format!("compare-{test}-{}.json", std::process::id()));
    let flavours = format!("--flavours={flavour}");
    let args = [
        "serve",
        "--rates=50",
        "--batch=10",
        "--latency=1ms",
        "--slow-rate=0.1",
        "--slow=40ms",
        "--connections=4",
        "--duration=400ms",
        "--warmup=0s",
        "--runs=1",
        &flavours,
        "--json",
        json.to_str().unwrap(),
    ];
    let output = compare(&[&args[..], more].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    (String::from_utf8_lossy(&output.stdout).into_owned(), record)
}

/// A tail reaches every server that has one, the gateway's and asyncio's: a batch
/// of 10 users (20 fetches) with 10 % of them slow meets a slow fetch nine times in
/// ten, so the median request waits at least the slow time. The baselines without a
/// tail are not run.
#[test]
fn a_tail_reaches_the_gateways_and_asyncio_and_leaves_the_other_baselines_out() {
    let (stdout, record) = batch_of_ten_with_a_tail("tail", "smol-current-thread", &[]);
    assert!(stdout.contains("the native and threads baselines are not run"), "{stdout}");
    let rows = record["rows"].as_array().unwrap();
    let servers: Vec<_> = rows.iter().map(|row| row["server"].as_str().unwrap()).collect();
    assert_eq!(servers[0], "smol-current-thread", "{record}");
    assert!(servers[1..].iter().all(|s| s.ends_with("(Python)")), "{servers:?}");
    // Request n asks for users n + 1 to n + 10; those of them with a slow fetch
    // (seed 0, as compare passes it) cannot answer in less than the slow time.
    let tail = Tail::new(0.1, Duration::from_millis(40), 0).unwrap();
    let ops = [Operation::FetchUser, Operation::FetchOrders];
    let slowed = |n: u64| (n + 1..=n + 10).any(|id| ops.iter().any(|&op| tail.is_slow(id, op, 0)));
    let met = (0..20u64).filter(|&n| slowed(n)).count() as f64 / 20.0;
    assert!(met > 0.5, "the seed slows most requests: {met}");
    for row in rows {
        let load = &row["loads"][0]["runs"][0]["load"];
        assert_eq!(
            (load["statuses"]["200"].as_u64(), load["wrong_answers"].as_u64()),
            (Some(20), Some(0))
        );
        let p50_us = load["latency_us"]["p50"].as_u64().unwrap();
        assert!(p50_us >= 40_000, "{}: p50 {p50_us} us", row["server"]);
        assert_eq!(load["over"]["threshold_us"], 40_000, "{row}");
        let share = load["over"]["share"].as_f64().unwrap();
        assert!(share >= met, "{}: {share} took 40 ms, {met} met a slow fetch", row["server"]);
        // The server's own fetches: each of every answer's 20 counted once, a tenth
        // of them slow, so the median waits the usual 1 ms and p99 the slow 40.
        let fetches = &row["loads"][0]["runs"][0]["fetches"];
        assert_eq!(fetches["count"].as_u64(), Some(20 * 20), "{row}");
        let (p50, p99) = (fetches["p50_s"].as_f64().unwrap(), fetches["p99_s"].as_f64().unwrap());
        assert!((0.001..0.040).contains(&p50) && p99 >= 0.040, "{row}");
    }
    assert!(stdout.contains("server's fetches p50 / p99"), "{stdout}");
}

/// With a hedge, every server that hedges (the gateway's and asyncio's) says at its
/// stop what it sent: a fetch needed for each user of each answer, one more copy at
/// most for each, and the extra ones never earlier than the hedge's delay.
#[test]
fn a_hedged_server_s_copies_are_read_back_from_it_at_its_stop() {
    let hedged = ["--hedge-after=10ms"];
    let (stdout, record) = batch_of_ten_with_a_tail("hedge", "tokio-current-thread", &hedged);
    assert!(stdout.contains("hedge left after"), "{stdout}");
    for row in record["rows"].as_array().unwrap() {
        let point = &row["loads"][0]["runs"][0];
        let answered = point["load"]["answered_in_all"].as_u64().unwrap();
        let hedge = &point["hedge"];
        let (needed, sent) = (hedge["needed"].as_u64().unwrap(), hedge["sent"].as_u64().unwrap());
        assert_eq!(needed, 20 * answered, "{row}");
        assert!(sent > needed && sent <= 2 * needed, "{row}: the tail's slow fetches got a copy");
        let late = hedge["extra_after_mean_s"].as_f64().unwrap();
        assert!(late >= 0.010, "{row}: a hedge never leaves early");
    }
}

#[test]
fn holding_connections_reads_the_servers_memory_with_each_open() {
    let json = std::env::temp_dir().join(format!("compare-hold-{}.json", std::process::id()));
    let args = [
        "serve",
        "--hold=100",
        "--runs=1",
        "--flavours=monoio-current-thread",
        "--no-baselines",
        "--json",
    ];
    let output = compare(&[&args[..], &[json.to_str().unwrap()]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    let run = &record["held"][0]["runs"][0];
    assert_eq!(run["connections"], 100, "{record}");
    let (before, holding) =
        (run["resident_before_bytes"].as_u64(), run["resident_holding_bytes"].as_u64());
    assert!(before.unwrap() > 0 && holding.unwrap() > before.unwrap(), "{record}");
}

#[test]
fn options_serve_would_ignore_are_usage_errors() {
    for args in [
        &["serve"][..],
        &["serve", "--rates=0"],
        &["serve", "--rates=100", "--workers=1,2"],
        &["serve", "--rates=100", "--workers=2", "--flavours=tokio-current-thread"],
        &["serve", "--rates=100", "--no-baselines", "--no-python"],
        &["chain", "--no-baselines"],
        &["serve", "--rates=100", "--search=10ms"],
        &["serve", "--rates=100", "--sweep=0.5"],
        &["serve", "--search=10ms", "--sweep=1.5"],
        &["serve", "--search=10ms", "--search-from=0"],
        &["serve", "--hold=10", "--connections=5"],
        &["serve", "--hold=10", "--batch=2"],
        &["serve", "--hold=10", "--hedge-after=5ms"],
        &["serve", "--rates=100", "--slow-rate=0.1"],
        &["serve", "--rates=100", "--slow-rate=0.1", "--slow=1ms", "--latency=2ms"],
        &["serve", "--rates=100", "--seed=3"],
        &["serve", "--rates=100", "--hedge-after=0s"],
        &["serve", "--rates=100", "--batch=1001"],
        &["serve", "--hold=10", "--rates=100"],
        &["serve", "--hold=10", "--svg=x.svg"],
    ] {
        let output = compare(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    }
}
