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
    let mut child = Command::new(BINARY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let (first, stdout) = line_within(&mut child, |_| true, TIME_LIMIT);
    assert!(first.starts_with("record service on http://"), "{first}");
    (child, stdout)
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
