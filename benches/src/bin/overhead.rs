//! `cargo run --release -p benches --bin overhead` after `cargo bench -- overhead`:
//! the cost of the core's contract, as the ratio of each generic workload's median
//! to its hand-written native baseline on the same flavour (target: 1.05 or less).

use std::{
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use benches::Flavour;
use chain_core::cli::report::say;

const CASES: [&str; 3] = ["chain", "fanout_spawn_10000", "spawn_many"];

/// Criterion's median estimate, in nanoseconds, for one benchmark.
fn median_ns(root: &Path, group: &str, member: &str, flavour: Flavour) -> Option<f64> {
    let path = root.join(group).join(member).join(flavour.label()).join("new/estimates.json");
    let text = fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn main() -> ExitCode {
    let root = match std::env::args().nth(1) {
        Some(flag) if flag.starts_with('-') => {
            eprintln!(
                "usage: overhead [CRITERION_DIR]   (default: $CARGO_TARGET_DIR/criterion or target/criterion)"
            );
            return ExitCode::from(if flag == "-h" || flag == "--help" { 0 } else { 2 });
        }
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
                .join("criterion")
        }
    };
    if !root.join("overhead_chain").is_dir() {
        eprintln!(
            "error: no overhead results under {}: run `cargo bench -- overhead` first",
            root.display()
        );
        return ExitCode::from(2);
    }
    say(format_args!("| workload | flavour | generic | native | generic / native |"));
    say(format_args!("|---|---|---:|---:|---:|"));
    let mut found = 0;
    for case in CASES {
        let group = format!("overhead_{case}");
        for flavour in Flavour::ALL {
            let generic = median_ns(&root, &group, "generic", flavour);
            let native = median_ns(&root, &group, "native", flavour);
            if let (Some(generic), Some(native)) = (generic, native) {
                found += 1;
                let (g, n) = (generic / 1e3, native / 1e3);
                say(format_args!(
                    "| {case} | {flavour} | {g:.3} us | {n:.3} us | {:.3} |",
                    generic / native
                ));
            }
        }
    }
    let expected = CASES.len() * Flavour::ALL.len();
    if found < expected {
        eprintln!(
            "note: {} of {expected} pairs have results; run `cargo bench -- overhead`",
            found
        );
    }
    ExitCode::SUCCESS
}
