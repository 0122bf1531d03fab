//! The compare tool, run as a user runs it.

use std::process::{Command, Output};

use proptest::prelude::*;

fn compare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compare")).args(args).output().expect("compare starts")
}

/// The stdout of a run of compare that must succeed.
fn compare_ok(args: &[&str]) -> String {
    let output = compare(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
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
        &["fanout", "--users", "10", "--fail-rate", "0.5", "--hang-rate", "0.7"],
        &["bounded", "--users", "10", "--concurrency", "2", "--jitter", "-1ms"],
        &["chain", "--runs", "-1"],
        &["idle", "--tasks", "-1"],
        &["fanout", "--users", "3", "--seed", "-1"],
        &["fanout", "--users", "10", "--source", "http", "--address", "127.0.0.1:1"],
    ] {
        let output = compare(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        // What was wrong, and what is allowed (or why it cannot be used).
        let says_why = ["must be", "cannot", "needs", "possible values", "add up", "subcommand"];
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
        match output.status.code() {
            Some(0) => prop_assert!(stderr.is_empty(), "{:?}: {}", args, stderr),
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
    let dir = std::env::temp_dir().join(format!("compare-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, svg, markdown) = (dir.join("r.json"), dir.join("r.svg"), dir.join("r.md"));
    let stdout = compare_ok(&[
        "fanout",
        "--users=200",
        "--latency=1ms",
        "--runs=2",
        "--workers=1,2",
        "--flavours=smol-current-thread,tokio-multi-thread",
        "--no-python",
        &format!("--json={}", json.display()),
        &format!("--svg={}", svg.display()),
        &format!("--markdown={}", markdown.display()),
    ]);
    assert!(stdout.contains("versions: tokio "), "{stdout}");
    assert!(stdout.contains("| smol-current-thread | 1 |"), "{stdout}");

    let records: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let records = records.as_array().unwrap();
    // One single-threaded row, and the multi-threaded flavour at 1 and 2 workers.
    assert_eq!(records.len(), 3);
    for record in records {
        assert_eq!(record["workload"], "fanout");
        assert_eq!(record["parameters"]["users"], "200");
        assert_eq!(record["samples"], 2);
        assert!(record["median_s"].as_f64().unwrap() >= 0.001, "{record}");
        assert!(record["versions"]["tokio"].as_str().unwrap().starts_with('1'));
        assert!(record["machine"].as_str().unwrap().contains("cores"));
    }
    let workers: Vec<_> = records.iter().map(|r| r["workers"].as_u64().unwrap()).collect();
    assert!(workers.contains(&1) && workers.contains(&2), "{workers:?}");
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    assert!(std::fs::read_to_string(&markdown).unwrap().contains("| flavour |"));
    std::fs::remove_dir_all(&dir).unwrap();
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
    for row in ["| smol-current-thread | 1 |", "| thread-pool (std::net) | 100 |"] {
        assert!(stdout.contains(row), "{row}: {stdout}");
    }
    assert!(stdout.contains("| threads-per-request (std::net) | 100 |"), "{stdout}");
}

#[test]
fn injected_faults_are_counted_in_every_row_and_no_user_is_lost() {
    let stdout = compare_ok(&[
        "bounded",
        "--users=5000",
        "--concurrency=500",
        "--fail-rate=0.02",
        "--hang-rate=0.01",
        "--fetch-timeout=20ms",
        "--runs=1",
        "--flavours=smol-current-thread,tokio-current-thread",
    ]);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains(" | 5000 | ")).collect();
    assert_eq!(lines.len(), 2, "one summary line per row: {stdout}");
    // The seed picks the same fetches under every runtime: the same counts.
    let counts = |line: &str| line.split_once(" | 5000 | ").map(|(_, counts)| counts.to_owned());
    assert_eq!(counts(lines[0]), counts(lines[1]), "{stdout}");
    assert!(lines[0].contains(" failed, ") && lines[0].ends_with(" timed out) | 0 |"), "{stdout}");
    assert!(stdout.contains("the Python reference are not run"), "{stdout}");
}

#[test]
fn ctrl_c_stops_the_comparison_and_its_measuring_process() {
    use std::{
        io::{BufRead, BufReader},
        process::Stdio,
        time::{Duration, Instant},
    };
    let mut parent = Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(["fanout", "--users=10", "--latency=60s", "--flavours=smol-current-thread"])
        .args(["--runs=1", "--no-python"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("compare starts");
    // The header is said just before the first measuring process starts.
    let mut stdout = BufReader::new(parent.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("workload: fanout"), "{line}");
    let pid = parent.id();
    let children = format!("/proc/{pid}/task/{pid}/children");
    let give_up = Instant::now() + Duration::from_secs(10);
    let child = loop {
        let listed = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(child) = listed.split_whitespace().next() {
            break child.to_owned();
        }
        assert!(Instant::now() < give_up, "no measuring process started");
        std::thread::sleep(Duration::from_millis(10));
    };
    let sent = Command::new("kill").args(["-INT", &pid.to_string()]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -INT could not be sent");
    let give_up = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = parent.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > give_up {
            let _ = parent.kill();
            panic!("compare still running 10 s after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut parent.stderr.take().unwrap(), &mut rest);
    assert!(rest.contains("interrupted"), "{rest}");
    // Killed: gone, or a zombie where no init reaps orphans (some containers).
    let running = || {
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
        state.is_some_and(|state| state != 'Z')
    };
    let gone = Instant::now() + Duration::from_secs(10);
    while running() {
        assert!(Instant::now() < gone, "the measuring process {child} outlived compare");
        std::thread::sleep(Duration::from_millis(10));
    }
}
