//! `overhead`: the cost of the core's contract, as the ratio of each generic workload to its hand-written native twin on the same flavour (target: 1.05 or less).
//!
//! `cargo run --release -p overhead -- instructions`
//!
//! `overhead instructions` counts the instructions of each side under
//! `valgrind --tool=callgrind` (deterministic, whatever else the machine does) and
//! fails if a ratio is above the target; `overhead medians` reads criterion's
//! medians after `cargo bench -- overhead`.

mod count;
mod kernel;
mod medians;

use std::process::ExitCode;

use benches::{
    Flavour,
    overhead::{Case, Side},
};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "The cost of the core's contract: generic / native, per workload and flavour")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Instructions per iteration of each side, counted by callgrind; exits 1 if a
    /// ratio is above the target.
    Instructions(count::Options),
    /// Criterion's medians from `cargo bench -- overhead`.
    Medians(medians::Options),
    /// The flavours whose pairs are measured, a name a line.
    Flavours {
        /// Only the single-threaded ones: one thread runs every task.
        #[arg(long)]
        single_threaded: bool,
    },
    /// Runs one side of one case (what `instructions` runs under valgrind).
    #[command(hide = true)]
    Run {
        case: String,
        #[arg(value_enum)]
        side: Side,
        #[arg(value_enum)]
        flavour: Flavour,
        iterations: u64,
    },
}

fn main() -> ExitCode {
    let args = Args::try_parse().unwrap_or_else(|e| chain_cli::exit_with(e));
    match args.command {
        Command::Instructions(options) => count::main(&options),
        Command::Medians(options) => medians::main(&options),
        Command::Flavours { single_threaded } => {
            for flavour in Flavour::ALL.into_iter().filter(|f| f.has_native_twin()) {
                if !single_threaded || !flavour.is_multi_thread() {
                    println!("{flavour}");
                }
            }
            ExitCode::SUCCESS
        }
        Command::Run { case, side, flavour, iterations } => run(&case, side, flavour, iterations),
    }
}

/// One warm-up iteration, then `iterations` more: the difference between two counts
/// of this process is the cost of the iterations alone.
fn run(case: &str, side: Side, flavour: Flavour, iterations: u64) -> ExitCode {
    let Some(case) = Case::named(case) else {
        eprintln!("error: no overhead case {case:?}");
        return ExitCode::from(2);
    };
    let mut measurer = match case.prepare(side, flavour, count::WORKERS) {
        Ok(measurer) => measurer,
        Err(e) => {
            eprintln!("error: {flavour} could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    measurer(1);
    let before = kernel::Kernel::now();
    measurer(iterations);
    println!("{}", kernel::Kernel::now().since(before).line());
    ExitCode::SUCCESS
}
