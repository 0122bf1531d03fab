//! The compare tool, run as a user runs it.

use std::process::{Command, Output};

fn compare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compare")).args(args).output().expect("compare starts")
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
    ] {
        let output = compare(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_run_writes_one_checked_record_per_flavour_with_versions_and_machine() {
    let dir = std::env::temp_dir().join(format!("compare-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, svg, markdown) = (dir.join("r.json"), dir.join("r.svg"), dir.join("r.md"));
    let output = compare(&[
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
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
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
    let output = compare(&[
        "fanout",
        "--users=50",
        "--source=http",
        "--runs=1",
        "--flavours=smol-current-thread",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("source=http"), "{stdout}");
    for row in ["| smol-current-thread | 1 |", "| thread-pool (std::net) | 100 |"] {
        assert!(stdout.contains(row), "{row}: {stdout}");
    }
    assert!(stdout.contains("| threads-per-request (std::net) | 100 |"), "{stdout}");
}
