//! The `runtime-async-std` binary, run as a user runs it.

use chain_conformance::output_within;

chain_conformance::binary_tests!(env!("CARGO_BIN_EXE_runtime-async-std"));

/// `ASYNC_STD_THREAD_COUNT` that is not a worker count, or that disagrees with the
/// workers asked for: one line naming it, status 2, before anything starts.
#[test]
fn a_bad_thread_count_variable_is_a_one_line_usage_error() {
    for (value, says) in [
        ("abc", "is not a worker count"),
        ("0", "is not a worker count"),
        ("3", "disagrees with the 2 workers"),
    ] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_runtime-async-std"));
        command.args(["--workers", "2", "chain", "--latency", "0ms"]);
        let limit = std::time::Duration::from_secs(60);
        let output = output_within(command.env("ASYNC_STD_THREAD_COUNT", value), limit);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(says), "{value}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{value}: {stderr}");
        assert!(output.stdout.is_empty(), "{value}: nothing ran");
    }
}
