//! The compare tool, run as a user runs it.

use std::{
    process::{Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use chain_conformance::{exit_within, output_within};
use chain_core::Operation;
use chain_lab::{Expected, FaultPlan, Tail, Tally};
use chain_records::record::Document;
use proptest::prelude::*;

/// The longest any command a test runs may take: a regression that hangs fails the
/// test after it, instead of hanging the suite. Far above what any run here needs.
const TIME_LIMIT: Duration = Duration::from_secs(300);

fn compare(args: &[&str]) -> Output {
    output_within(Command::new(env!("CARGO_BIN_EXE_compare")).args(args), TIME_LIMIT)
}

/// The stdout of a run of compare that must succeed.
fn compare_ok(args: &[&str]) -> String {
    let output = compare(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The cells of the table line whose first cell is `label`, trimmed.
fn cells<'a>(stdout: &'a str, label: &str) -> Vec<&'a str> {
    let split = |line: &'a str| -> Vec<&'a str> {
        let inner = line.trim().trim_start_matches('│').trim_end_matches('│');
        inner.split(['│', '┆']).map(str::trim).collect()
    };
    let found = stdout.lines().map(split).find(|cells| cells.first() == Some(&label));
    found.unwrap_or_else(|| panic!("no row {label}: {stdout}"))
}

/// A folder of its own for a test's files, removed when dropped.
struct Folder(std::path::PathBuf);

impl Folder {
    fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!("compare-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn bad_arguments_exit_2_with_a_one_line_reason() {
    let unwritable = "/nonexistent-dir/out.json";
    for args in [
        &["gather"][..],
        &["fanout", "--users", "0"],
        &["fanout", "--users", "-1"],
        &["bounded", "--users", "10", "--concurrency", "0"],
        &["chain", "--latency", "soon"],
        &["chain", "--workers", "0"],
        &["chain", "--runs", "0"],
        &["chain", "--flavours", "tokio-ish"],
        &["chain", "--json", unwritable],
        &["fanout", "--users", "10", "--source", "http", "--address", "nowhere"],
        &["fanout", "--users", "10", "--source", "http", "--connections", "0"],
        &["fanout", "--users", "10", "--fail-rate", "2"],
        &["fanout", "--users", "10", "--hedge-after", "0ms"],
        &["chain", "--hedge-after", "5ms"],
        &["fanout", "--users", "10", "--fail-rate", "0.5", "--hang-rate", "0.7"],
        &["bounded", "--users", "10", "--concurrency", "2", "--jitter", "-1ms"],
        &[
            "fanout",
            "--users",
            "10",
            "--hang-rate",
            "0.1",
            "--jitter",
            "6ms",
            "--fetch-timeout",
            "10ms",
        ],
        &["chain", "--latency", "6ms", "--fail-rate", "0.1", "--fetch-timeout", "10ms"],
        &["chain", "--runs", "-1"],
        &["idle", "--tasks", "-1"],
        &["idle", "--users", "0"],
        &["spawn-many", "--users", "10"],
        &["fanout", "--users", "3", "--seed", "-1"],
        &["fanout", "--users", "10", "--source", "http", "--address", "127.0.0.1:1"],
        // Options that would be ignored.
        &["fanout", "--users", "10", "--connections", "5"],
        &["chain", "--fetch-timeout", "1ms"],
        &["bounded", "--users", "10", "--concurrency", "2", "--seed", "7"],
    ] {
        let output = compare(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        // What was wrong, and what is allowed (or why it cannot be used).
        let says_why = [
            "must be",
            "cannot",
            "needs",
            "possible values",
            "add up",
            "subcommand",
            "its size is",
        ];
        assert!(says_why.iter().any(|why| stderr.contains(why)), "{args:?}: {stderr}");
    }
}

/// Words compare knows, values good and bad, and anything at all (no output file:
/// the test names an unwritable one itself).
fn word() -> impl Strategy<Value = String> {
    const KNOWN: &[&str] = &[
        "chain",
        "fanout",
        "bounded",
        "spawn-many",
        "spawn-chain",
        "yield-many",
        "ping-pong",
        "timer",
        "idle",
        "--users",
        "--concurrency",
        "--latency",
        "--tasks",
        "--depth",
        "--yields",
        "--rounds",
        "--sleep",
        "--samples",
        "--shape",
        "spawn",
        "--runs",
        "--workers",
        "1,2",
        "--flavours",
        "smol-current-thread,async-std",
        "--no-python",
        "--help",
        "--version",
        "--source",
        "http",
        "--address",
        "127.0.0.1:1",
        "--connections",
        "--fetch-timeout",
        "--fail-rate",
        "--hang-rate",
        "--jitter",
        "--seed",
        "0",
        "1",
        "-1",
        "1000001",
        "18446744073709551616",
        "0.5",
        "NaN",
        "10ms",
        "-1ms",
        "2h",
        "",
    ];
    prop_oneof![
        3 => prop::sample::select(KNOWN).prop_map(str::to_owned),
        1 => any::<String>().prop_filter("no NUL in an argument", |s| !s.contains('\0')),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the command line, compare answers with its help (status 0) or with
    /// one line and status 2, before measuring anything: every command line that
    /// parses and passes its checks meets the unwritable output file last.
    #[test]
    fn every_command_line_is_measured_or_refused_in_one_line(
        words in prop::collection::vec(word(), 0..7),
    ) {
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.extend(["--json", "/nonexistent-dir/out.json"]);
        let output = compare(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        match output.status.code() {
            // Only the help, or the version, is an answer without a measurement.
            Some(0) => {
                let version = format!("compare {}\n", env!("CARGO_PKG_VERSION"));
                let helped = stdout.contains("Usage: compare") || stdout == version;
                prop_assert!(stderr.is_empty() && helped, "{:?}: {}{}", args, stdout, stderr);
            }
            Some(2) => {
                prop_assert!(stderr.starts_with("error: "), "{:?}: {}", args, stderr);
                prop_assert_eq!(stderr.lines().count(), 1, "{:?}: {}", args, stderr);
            }
            other => prop_assert!(false, "{:?}: status {:?}: {}", args, other, stderr),
        }
    }
}

#[test]
fn a_run_writes_one_checked_record_per_flavour_with_versions_and_machine() {
    let folder = Folder::new("records");
    let (json, svg, markdown) = (folder.file("r.json"), folder.file("r.svg"), folder.file("r.md"));
    let args = [
        "fanout",
        "--users=200",
        "--latency=1ms",
        "--runs=2",
        "--workers=1,2",
        "--flavours=smol-current-thread,tokio-multi-thread",
        "--no-python",
        &format!("--json={json}"),
        &format!("--svg={svg}"),
        &format!("--markdown={markdown}"),
    ];
    let output = compare(&args);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("versions: tokio "), "{stdout}");
    assert_eq!(cells(&stdout, "smol-current-thread")[1], "1", "{stdout}");
    // Each file written is named, once, on stderr.
    for path in [&json, &svg, &markdown] {
        let line = format!("wrote {path}");
        assert_eq!(stderr.lines().filter(|l| *l == line).count(), 1, "{stderr}");
    }

    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let records = document["rows"].as_array().unwrap();
    assert_the_document_describes_the_run(&document);
    // One single-threaded row, and the multi-threaded flavour at 1 and 2 workers.
    assert_eq!(records.len(), 3);
    records.iter().for_each(assert_a_record_holds_two_consistent_runs);
    let workers: Vec<_> = records.iter().map(|r| r["workers"].as_u64().unwrap()).collect();
    assert!(workers.contains(&1) && workers.contains(&2), "{workers:?}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("smol-current-thread (1 w)"), "{chart}");
    assert!(chart.contains("median wall time (ms)"), "{chart}");
    let page = std::fs::read_to_string(&markdown).unwrap();
    assert!(page.contains("| flavour ") && page.contains("---:|"), "{page}");
}

/// The header of the fan-out run's JSON: workload, typed parameters, versions,
/// machine, command, date and profile.
fn assert_the_document_describes_the_run(document: &serde_json::Value) {
    assert_eq!(document["workload"], "fanout");
    // Parameters are numbers, durations in seconds.
    assert_eq!(document["parameters"]["users"], 200);
    assert_eq!(document["parameters"]["latency_s"], 0.001);
    assert_eq!(document["runs_per_row"], 2);
    assert!(document["versions"]["tokio"].as_str().unwrap().starts_with('1'));
    assert!(document["machine"].as_str().unwrap().contains("cores"));
    assert_eq!(document["command"][0], "compare");
    assert_eq!(document["command"][1], "fanout");
    let date = document["date"].as_str().unwrap();
    assert!(date.len() == 20 && date.ends_with('Z') && date.as_bytes()[10] == b'T', "{date}");
    assert!(["release", "debug"].contains(&document["profile"].as_str().unwrap()));
}

/// A row of the fan-out run: both runs, their spread, the noise mark and a ratio
/// range that holds the ratio.
fn assert_a_record_holds_two_consistent_runs(record: &serde_json::Value) {
    assert_eq!(record["samples"], 2);
    let runs: Vec<f64> =
        record["runs_s"].as_array().unwrap().iter().map(|r| r.as_f64().unwrap()).collect();
    assert_eq!(runs.len(), 2, "{record}");
    let (min, max) = (record["min_s"].as_f64().unwrap(), record["max_s"].as_f64().unwrap());
    let median = record["median_s"].as_f64().unwrap();
    assert!(min >= 0.001 && min <= median && max >= min, "{record}");
    assert_eq!(record["noisy"], (max - min) / median > 0.10, "{record}");
    let ratio = |field: &str| record[field].as_f64().unwrap();
    assert!(
        ratio("ratio_low") <= ratio("ratio") && ratio("ratio") <= ratio("ratio_high"),
        "{record}"
    );
    assert!(record["per_user_overhead_s"].is_f64(), "{record}");
    assert!(record["peak_rss_bytes"].is_u64(), "{record}");
}

#[test]
fn chart_redraws_a_chart_beside_its_json_and_takes_no_measuring_options() {
    let folder = Folder::new("chart");
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/results/chain.json");
    let json = folder.file("chain.json");
    std::fs::copy(committed, &json).unwrap();
    compare_ok(&["chart", &json]);
    let svg = std::fs::read_to_string(folder.file("chain.svg")).expect("the chart beside");
    assert!(svg.starts_with("<svg") && svg.contains("chain: median wall time"), "{svg}");
    let output = compare(&["chart", &json, "--svg", &folder.file("other.svg")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: --svg: chart measures nothing"), "{stderr}");
    // A file with no chart's data is an error naming it.
    std::fs::write(&json, "{}").unwrap();
    let output = compare(&["chart", &json]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("chain.json"), "{stderr}");
}

#[test]
fn outputs_naming_one_file_are_refused_before_anything_is_measured() {
    let folder = Folder::new("same-path");
    let (file, also) = (
        folder.file("out"),
        format!(
            "{}/../{}/out",
            folder.0.display(),
            folder.0.file_name().unwrap().to_str().unwrap()
        ),
    );
    for outputs in [
        ["--json", &file, "--svg", &file],
        ["--json", &file, "--markdown", &also],
        ["--svg", &also, "--markdown", &file],
    ] {
        // A latency of a minute: measuring anything would take one.
        let mut args = vec!["chain", "--latency=60s", "--runs=1", "--flavours=smol-current-thread"];
        args.extend(outputs);
        let output = compare(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains("cannot both write"), "{stderr}");
        assert!(output.stdout.is_empty(), "measured: {}", String::from_utf8_lossy(&output.stdout));
        assert!(!std::path::Path::new(&file).exists());
    }
}

#[test]
fn idle_is_sized_in_users_like_the_other_workloads() {
    let folder = Folder::new("idle");
    for option in ["--users", "--tasks"] {
        let json = folder.file(&format!("idle{option}.json"));
        let args =
            ["idle", option, "1000", "--runs=1", "--flavours=smol-current-thread", "--json", &json];
        let stdout = compare_ok(&args);
        assert!(stdout.contains("memory/task vs least of its"), "{stdout}");
        let document: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(document["parameters"]["users"], 1000, "{document}");
        assert_eq!(document["figure"], "bytes_per_task");
        assert!(document["rows"][0]["bytes_per_task"].as_f64().unwrap() > 0.0, "{document}");
    }
}

#[test]
fn a_timer_table_leaves_out_the_columns_it_has_no_figure_for() {
    let stdout = compare_ok(&[
        "timer",
        "--sleep=1ms",
        "--samples=5",
        "--runs=2",
        "--flavours=smol-current-thread",
        "--no-python",
    ]);
    assert!(!stdout.contains("per-user overhead") && !stdout.contains(" vs "), "{stdout}");
    assert!(stdout.contains("oversleep p99") && stdout.contains("runs: least – most"), "{stdout}");
    assert!(!stdout.contains("idle"), "only idle says it has no warm-up: {stdout}");
    let stdout =
        compare_ok(&["spawn-many", "--tasks=100", "--runs=1", "--flavours=smol-current-thread"]);
    assert!(!stdout.contains("per-user overhead"), "{stdout}");
    assert!(stdout.contains("time vs fastest of its kind"), "{stdout}");
}

#[test]
fn an_http_run_has_a_row_per_flavour_and_the_two_threads_baselines() {
    let stdout = compare_ok(&[
        "fanout",
        "--users=50",
        "--source=http",
        "--runs=1",
        "--flavours=smol-current-thread",
    ]);
    assert!(stdout.contains("source=http"), "{stdout}");
    assert_eq!(cells(&stdout, "smol-current-thread")[1], "1");
    assert_eq!(cells(&stdout, "thread-pool (std::net)")[1], "100");
    assert_eq!(cells(&stdout, "threads-per-request (std::net)")[1], "100");
}

#[test]
fn injected_faults_are_counted_in_every_row_and_no_user_is_lost() {
    let folder = Folder::new("faults");
    let json = folder.file("faults.json");
    let stdout = compare_ok(&[
        "bounded",
        "--users=5000",
        "--concurrency=500",
        "--fail-rate=0.02",
        "--hang-rate=0.01",
        "--fetch-timeout=20ms",
        "--runs=1",
        "--flavours=smol-current-thread,tokio-current-thread",
        &format!("--json={json}"),
    ]);
    // The accounting: flavour, workers, users requested, results, errors, lost; in
    // every row exactly what the seed's plan implies for users 1..=5000.
    let plan = FaultPlan::new(0).with_failures(0.02).unwrap().with_hangs(0.01).unwrap();
    let outcomes: Vec<Expected> = (1..=5000).map(|id| plan.expected_outcome(id)).collect();
    let count = |outcome| outcomes.iter().filter(|&&o| o == outcome).count();
    let (results, failed, timed_out) =
        (count(Expected::Result), count(Expected::Failed), count(Expected::TimedOut));
    assert!(failed > 0 && timed_out > 0, "the plan faults users both ways");
    let planned = Tally {
        requested: 5000,
        results,
        errors_by_cause: [("failed".to_owned(), failed), ("timed out".to_owned(), timed_out)]
            .into(),
        lost: 0,
    };
    let document: Document = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
        .expect("compare's JSON reads back");
    assert_eq!(document.rows.len(), 2);
    for row in &document.rows {
        assert_eq!(row.tally.as_ref(), Some(&planned), "{}: the JSON's tally", row.flavour);
    }
    let (results, errors) = (
        results.to_string(),
        format!("{} ({failed} failed, {timed_out} timed out)", failed + timed_out),
    );
    let (_, accounting) = stdout.split_once("Every user accounted for").expect("an accounting");
    for flavour in ["smol-current-thread", "tokio-current-thread"] {
        let counted = &cells(accounting, flavour)[2..];
        assert_eq!(counted, ["5000", &results, &errors, "0"], "{flavour}: {stdout}");
    }
    assert!(stdout.contains("the Python reference are not run"), "{stdout}");
}

#[test]
fn ctrl_c_stops_the_comparison_and_its_measuring_process() {
    stopped_by("INT", 130, "interrupted");
}

#[test]
fn sigterm_stops_the_comparison_and_its_measuring_process_with_status_143() {
    stopped_by("TERM", 143, "terminated");
}

/// How long the signal test waits for each step (a child to start, compare to end,
/// the child to be gone): a guard against a hang, not a measure of speed, generous
/// for a loaded machine. The measuring process sleeps 60 s twice (warm-up and run),
/// so an end within it is the signal's doing.
const PATIENCE: Duration = Duration::from_secs(40);

/// Sends `signal` to compare while a measuring process runs: compare exits with
/// status `code`, says `said`, and its measuring process is gone.
/// The process id of `parent`'s first child, once it has one; fails the test if
/// `parent` ends first or none appears within [`PATIENCE`].
fn first_child(parent: &mut std::process::Child) -> String {
    let pid = parent.id();
    let children = format!("/proc/{pid}/task/{pid}/children");
    let give_up = Instant::now() + PATIENCE;
    loop {
        let listed = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(child) = listed.split_whitespace().next() {
            return child.to_owned();
        }
        if let Some(status) = parent.try_wait().unwrap() {
            let mut said = String::new();
            let _ = std::io::Read::read_to_string(&mut parent.stderr.take().unwrap(), &mut said);
            panic!("compare ended ({status}) before a measuring process was seen: {said}");
        }
        assert!(Instant::now() < give_up, "no measuring process started");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn stopped_by(signal: &str, code: i32, said: &str) {
    use std::io::{BufRead, BufReader};
    let mut parent = Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(["fanout", "--users=10", "--latency=60s", "--flavours=smol-current-thread"])
        .args(["--runs=1", "--no-python"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("compare starts");
    // The header is said just before the first measuring process starts; read on a
    // thread, so that a compare that never says it fails the test. The thread then
    // reads on to the end: a pipe closed after the first line would end compare
    // quietly at its next line, before any measuring process starts.
    let mut stdout = BufReader::new(parent.stdout.take().unwrap());
    let (header_said, header) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let _ = header_said.send(line);
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
    });
    let Ok(line) = header.recv_timeout(Duration::from_secs(60)) else {
        let _ = parent.kill();
        panic!("compare said no header within 60 s");
    };
    assert!(line.starts_with("workload: fanout"), "{line}");
    let pid = parent.id();
    let child = first_child(&mut parent);
    let kill = [&format!("-{signal}"), &pid.to_string()];
    let sent = output_within(Command::new("kill").args(kill), Duration::from_secs(10));
    assert!(sent.status.success(), "kill -{signal} could not be sent");
    let status = exit_within(&mut parent, PATIENCE)
        .unwrap_or_else(|| panic!("compare still running {PATIENCE:?} after SIG{signal}"));
    assert_eq!(status.code(), Some(code), "after SIG{signal}");
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut parent.stderr.take().unwrap(), &mut rest);
    assert!(rest.contains(said), "{rest}");
    // Killed: gone, or a zombie where no init reaps orphans (some containers).
    let running = || {
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
        state.is_some_and(|state| state != 'Z')
    };
    let gone = Instant::now() + PATIENCE;
    while running() {
        assert!(Instant::now() < gone, "the measuring process {child} outlived compare");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_hedged_fan_out_s_rows_carry_each_user_s_percentiles_and_the_copies_sent() {
    let folder = Folder::new("hedge");
    let json = folder.file("hedge.json");
    let (users, rate, slow) = (200, 0.1, Duration::from_millis(300));
    let stdout = compare_ok(&[
        "fanout",
        &format!("--users={users}"),
        &format!("--slow-rate={rate}"),
        "--slow=300ms",
        "--hedge-after=50ms",
        "--runs=1",
        "--flavours=smol-current-thread",
        &format!("--json={json}"),
    ]);
    assert!(stdout.contains("The tail each user met"), "{stdout}");
    // No usual latency: a quick fetch answers at once, so exactly the slow ones are
    // hedged, by the Rust row and by asyncio's alike.
    let tail = Tail::new(rate, slow, 0).unwrap();
    let ops = [Operation::FetchUser, Operation::FetchOrders];
    let late = (1..=users).flat_map(|id| ops.map(|op| (id, op)));
    let late = late.filter(|&(id, op)| tail.is_slow(id, op, 0)).count() as u64;
    let document: Document = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
        .expect("compare's JSON reads back");
    assert_eq!(document.rows.len(), 2, "smol and asyncio");
    for row in &document.rows {
        let sent = (row.fetches_sent, row.fetches_needed);
        assert_eq!(sent, (Some(2 * users + late), Some(2 * users)), "{}", row.flavour);
        let (p50, p99, p999) =
            (row.user_p50_s.unwrap(), row.user_p99_s.unwrap(), row.user_p999_s.unwrap());
        assert!(p50 <= p99 && p99 <= p999, "{}: {p50} {p99} {p999}", row.flavour);
        assert!(p50 < 0.05, "{}: most users meet no slow fetch", row.flavour);
        assert!(row.hedge_late_s.unwrap() >= 0.05, "{}: a hedge never leaves early", row.flavour);
    }
}
