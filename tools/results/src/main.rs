//! `results`: what `docs/results/run.sh` keeps, and the README's results sections made from it.
//!
//! `cargo run --release -p results -- readme --check`
//!
//! - `results criterion --out F`: criterion's medians (and their confidence
//!   intervals) of every group measured, from `target/criterion`, as one JSON file;
//! - `results readme`: rewrites each generated section (between
//!   `<!-- generated: NAME -->` and `<!-- end generated -->`) of every Markdown file
//!   that has one (README.md, the crates' READMEs, the pages in docs/) from the
//!   committed results; `--check` changes nothing and fails if any file differs.
//!
//! Every figure the README states comes from here; where the two committed runs of
//! `run.sh` (`docs/results` and `docs/results/rerun`) give a ratio more than 10 %
//! apart, the README shows the range that covers both.

mod compared;
mod criterion;
mod matrix;
mod overhead_wall;
mod readme;
mod sections;
mod serving;
mod tables;
mod tail;
mod tail_chart;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "The published results: criterion's export, and the README made from them")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes criterion's medians of every measured benchmark as JSON.
    Criterion {
        /// Criterion's output folder.
        #[arg(long, value_name = "DIR", default_value = "target/criterion")]
        from: PathBuf,
        /// Only the groups whose names start with one of these.
        #[arg(long, value_name = "PREFIX", value_delimiter = ',', required = true)]
        groups: Vec<String>,
        /// The JSON file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Draws docs/tail.md's charts (p99 against users a request, and the latency
    /// distribution) from `docs/results/tail.sh`'s files, into the same folder.
    TailCharts {
        /// The folder of the tail's results.
        #[arg(long, value_name = "DIR", default_value = "docs/results/tail")]
        folder: PathBuf,
    },
    /// Rewrites the generated sections of README.md, the crates' READMEs and docs/*.md
    /// from the committed results.
    Readme {
        /// Change nothing; fail (status 1) if a file is not what the results make.
        #[arg(long)]
        check: bool,
        /// The repository's root, where the files are looked for.
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
        /// Only these files (relative to the root), rather than every one with a
        /// generated section.
        #[arg(long = "readme", value_name = "FILE")]
        only: Vec<PathBuf>,
        /// The published run.
        #[arg(long, value_name = "DIR", default_value = "docs/results")]
        results: PathBuf,
        /// The same run.sh, run again on the same machine.
        #[arg(long, value_name = "DIR", default_value = "docs/results/rerun")]
        rerun: PathBuf,
    },
}

fn main() -> ExitCode {
    let args = Args::try_parse().unwrap_or_else(|e| chain_cli::exit_with(e));
    let outcome = match args.command {
        Command::Criterion { from, groups, out } => criterion::export(&from, &groups, &out),
        Command::TailCharts { folder } => tail_chart::draw(&folder).map(|()| ExitCode::SUCCESS),
        Command::Readme { check, root, only, results, rerun } => {
            readme::main(&root, &only, &results, &rerun, check)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
