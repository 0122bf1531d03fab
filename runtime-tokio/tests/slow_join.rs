//! A fan-out joined in one task that tokio's per-task budget would drag on for
//! minutes is refused before anything starts, naming the remedy; the shapes and
//! sizes it does not slow down are not.

use chain_cli::{Cli, check, one_line};
use clap::CommandFactory;
use runtime_tokio::TokioRuntime;

/// The one-line refusal of `args`, if refused for its joined fan-out's slowness.
fn refused_as_slow(args: &[&str]) -> Option<String> {
    let words = std::iter::once("runtime-tokio").chain(args.iter().copied());
    let error = check::<TokioRuntime>(Cli::command(), words).err()?;
    let line = one_line(&error);
    line.contains("joined in one task").then(|| {
        assert_eq!(error.exit_code(), 2, "{line}");
        line
    })
}

#[test]
fn a_joined_fan_out_of_minutes_is_refused_naming_the_remedy() {
    for args in [
        &["fanout", "--users", "1000000", "--latency", "10ms"][..],
        &["--flavour", "current-thread", "fanout", "--users", "400000", "--latency", "1ms"],
        &["bounded", "--users", "1000000", "--concurrency", "500000", "--latency", "1ms"],
    ] {
        let line = refused_as_slow(args).unwrap_or_else(|| panic!("{args:?} was not refused"));
        assert!(line.starts_with("error: ") && line.contains("--shape spawn"), "{line}");
    }
}

#[test]
fn fan_outs_the_budget_does_not_slow_are_not_refused() {
    for args in [
        &["fanout", "--users", "1000000", "--latency", "10ms", "--shape", "spawn"][..],
        &["fanout", "--users", "1000000", "--latency", "0ms"],
        &["bounded", "--users", "1000000", "--concurrency", "1000", "--latency", "10ms"],
        &["fanout", "--users", "100000", "--latency", "10ms"],
        &["fanout", "--users", "1000000", "--source", "http"],
    ] {
        assert_eq!(refused_as_slow(args), None, "{args:?}");
    }
}
