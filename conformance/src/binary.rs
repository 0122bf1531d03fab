//! Checks of a runtime's binary, run as a user runs it: the default program, a
//! workload, and bad command lines. Every runtime crate runs them with
//! [`binary_tests!`](crate::binary_tests).

use std::{
    process::{Command, Output},
    time::Duration,
};

use super::output_within;

/// The longest any run here may take before it counts as hung: far above the few
/// seconds the longest one needs.
const TIME_LIMIT: Duration = Duration::from_secs(120);

fn run(binary: &str, args: &[&str]) -> (Output, String, String) {
    let output = output_within(Command::new(binary).args(args), TIME_LIMIT);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// With no arguments: hello world, the article's assertion, and the join's gain.
pub fn default_run_shows_the_articles_two_programs(binary: &str) {
    let (output, stdout, stderr) = run(binary, &[]);
    assert!(output.status.success(), "{stderr}");
    let hello = stdout.find("Hello ...").expect(&stdout);
    let world = stdout.find("... World!").expect(&stdout);
    assert!(hello < world);
    assert!(stdout.contains(
        "get_user_with_orders(1) = UserWithOrders(user=User(user_id=1, user_name='user-1'), orders=[1, 3, 10, 11])"
    ));
    assert!(
        stdout.contains("joined: 2 fetches of 100.00 ms each, at most 2 in flight"),
        "{stdout}"
    );
    assert!(stdout.contains("sequential: 2 fetches of 100.00 ms each, at most 1 in flight"));
    assert!(stdout.contains("the joined fetches took"), "{stdout}");
}

/// Every run says which runtime, version, flavour and machine produced it.
pub fn every_run_prints_runtime_version_and_machine(binary: &str) {
    let (output, stdout, _) = run(binary, &["chain", "--user", "2", "--latency", "0ms"]);
    assert!(output.status.success());
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("runtime: ") && first.contains(" worker"), "{first}");
    assert!(!first.contains("unknown"), "{first}");
    assert!(stdout.contains("machine: ") && stdout.contains(" cores"), "{stdout}");
    assert!(stdout.contains("orders=[23, 34]"), "{stdout}");
}

/// A fan-out reports every requested user: results, errors and lost add up.
pub fn fanout_summary_accounts_for_every_user(binary: &str) {
    for shape in ["join", "spawn"] {
        let args = [
            "bounded",
            "--users",
            "500",
            "--concurrency",
            "20",
            "--latency",
            "1ms",
            "--shape",
            shape,
        ];
        let (output, stdout, stderr) = run(binary, &args);
        assert!(output.status.success(), "{stderr}");
        assert!(stdout.contains("users requested 500: results 500, errors 0, lost 0"), "{stdout}");
        assert!(stdout.contains("at most 20 users in flight together"), "{stdout}");
    }
}

/// `--source http` without an address: the same programs against a record service
/// started in-process, every user accounted for, connections reused.
pub fn http_source_runs_against_an_in_process_service(binary: &str) {
    let (output, stdout, stderr) = run(binary, &["chain", "--source", "http", "--latency", "1ms"]);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("started in-process at 127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("orders=[1, 3, 10, 11]"), "{stdout}");
    let args = ["bounded", "--users", "500", "--concurrency", "20", "--source", "http"];
    let (output, stdout, stderr) = run(binary, &[&args[..], &["--connections", "10"]].concat());
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("users requested 500: results 500, errors 0, lost 0"), "{stdout}");
    let opened = stdout.lines().find_map(|l| l.trim().strip_prefix("connections opened: "));
    let opened: u64 = opened.and_then(|n| n.parse().ok()).expect(&stdout);
    assert!((1..=10).contains(&opened), "{stdout}");
}

/// A service that cannot be reached: an error naming the user and the cause, status 1.
pub fn unreachable_service_is_an_error_naming_the_user(binary: &str) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let address = closed.to_string();
    let (output, _, stderr) = run(binary, &["chain", "--source", "http", "--address", &address]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("(1) failed: cannot connect to"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A fan-out whose users fail for a reason nobody injected (nothing listens at the
/// address) is a failed run: its tally, then the first failure on stderr, status 1.
/// With faults injected as well, the failures they do not explain still fail it.
pub fn fan_out_failing_without_injected_faults_exits_1(binary: &str) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let address = closed.to_string();
    let http = ["--source", "http", "--address", &address];
    for workload in [
        &["fanout", "--users", "10"][..],
        &["bounded", "--users", "10", "--concurrency", "3", "--shape", "spawn"],
        &["fanout", "--users", "10", "--fail-rate", "0.5"],
    ] {
        let (output, stdout, stderr) = run(binary, &[workload, &http[..]].concat());
        assert_eq!(output.status.code(), Some(1), "{workload:?}: {stderr}");
        assert!(stderr.starts_with("error: fetch_"), "{workload:?}: {stderr}");
        assert!(stderr.contains("failed: cannot connect to"), "{workload:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{workload:?}: {stderr}");
        let (requested, results, errors, lost, line) = summary(&stdout);
        assert_eq!((requested, results, errors, lost), (10, 0, 10, 0), "{line}");
    }
}

/// `--work` with `--skew K` does the even run's total for users that are no multiple
/// of K, the users past the last multiple keeping their own; a skew above the users
/// is a usage error.
pub fn skewed_work_keeps_the_even_total_and_a_skew_above_the_users_exits_2(binary: &str) {
    for (skew, shape) in [("1", "join"), ("3", "join"), ("3", "spawn"), ("10", "join")] {
        let work = ["--work", "10", "--skew", skew, "--shape", shape];
        let (output, stdout, stderr) =
            run(binary, &[&["fanout", "--users", "10"], &work[..]].concat());
        assert!(output.status.success(), "--skew {skew}: {stderr}");
        // 10 users of 10 rounds each, however they are moved.
        let total = "CPU work: 100 rounds of hashing done of 100";
        assert!(stdout.contains(total), "--skew {skew}, {shape}: {stdout}");
    }
    let args = ["fanout", "--users", "10", "--work", "10", "--skew", "11"];
    let (output, _, stderr) = run(binary, &args);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains("--skew 11"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The summary line's counts: requested, results, errors (with their causes), lost.
fn summary(stdout: &str) -> (u64, u64, u64, u64, &str) {
    let line = stdout.lines().find_map(|l| l.trim().strip_prefix("users requested "));
    let line = line.unwrap_or_else(|| panic!("no summary line: {stdout}"));
    let number = |after: &str| -> u64 {
        let rest = if after.is_empty() { line } else { &line[line.find(after).expect(line)..] };
        let digits = rest.trim_start_matches(|c: char| !c.is_ascii_digit());
        digits.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().expect(line)
    };
    (number(""), number("results "), number("errors "), number("lost "), line)
}

/// Injected failures and hangs, with a time limit on each fetch: every user is a
/// result or an error by cause, the counts add up, none is lost; likewise when every
/// fetch fails.
pub fn injected_faults_are_counted_and_no_user_is_lost(binary: &str) {
    let faults = ["--fail-rate", "0.01", "--hang-rate", "0.01", "--fetch-timeout", "20ms"];
    for workload in [
        &["fanout", "--users", "20000"][..],
        &["bounded", "--users", "20000", "--concurrency", "500", "--shape", "spawn"],
    ] {
        let (output, stdout, stderr) = run(binary, &[workload, &faults[..]].concat());
        assert!(output.status.success(), "{stderr}");
        let (requested, results, errors, lost, line) = summary(&stdout);
        assert_eq!((requested, lost), (20_000, 0), "{line}");
        assert_eq!(results + errors, requested, "{line}");
        assert!(line.contains(" failed") && line.contains(" timed out"), "{line}");
        assert!((400..1200).contains(&errors), "about 2 % of users fault: {line}");
    }
    let (output, stdout, stderr) = run(binary, &["fanout", "--users", "300", "--fail-rate", "1"]);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("users requested 300: results 0, errors 300 (300 failed), lost 0"),
        "{stdout}"
    );
}

/// Ctrl-C (SIGINT) during a long fan-out ends the program at once with status 130:
/// no hang.
pub fn interrupt_ends_a_long_run_promptly(binary: &str) {
    signal_ends_a_long_run(binary, "INT", 130);
}

/// SIGTERM during a long fan-out ends the program at once with status 143.
pub fn terminate_ends_a_long_run_promptly_with_status_143(binary: &str) {
    signal_ends_a_long_run(binary, "TERM", 143);
}

/// Sends `signal` (`kill -<signal>`) during a 60 s fan-out and expects `status`
/// within 10 s.
fn signal_ends_a_long_run(binary: &str, signal: &str, status: i32) {
    use std::{process::Stdio, time::Duration};
    let mut child = Command::new(binary)
        .args(["fanout", "--users", "1000", "--latency", "60s"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // The header is printed just before the fan-out starts.
    // The reader stays open until the end: a closed stdout would end the program
    // quietly on its next line, and that is not what is tested.
    let (first, stdout) = super::line_within(&mut child, |_| true, TIME_LIMIT);
    assert!(first.starts_with("runtime: "), "{first}");
    let mut kill = Command::new("kill");
    kill.args([&format!("-{signal}"), &child.id().to_string()]);
    assert!(output_within(&mut kill, TIME_LIMIT).status.success(), "kill -{signal} failed");
    let exited = super::exit_within(&mut child, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("still running 10 s after SIG{signal}"));
    assert_eq!(exited.code(), Some(status), "SIG{signal}: {exited}");
    drop(stdout);
}

/// A reader that goes away early (`| head -3`) ends the program quietly, status 0:
/// the default program writes `... World!` a second after `Hello ...`.
pub fn closed_stdout_ends_the_run_quietly(binary: &str) {
    use std::process::Stdio;
    let mut child = Command::new(binary)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Read up to `Hello ...`, then drop the reader: `... World!` meets a closed pipe.
    let (_, stdout) = super::line_within(&mut child, |line| line == "Hello ...", TIME_LIMIT);
    drop(stdout);
    let status = super::exit_within(&mut child, TIME_LIMIT)
        .unwrap_or_else(|| panic!("still running {TIME_LIMIT:?} after its reader went away"));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// A run of more than a second whose output is piped carries no progress display:
/// no carriage return or escape sequence on stdout or stderr, nothing on stderr.
pub fn piped_output_carries_no_progress(binary: &str) {
    let (output, stdout, stderr) =
        run(binary, &["fanout", "--users", "100", "--latency", "1500ms"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr, "");
    assert!(!stdout.contains(['\r', '\x1b']), "{stdout:?}");
}

/// On a terminal (a pseudo-terminal from util-linux's `script`, which the test
/// needs and fails without), a run of more than a second shows a bar of the fetches
/// done.
pub fn a_terminal_shows_progress_during_a_long_run(binary: &str) {
    let command = format!("'{binary}' fanout --users 100 --latency 2500ms");
    let path = std::env::var_os("PATH").unwrap_or_default();
    assert!(
        std::env::split_paths(&path).any(|folder| folder.join("script").is_file()),
        "this test needs util-linux's `script` for a pseudo-terminal (Debian: bsdutils)"
    );
    let output =
        output_within(Command::new("script").args(["-qec", &command, "/dev/null"]), TIME_LIMIT);
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("/200 fetches done"), "{shown:?}");
    assert!(shown.contains("users requested 100: results 100"), "{shown:?}");
}

/// Bad command lines: a one-line reason, status 2, no panic.
pub fn bad_arguments_exit_2_with_a_one_line_message(binary: &str) {
    for args in [
        &["gather"][..],
        &["fanout", "--users", "0"],
        &["fanout", "--users", "-3"],
        &["fanout", "--users", "100000000000"],
        &["fanout", "--users", "10", "--latency", "fast"],
        &["bounded", "--users", "10", "--concurrency", "0"],
        &["--workers", "0"],
        &["--flavour", "current-thread", "--workers", "3"],
        &["--flavour", "sideways"],
        &["fanout", "--users", "10", "--latency", "-1ms"],
        &["chain", "--source", "carrier-pigeon"],
        &["chain", "--source", "http", "--address", "nowhere"],
        &["chain", "--source", "http", "--address", "127.0.0.1:99999"],
        &["chain", "--source", "http", "--connections", "0"],
        &["chain", "--source", "http", "--fetch-timeout", "0s"],
        &["chain", "--address", "127.0.0.1:8080"],
        &["chain", "--source", "http", "--address", "127.0.0.1:8080", "--latency", "1ms"],
        &["fanout", "--users", "10", "--fail-rate", "1.5"],
        &["fanout", "--users", "10", "--hang-rate", "-0.1"],
        &["fanout", "--users", "10", "--fail-rate", "0.6", "--hang-rate", "0.6"],
        &["fanout", "--users", "10", "--jitter", "soon"],
        &["fanout", "--users", "10", "--seed", "-1"],
        &["fanout", "--users", "10", "--slow-rate", "0.1"],
        &["fanout", "--users", "10", "--slow", "5ms"],
        &["fanout", "--users", "10", "--hedge-after", "0s"],
        &["bounded", "--users", "10", "--concurrency", "2", "--hedge-after", "61s"],
        &["chain", "--hedge-after", "soon"],
        &["serve", "--hedge-after", "-1ms"],
        &["fanout", "--users", "10", "--slow-rate", "1.5", "--slow", "5ms"],
        &["fanout", "--users", "10", "--latency", "5ms", "--slow-rate", "0.1", "--slow", "5ms"],
        &[
            "chain",
            "--source",
            "http",
            "--address",
            "127.0.0.1:8080",
            "--slow-rate",
            "0.1",
            "--slow",
            "5ms",
        ],
        // Options the command would ignore.
        &["chain", "--connections", "5"],
        &["fanout", "--users", "10", "--fetch-timeout", "20ms"],
        &["bounded", "--users", "10", "--concurrency", "2", "--seed", "7"],
    ] {
        let (output, _, stderr) = run(binary, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `--driver`: epoll runs under every runtime and its header says so; io_uring runs
/// where the runtime offers it (its header says io_uring, or why it fell back to
/// epoll), and is refused with status 2 and one line where it does not; a driver
/// that no runtime has is a usage error too.
pub fn each_driver_runs_where_offered_and_is_refused_elsewhere(binary: &str) {
    let args = |driver| ["--driver", driver, "chain", "--user", "2", "--latency", "0ms"];
    let (output, stdout, stderr) = run(binary, &args("epoll"));
    assert!(output.status.success(), "{stderr}");
    let header = stdout.lines().next().unwrap_or_default().to_owned();
    assert!(header.contains("I/O: epoll") && !header.contains("io_uring"), "{header}");
    let (output, stdout, stderr) = run(binary, &args("io_uring"));
    let header = stdout.lines().next().unwrap_or_default();
    match output.status.code() {
        Some(0) => assert!(
            header.ends_with("I/O: io_uring") || header.contains("io_uring unavailable: "),
            "{header}"
        ),
        Some(2) => {
            assert!(
                stderr.starts_with("error: this runtime has no io_uring driver; it offers: epoll")
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
        }
        other => panic!("io_uring: status {other:?}: {stderr}"),
    }
    let (output, _, stderr) = run(binary, &args("kqueue"));
    assert_eq!((output.status.code(), stderr.lines().count()), (Some(2), 1), "{stderr}");
}

/// Limits the binary cannot meet, refused before anything starts: more connections
/// than `ulimit -n` allows, a fan-out larger than `ulimit -v` leaves room for.
pub fn limits_the_process_cannot_meet_exit_2_with_a_one_line_message(binary: &str) {
    for (ulimit, args) in [
        ("-n 256", &["fanout", "--users", "1000", "--source", "http", "--connections", "200"][..]),
        ("-v 400000", &["fanout", "--users", "1000000"]),
    ] {
        let ulimited = format!("ulimit {ulimit} && exec \"$0\" \"$@\"");
        let output = output_within(
            Command::new("sh").args(["-c", &ulimited, binary]).args(args),
            TIME_LIMIT,
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "ulimit {ulimit}, {args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains("ulimit"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// Expands to a `#[test]` per check of this module (every `pub fn` here, as the
/// build script lists them) for the binary at `path`
/// (`env!("CARGO_BIN_EXE_<name>")`).
#[macro_export]
macro_rules! binary_tests {
    ($path:expr) => {
        $crate::__with_every_binary_check! { __binary_cases! { $path; } }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __binary_cases {
    ($path:expr; binary: [$($case:ident),+ $(,)?]; serve_binary: [$($serve:ident),+ $(,)?]) => {
        $(
            #[test]
            fn $case() {
                $crate::binary::$case($path);
            }
        )+
        $(
            #[test]
            fn $serve() {
                $crate::serve_binary::$serve($path);
            }
        )+
    };
}
