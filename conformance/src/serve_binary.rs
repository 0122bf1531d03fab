//! Checks of a runtime binary's `serve`, run as a user runs it, with `curl` as the
//! client (a client nobody here wrote): answers, a graceful stop at SIGTERM, and
//! command lines it refuses. [`binary_tests!`](crate::binary_tests) runs them beside
//! the [`binary`](crate::binary) checks.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Command, Stdio},
    time::Duration,
};

use super::{exit_within, line_within, output_within};
use crate::plain_http::MALFORMED_HEAD;

/// The longest any step here may take before it counts as hung.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// `curl` with `args`: its stdout. Fails, saying how to get it, where curl is missing.
fn curl(args: &[&str]) -> String {
    let found = Command::new("curl").arg("--version").stdout(Stdio::null()).status();
    assert!(found.is_ok(), "curl is not on the PATH: install it (`.ci/install` does)");
    let mut command = Command::new("curl");
    command.args(["--silent", "--show-error", "--max-time", "30"]).args(args);
    let output = output_within(&mut command, TIME_LIMIT);
    assert!(output.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the server at `root` (`http://host:port`) answers to a head with a header
/// line that has no colon, read until it closes the connection.
fn malformed_answer(root: &str) -> String {
    let address = root.strip_prefix("http://").unwrap_or(root);
    let mut stream = TcpStream::connect(address).expect("the gateway accepts");
    stream.set_read_timeout(Some(TIME_LIMIT)).unwrap();
    stream.write_all(MALFORMED_HEAD).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the gateway answers and closes");
    answer
}

/// `serve --port 0` answers curl with the article's JSON, for one user and for a
/// batch, a 404 for another path, and a request that is not HTTP with a 400;
/// SIGTERM then stops it with status 0, saying what it answered and, hedged, what
/// the hedge sent, and writing both, with the fetches' latencies, to its --report.
pub fn serve_answers_curl_and_stops_at_sigterm(binary: &str) {
    let report = scratch_file("report.json");
    let mut server = Command::new(binary)
        .args(["serve", "--port", "0", "--latency", "1ms", "--hedge-after", "10s", "--report"])
        .arg(&report)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (listening, mut stdout) =
        line_within(&mut server, |line| line.starts_with("gateway on http://"), TIME_LIMIT);
    let root = listening
        .strip_prefix("gateway on ")
        .and_then(|rest| rest.split("/users/").next())
        .unwrap_or_else(|| panic!("no address in {listening:?}"));
    let chained = curl(&["--include", &format!("{root}/users/1/with-orders")]);
    assert!(chained.starts_with("HTTP/1.1 200 OK"), "{chained}");
    assert!(
        chained.ends_with(r#"{"user":{"user_id":1,"user_name":"user-1"},"orders":[1,3,10,11]}"#),
        "{chained}"
    );
    let batch = curl(&[&format!("{root}/users/with-orders?ids=3,2")]);
    let users_3_and_2 = r#"[{"user":{"user_id":3,"user_name":"user-3"},"orders":[]},{"user":{"user_id":2,"user_name":"user-2"},"orders":[23,34]}]"#;
    assert_eq!(batch, users_3_and_2);
    let missing =
        curl(&["--output", "/dev/null", "--write-out", "%{http_code}", &format!("{root}/x")]);
    assert_eq!(missing, "404");
    assert!(malformed_answer(root).starts_with("HTTP/1.1 400"), "a request that is not HTTP");
    let mut kill = Command::new("kill");
    kill.args(["-TERM", &server.id().to_string()]);
    assert!(output_within(&mut kill, TIME_LIMIT).status.success(), "kill -TERM failed");
    let exited = exit_within(&mut server, TIME_LIMIT).expect("it stops after SIGTERM");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(exited.code(), Some(0), "{rest}");
    assert!(rest.contains("SIGTERM: no new connections"), "{rest}");
    let tally = "stopped: 4 connections served, answers: 2 × 200, 1 × 404; 1 malformed request";
    assert!(rest.contains(tally), "{rest}");
    // Every fetch answers at once, long before the hedge's delay.
    let budget = "hedged after 10.000 s: 6 fetches sent for 6 needed (0 extra)";
    assert!(rest.contains(budget), "{rest}");
    assert!(rest.contains("  fetches: p50 "), "{rest}");
    let written = std::fs::read_to_string(&report).expect("serve wrote its report");
    let _ = std::fs::remove_file(&report);
    assert!(written.starts_with(r#"{"fetches":{"count":6,"p50_s":"#), "{written}");
    let p50: Option<f64> =
        written.split(r#""p50_s":"#).nth(1).and_then(|rest| rest.split(',').next()?.parse().ok());
    assert!(p50.is_some_and(|p50| p50 >= 0.001), "each fetch waits its 1 ms: {written}");
    assert!(written.contains(r#""hedge":{"needed":6,"sent":6,"extra_won":0,"#), "{written}");
}

/// A path of its own in the temporary folder, for this process and this call.
fn scratch_file(name: &str) -> std::path::PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("serve-{}-{call}-{name}", std::process::id()))
}

/// A --report it could not write fails the start, with one line naming the file,
/// status 1, before the gateway listens, rather than at the stop, after the run.
pub fn serve_with_a_report_it_cannot_write_fails_before_listening(binary: &str) {
    let report = "/nonexistent-folder/report.json";
    let mut serve = Command::new(binary);
    serve.args(["serve", "--port", "0", "--report", report]);
    let output = output_within(&mut serve, TIME_LIMIT);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let says = format!("error: cannot write the report to {report}: ");
    assert!(stderr.starts_with(&says), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("gateway on"), "it listened");
}

/// Options `serve` would ignore, and values out of range, are usage errors (status
/// 2, one line), before anything listens.
pub fn serve_refuses_options_it_would_ignore(binary: &str) {
    for (args, says) in [
        (&["--connections", "5"][..], "--connections limits the connections"),
        (&["--seed", "3"], "--seed picks which fetches are faulted"),
        (&["--address", "127.0.0.1:1"], "--address names a record service"),
        (&["--port", "65536"], "--port"),
        (&["--max-in-flight", "0"], "--max-in-flight"),
        (&["--listen", "0.0.0.0:8080", "--port", "8080"], "name two addresses"),
        (&["--listen", "8080"], "--listen"),
    ] {
        let output = output_within(Command::new(binary).arg("serve").args(args), TIME_LIMIT);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

/// A port already taken fails the start with one line naming it, status 1.
pub fn serve_on_a_taken_port_fails_naming_it(binary: &str) {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = output_within(Command::new(binary).args(["serve", "--port", &port]), TIME_LIMIT);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with(&format!("error: cannot listen on 127.0.0.1:{port}: ")), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A port that another server already listens on is refused (status 1, one line
/// saying the address is in use) even where both have a listener per thread
/// sharing their port (`--workers 2`, thread-per-core where the runtime has it),
/// rather than shared with it; the first server goes on answering.
pub fn serve_on_a_port_another_server_holds_fails_naming_it(binary: &str) {
    let mut first = Command::new(binary)
        .args(["--workers", "2", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (listening, stdout) =
        line_within(&mut first, |line| line.starts_with("gateway on http://"), TIME_LIMIT);
    let root = listening.strip_prefix("gateway on ").and_then(|rest| rest.split("/users/").next());
    let root = root.unwrap_or_else(|| panic!("no address in {listening:?}"));
    let port = root.rsplit(':').next().expect("a port").to_owned();
    let mut second = Command::new(binary)
        .args(["--workers", "2", "serve", "--port", &port])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // A second server that shares the port serves on: killed once the limit passes.
    let exited = exit_within(&mut second, TIME_LIMIT);
    let answered = curl(&["--output", "/dev/null", "--write-out", "%{http_code}", root]);
    let _ = first.kill();
    let _ = first.wait();
    drop(stdout);
    let mut stderr = String::new();
    second.stderr.take().expect("piped").read_to_string(&mut stderr).unwrap();
    let exited = exited.unwrap_or_else(|| panic!("a second server served port {port}: {stderr}"));
    assert_eq!(exited.code(), Some(1), "{stderr}");
    let refused = format!("error: cannot listen on 127.0.0.1:{port}: ");
    assert!(stderr.starts_with(&refused) && stderr.contains("in use"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(answered, "404", "the first server answers on");
}

/// `serve --listen 0.0.0.0:0` listens on every address of the machine, so that a
/// client elsewhere can reach it: it answers on 127.0.0.2, where a listener on
/// 127.0.0.1 (the default) would refuse the connection.
pub fn serve_listens_beyond_the_loopback_address_when_told(binary: &str) {
    let mut server = Command::new(binary)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (listening, stdout) =
        line_within(&mut server, |line| line.starts_with("gateway on http://"), TIME_LIMIT);
    let port = listening
        .strip_prefix("gateway on http://0.0.0.0:")
        .and_then(|rest| rest.split('/').next());
    let elsewhere = port.map(|port| format!("http://127.0.0.2:{port}/users/1/with-orders"));
    let answer = elsewhere.as_ref().map(|url| {
        let mut command = Command::new("curl");
        command.args(["--silent", "--show-error", "--max-time", "30", url]);
        output_within(&mut command, TIME_LIMIT)
    });
    let _ = server.kill();
    let _ = server.wait();
    drop(stdout);
    let answer = answer.unwrap_or_else(|| panic!("not listening on 0.0.0.0: {listening}"));
    let body = String::from_utf8_lossy(&answer.stdout);
    assert!(answer.status.success(), "{elsewhere:?}: {}", String::from_utf8_lossy(&answer.stderr));
    assert!(body.contains(r#""orders":[1,3,10,11]"#), "{body}");
}
