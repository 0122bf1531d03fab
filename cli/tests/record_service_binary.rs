//! The `record-service` binary, run as a user runs it: signals and a closed stdout.

use chain_conformance::{exit_within, line_within, output_within};
use std::{
    io::{BufReader, Read},
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

const BINARY: &str = env!("CARGO_BIN_EXE_record-service");

/// The service started, its first line read (so its handlers are installed).
fn started() -> (Child, BufReader<std::process::ChildStdout>) {
    started_with(&[]).0
}

/// The service started with `args`, its first line read, and its address.
fn started_with(args: &[&str]) -> ((Child, BufReader<std::process::ChildStdout>), String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let (first, stdout) = line_within(&mut child, |_| true, TIME_LIMIT);
    let address = first.strip_prefix("record service on http://").and_then(|r| r.split(',').next());
    let address = address.unwrap_or_else(|| panic!("{first}")).to_owned();
    ((child, stdout), address)
}

/// How long any command here may run before it counts as hung and fails its test.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Its exit status, waiting at most [`TIME_LIMIT`] (then it is killed and the test
/// fails).
fn exit_status(child: &mut Child) -> ExitStatus {
    exit_within(child, TIME_LIMIT)
        .unwrap_or_else(|| panic!("still running {TIME_LIMIT:?} after it should have ended"))
}

fn signal_ends_the_service(signal: &str, status: i32) {
    let (mut child, stdout) = started();
    let mut kill = Command::new("kill");
    kill.args([&format!("-{signal}"), &child.id().to_string()]);
    assert!(output_within(&mut kill, TIME_LIMIT).status.success(), "kill -{signal} failed");
    assert_eq!(exit_status(&mut child).code(), Some(status), "SIG{signal}");
    drop(stdout);
}

#[test]
fn interrupt_ends_the_service_with_status_130() {
    signal_ends_the_service("INT", 130);
}

#[test]
fn terminate_ends_the_service_with_status_143() {
    signal_ends_the_service("TERM", 143);
}

/// Its last line says how many answers it sent, and how many of them were slow:
/// exactly those its tail's seed picks.
#[test]
fn the_service_says_at_exit_how_many_of_its_answers_were_slow() {
    use chain_core::Operation;
    use std::io::Write;
    let ((mut child, mut stdout), address) =
        started_with(&["--slow-rate", "0.5", "--slow", "1ms", "--seed", "3"]);
    let get = |path: &str| {
        let mut stream = std::net::TcpStream::connect(&address).expect("the service listens");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{path}: {answer}");
    };
    let tail = chain_lab::Tail::new(0.5, Duration::from_millis(1), 3).unwrap();
    let mut slow = 0;
    for id in 1..=20 {
        get(&format!("/users/{id}"));
        get(&format!("/users/{id}/orders"));
        slow += [Operation::FetchUser, Operation::FetchOrders]
            .into_iter()
            .filter(|&op| tail.is_slow(id, op, 0))
            .count();
    }
    assert!((5..35).contains(&slow), "the seed slows some, not all: {slow}");
    let mut kill = Command::new("kill");
    kill.args(["-INT", &child.id().to_string()]);
    assert!(output_within(&mut kill, TIME_LIMIT).status.success(), "kill -INT failed");
    assert_eq!(exit_status(&mut child).code(), Some(130));
    let mut said = String::new();
    stdout.read_to_string(&mut said).unwrap();
    let last = said.lines().last().unwrap_or_default();
    assert!(last.ends_with(&format!(": 40 answers, {slow} of them slow")), "{said}");
}

/// A stdout whose reader has already gone (`| true`): the banner meets a closed pipe
/// and the service ends quietly with status 0 instead of panicking.
#[test]
fn closed_stdout_ends_the_service_quietly() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors pipe(2) returns.
    assert_eq!(unsafe { libc::pipe(ends.as_mut_ptr()) }, 0, "pipe(2) failed");
    // SAFETY: each descriptor was just opened by pipe(2) and is owned only here.
    let (reader, writer) =
        unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) };
    drop(reader);
    let mut child = Command::new(BINARY)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let status = exit_status(&mut child);
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// Fault options without a fault rate would be ignored: one line, status 2.
#[test]
fn fault_options_without_a_fault_rate_are_a_one_line_usage_error() {
    for args in [&["--seed", "3"][..], &["--faults", "drop,close"]] {
        let output = output_within(Command::new(BINARY).args(args), TIME_LIMIT);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains("--fault-rate"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

/// `--listen` puts the service where it says, beyond 127.0.0.1 too (0.0.0.0 answers
/// on 127.0.0.2, which a listener on 127.0.0.1 does not); with a `--port` naming
/// another address, one line and status 2.
#[test]
fn listen_puts_the_service_on_the_address_given() {
    let mut child = Command::new(BINARY)
        .args(["--listen", "0.0.0.0:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let (first, stdout) = line_within(&mut child, |_| true, TIME_LIMIT);
    let port = first
        .strip_prefix("record service on http://0.0.0.0:")
        .and_then(|rest| rest.split(',').next().and_then(|port| port.parse::<u16>().ok()));
    let reached = port.map(|port| std::net::TcpStream::connect(("127.0.0.2", port)));
    let _ = child.kill();
    let _ = child.wait();
    drop(stdout);
    assert!(port.is_some(), "not on 0.0.0.0: {first}");
    assert!(matches!(reached, Some(Ok(_))), "{first}: {reached:?}");
    let output = output_within(
        Command::new(BINARY).args(["--listen", "0.0.0.0:9000", "--port", "9000"]),
        TIME_LIMIT,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("name two addresses"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
