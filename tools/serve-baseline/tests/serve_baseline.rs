//! `serve-baseline`, run as compare serve runs it: every native flavour and the
//! threads baseline answer the gateway's route as the gateway does and stop with
//! status 0 at SIGTERM; a flavour without a native baseline is a usage error.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use benches::Flavour;
use benches::gateway_wire::{Blocking, expected_body, request};
use chain_conformance::{exit_within, line_within, output_within};
use clap::ValueEnum;

const TIME_LIMIT: Duration = Duration::from_secs(60);
const BINARY: &str = env!("CARGO_BIN_EXE_serve-baseline");

/// Every baseline the binary serves, as its arguments.
fn baselines() -> Vec<Vec<String>> {
    let natives = Flavour::ALL.into_iter().filter(|f| f.has_native_server()).map(|flavour| {
        let name = flavour.to_possible_value().unwrap().get_name().to_owned();
        let mut args = vec!["native".to_owned(), "--flavour".to_owned(), name];
        args.extend(flavour.is_multi_thread().then(|| "--workers=2".to_owned()));
        args
    });
    natives.chain([vec!["threads".to_owned(), "--threads=2".to_owned()]]).collect()
}

#[test]
fn every_baseline_answers_the_articles_json_and_stops_at_sigterm() {
    for kind in baselines() {
        let mut server = Command::new(BINARY)
            .args(&kind)
            .args(["--port=0", "--latency=1ms"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (line, _stdout) =
            line_within(&mut server, |line| line.starts_with("gateway on http://"), TIME_LIMIT);
        let address = line["gateway on http://".len()..].split('/').next().unwrap();
        let mut client = Blocking::connect(address.parse().unwrap()).unwrap();
        for user in [1, 2, 3] {
            let expected = expected_body(user);
            assert_eq!(client.exchange(&request(user)).unwrap(), (200, &expected[..]), "{kind:?}");
        }
        let batch = b"GET /users/with-orders?ids=3,1 HTTP/1.1\r\nHost: x\r\n\r\n";
        let both = [b"[".as_slice(), &expected_body(3), b",", &expected_body(1), b"]"].concat();
        assert_eq!(client.exchange(batch).unwrap(), (200, &both[..]), "{kind:?}");
        let missing = b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(client.exchange(missing).unwrap().0, 404, "{kind:?}");
        let mut kill = Command::new("kill");
        kill.args(["-TERM", &server.id().to_string()]);
        assert!(output_within(&mut kill, TIME_LIMIT).status.success());
        let exited = exit_within(&mut server, TIME_LIMIT).expect("it stops at SIGTERM");
        assert_eq!(exited.code(), Some(0), "{kind:?}");
    }
}

#[test]
fn a_flavour_without_a_native_baseline_is_a_usage_error() {
    let args = ["native", "--flavour=futures-local-pool", "--port=0"];
    let output = output_within(Command::new(BINARY).args(args), TIME_LIMIT);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("tokio-multi-thread"), "names those that have one: {stderr}");
}

#[test]
fn options_it_would_ignore_or_cannot_take_are_usage_errors() {
    for args in [
        &["native", "--flavour=tokio-current-thread", "--workers=2"][..],
        &["native", "--flavour=tokio-multi-thread", "--workers=0"],
        &["native", "--flavour=tokio-multi-thread", "--workers=300"],
        &["threads", "--max-in-flight=0"],
    ] {
        let output = output_within(Command::new(BINARY).args(args).arg("--port=0"), TIME_LIMIT);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}
