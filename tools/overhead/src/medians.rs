//! The ratios from criterion's medians, after `cargo bench -- overhead`: wall time
//! on this machine, as noisy as the machine is.

use std::{
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use benches::{
    Flavour,
    overhead::{CASES, Side},
};
use chain_cli::report::say;

/// Where criterion's results are.
#[derive(clap::Args)]
pub struct Options {
    /// Criterion's output folder (default: $CARGO_TARGET_DIR/criterion or target/criterion).
    #[arg(long, value_name = "DIR")]
    criterion: Option<PathBuf>,
}

/// Criterion's median estimate, in nanoseconds, for one side of a case.
fn median_ns(root: &Path, group: &str, side: Side, flavour: Flavour) -> Option<f64> {
    let path = root.join(group).join(side.label()).join(flavour.label()).join("new/estimates.json");
    let text = fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// Prints the table of every pair criterion has measured.
pub fn main(options: &Options) -> ExitCode {
    let root = options.criterion.clone().unwrap_or_else(|| {
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
            .join("criterion")
    });
    if !root.join(CASES[0].group()).is_dir() {
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
        for flavour in Flavour::ALL.into_iter().filter(|f| f.has_native_twin()) {
            let generic = median_ns(&root, &case.group(), Side::Generic, flavour);
            let native = median_ns(&root, &case.group(), Side::Native, flavour);
            if let (Some(generic), Some(native)) = (generic, native) {
                found += 1;
                let (g, n) = (nanos(generic), nanos(native));
                say(format_args!(
                    "| {} | {flavour} | {g} | {n} | {:.3} |",
                    case.name,
                    generic / native
                ));
            }
        }
    }
    let expected = CASES.len() * Flavour::ALL.iter().filter(|f| f.has_native_twin()).count();
    if found < expected {
        eprintln!("note: {found} of {expected} pairs have results; run `cargo bench -- overhead`");
    }
    ExitCode::SUCCESS
}

fn nanos(ns: f64) -> String {
    chain_cli::report::seconds(ns / 1e9).unwrap_or_else(|| "-".into())
}
