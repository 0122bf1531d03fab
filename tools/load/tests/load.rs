//! The load generator run as a user runs it, against the gateway and against servers
//! that misbehave: it counts what it was asked to send, checks every answer, and
//! charges a server for answers it never gave.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpListener},
    process::{Command, Output},
    thread,
    time::Duration,
};

use chain_conformance::output_within;
use chain_contract::{Launch, Runtime};
use chain_core::InMemorySource;
use chain_http::gateway::{Gateway, GatewayConfig};
use runtime_smol::SmolRuntime;

const TIME_LIMIT: Duration = Duration::from_secs(120);

fn load(address: SocketAddr, args: &[&str]) -> (Output, serde_json::Value) {
    let address = address.to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_load"));
    command.args(["--address", &address, "--json"]).args(args);
    let output = output_within(&mut command, TIME_LIMIT);
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("not a JSON report ({e}): {}", String::from_utf8_lossy(&output.stderr))
    });
    (output, report)
}

/// The gateway on smol's current-thread flavour, on a thread of its own, for as long
/// as the process lives.
fn gateway() -> SocketAddr {
    slow_gateway(Duration::ZERO)
}

/// The gateway, each of its fetches taking `latency`.
fn slow_gateway(latency: Duration) -> SocketAddr {
    let rt = SmolRuntime::current_thread();
    let source = InMemorySource::new(rt.timer()).with_latency(latency);
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let gateway = Gateway::bind(any, rt.shards(), source, GatewayConfig::default()).unwrap();
    let address = gateway.address();
    thread::spawn(move || rt.block_on(gateway.serve(rt.clone(), futures::future::pending())));
    address
}

/// A server that answers every request on every connection with `answer`, or
/// (`None`) reads requests and never answers.
fn scripted(answer: Option<&'static [u8]>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut buffer = [0; 4096];
                while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {
                    if let Some(answer) = answer {
                        let _ = stream.write_all(answer);
                    }
                }
            });
        }
    });
    address
}

#[test]
fn open_loop_sends_exactly_the_requests_due_in_the_window_and_checks_each_answer() {
    let args = ["--rate", "200", "--connections", "4", "--warmup", "100ms", "--duration", "500ms"];
    let (output, report) = load(gateway(), &args);
    assert!(output.status.success(), "{report}");
    // Due at n / 200 s for n = 0, 1, ...: n from 20 to 119 fall in [0.1 s, 0.6 s).
    assert_eq!(report["sent"], 100, "{report}");
    assert_eq!(report["answered"], 100, "{report}");
    assert_eq!(report["statuses"]["200"], 100, "{report}");
    assert_eq!(report["wrong_answers"], 0, "{report}");
    assert_eq!(report["pace"], "open");
}

#[test]
fn a_batch_asks_the_batch_route_for_n_users_and_checks_every_one_s_answer() {
    let args = ["--rate", "200", "--connections", "4", "--warmup", "0s", "--duration", "200ms"];
    let batched = [&args[..], &["--batch", "7", "--users", "5"]].concat();
    let (output, report) = load(gateway(), &batched);
    assert!(output.status.success(), "{report}");
    assert_eq!((report["statuses"]["200"].as_u64(), report["batch"].as_u64()), (Some(40), Some(7)));
    assert_eq!(report["wrong_answers"], 0, "{report}");
    // The one-user route's answer is not a batch's: every answer is wrong.
    let one_user: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 64\r\n\r\n{\"user\":{\"user_id\":1,\"user_name\":\"user-1\"},\"orders\":[1,3,10,11]}";
    let (output, report) = load(scripted(Some(one_user)), &[&args[..], &["--batch", "2"]].concat());
    assert_eq!((output.status.code(), report["wrong_answers"].as_u64()), (Some(1), Some(40)));
}

#[test]
fn over_counts_the_share_of_requests_at_least_that_slow_and_the_cdf_ends_at_the_max() {
    let args = ["--rate", "100", "--connections", "4", "--warmup", "0s", "--duration", "200ms"];
    let slow = slow_gateway(Duration::from_millis(20));
    let (output, report) = load(slow, &[&args[..], &["--over", "20ms"]].concat());
    assert!(output.status.success(), "{report}");
    assert_eq!(report["over"], serde_json::json!({"threshold_us": 20_000, "share": 1.0}));
    let (_, report) = load(slow, &[&args[..], &["--over", "10s"]].concat());
    assert_eq!(report["over"]["share"], 0.0, "{report}");
    let cdf = report["latency_cdf_us"].as_array().unwrap();
    let last = cdf.last().unwrap();
    assert_eq!(
        (last[0].as_f64(), last[1].as_u64()),
        (Some(1.0), report["latency_us"]["max"].as_u64())
    );
    let latencies: Vec<u64> = cdf.iter().map(|point| point[1].as_u64().unwrap()).collect();
    assert!(
        latencies.windows(2).all(|pair| pair[0] <= pair[1]),
        "a CDF never falls: {latencies:?}"
    );
    assert!(latencies[0] >= 20_000, "no request answered before its fetches: {latencies:?}");
}

#[test]
fn a_wrong_answer_fails_the_run() {
    let wrong: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
    let args = ["--rate", "100", "--connections", "2", "--warmup", "0s", "--duration", "200ms"];
    let (output, report) = load(scripted(Some(wrong)), &args);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert_eq!(report["wrong_answers"], 20, "{report}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("20 answers were not the article's data"), "{stderr}");
}

#[test]
fn a_run_where_no_answer_was_valid_fails() {
    let not_found: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found";
    let args = ["--rate", "100", "--connections", "2", "--warmup", "0s", "--duration", "200ms"];
    let (output, report) = load(scripted(Some(not_found)), &args);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert_eq!(report["statuses"]["404"], 20, "{report}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error:")).collect();
    assert_eq!(
        errors,
        [
            "error: no valid answer measured: none of the 20 answers in the window was a 200 (20 × 404)"
        ],
        "{stderr}"
    );
}

#[test]
fn a_server_that_never_answers_is_charged_for_every_request_due() {
    let args = [
        "--rate",
        "100",
        "--connections",
        "2",
        "--warmup",
        "0s",
        "--duration",
        "200ms",
        "--drain",
        "100ms",
    ];
    let (output, report) = load(scripted(None), &args);
    assert_eq!(output.status.code(), Some(1), "{report}");
    // Each connection's first request hangs, and the 9 due after it on the same
    // connection never leave: all 20 are charged up to the drain's end, at least
    // the window after they fell due.
    let counted = ["sent", "unanswered", "unsent"].map(|field| report[field].as_u64());
    assert_eq!(counted, [Some(2), Some(2), Some(18)], "{report}");
    assert!(report["latency_us"]["p50"].as_u64().unwrap() >= 100_000, "{report}");
    assert!(report["latency_us"]["max"].as_u64().unwrap() >= 200_000, "{report}");
}

#[test]
fn throughput_counts_only_the_answers_that_arrive_within_the_window() {
    // Two connections to a gateway whose answers take 50 ms: about 40 a second,
    // offered 200 a second. The drain brings the other answers, after the window.
    let args = [
        "--rate",
        "200",
        "--connections",
        "2",
        "--warmup",
        "0s",
        "--duration",
        "500ms",
        "--drain",
        "30s",
    ];
    let (output, report) = load(slow_gateway(Duration::from_millis(50)), &args);
    assert!(output.status.success(), "{report}");
    assert_eq!(report["answered"], 100, "{report}");
    let achieved = report["achieved_rate"].as_f64().unwrap();
    assert!((4.0..=50.0).contains(&achieved), "{report}");
}

#[test]
fn an_address_with_nothing_listening_fails_at_once() {
    let unused = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let args = ["--address", &unused, "--rate", "100", "--duration", "10m"];
    let output = output_within(Command::new(env!("CARGO_BIN_EXE_load")).args(args), TIME_LIMIT);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with(&format!("error: cannot connect to {unused}")), "{stderr}");
}

#[test]
fn more_connections_than_ulimit_allows_are_refused() {
    let script = format!("ulimit -n 256 && exec {} \"$@\"", env!("CARGO_BIN_EXE_load"));
    let args = ["--address", "127.0.0.1:9", "--closed", "--connections", "1000"];
    let output =
        output_within(Command::new("sh").args(["-c", &script, "load"]).args(args), TIME_LIMIT);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--connections 1000 needs about 1064 file descriptors"), "{stderr}");
}

#[test]
fn bad_options_are_usage_errors() {
    let address = "127.0.0.1:9";
    for args in [
        &["--rate", "0"][..],
        &["--rate", "5", "--closed"],
        &[],
        &["--closed", "--connections", "0"],
        &["--closed", "--duration", "1ms"],
        &["--closed", "--connections", "2", "--threads", "3"],
        &["--closed", "--batch", "0"],
        &["--closed", "--batch", "1001"],
        &["--closed", "--over", "0s"],
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_load"));
        let output = output_within(command.args(["--address", address]).args(args), TIME_LIMIT);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        // Refused for what was wrong, before anything is tried on the address.
        let option = args.iter().rev().find(|a| a.starts_with("--") && **a != "--closed");
        assert!(option.is_none_or(|o| stderr.contains(o)), "{args:?}: {stderr}");
    }
}
