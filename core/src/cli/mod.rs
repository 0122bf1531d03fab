//! The command line of the `runtime-*` binaries, written once for every runtime.
//!
//! A runtime crate implements [`Launch`] and its `main` calls [`main`]; the
//! vocabulary (`demo`, `hello`, `chain`, `fanout`, `bounded`, `timeout`, `--flavour`,
//! `--workers`) is the same for all of them. Every workload runs inside a task
//! spawned on the runtime ([`run_on_worker`]), and every run prints the runtime, its
//! version and configuration, and the machine before its figures.

/// `println!` that ends the program quietly when stdout's reader has gone.
macro_rules! say {
    ($($arg:tt)*) => { $crate::cli::report::say(format_args!($($arg)*)) };
}

mod args;
pub mod report;
mod workloads;

use std::{num::NonZeroUsize, path::Path, process::ExitCode};

use clap::{CommandFactory, FromArgMatches, error::ErrorKind};

pub use args::{
    Cli, Command, Fanout, MAX_DURATION, MAX_USERS, MAX_WORKERS, Mode, Shape, parse_concurrency,
    parse_latency, parse_limit, parse_user, parse_users, parse_workers,
};

use crate::{Flavour, Launch, run_on_worker};

/// Parses the command line, starts runtime `L` and runs the chosen program.
///
/// Exit status: 0 on success, 2 for a bad command line (with a message saying what
/// is allowed), 1 if the runtime could not start or a result was wrong.
pub fn main<L: Launch>() -> ExitCode {
    let offered: Vec<_> = L::FLAVOURS.iter().map(|f| f.name()).collect();
    let flavour_help = match L::FLAVOURS {
        [only] => format!("How the runtime schedules tasks: {only}, its only flavour"),
        _ => format!(
            "How the runtime schedules tasks: {} [default: {}, or multi-thread when --workers is given]",
            offered.join(" or "),
            L::FLAVOURS[0],
        ),
    };
    let mut command =
        Cli::command().name(program_name()).mut_arg("flavour", |arg| arg.help(flavour_help));
    let cli = command
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|matches| Cli::from_arg_matches(&matches))
        .unwrap_or_else(|e| e.exit());
    let (flavour, workers) = match settings::<L>(&cli) {
        Ok(settings) => settings,
        Err(message) => command.error(ErrorKind::ArgumentConflict, message).exit(),
    };
    let rt = match L::launch(flavour, workers) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    say!("{}", report::header(&rt.info()));
    let command = cli.command.unwrap_or(Command::Demo { latency: workloads::DEMO_LATENCY });
    let outcome = run_on_worker(&rt, workloads::run(rt.clone(), command));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The binary's own name (`runtime-tokio`, ...), for usage lines and `--help`.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|arg0| Some(Path::new(&arg0).file_stem()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "runtime".to_owned())
}

/// The flavour and worker count asked for, checked against what runtime `L` offers.
fn settings<L: Launch>(cli: &Cli) -> Result<(Flavour, NonZeroUsize), String> {
    // `--workers` alone asks for workers, so for the multi-thread flavour.
    let flavour = match (cli.flavour, cli.workers) {
        (Some(flavour), _) => flavour,
        (None, Some(_)) if L::FLAVOURS.contains(&Flavour::MultiThread) => Flavour::MultiThread,
        (None, _) => L::FLAVOURS[0],
    };
    if !L::FLAVOURS.contains(&flavour) {
        let offered: Vec<_> = L::FLAVOURS.iter().map(|f| f.name()).collect();
        return Err(format!(
            "this runtime has no {flavour} flavour; it offers: {}",
            offered.join(", ")
        ));
    }
    match (flavour, cli.workers) {
        (Flavour::CurrentThread, Some(n)) if n.get() != 1 => {
            Err(format!("the current-thread flavour has exactly 1 worker, not {n}"))
        }
        (Flavour::CurrentThread, _) => Ok((flavour, NonZeroUsize::MIN)),
        (Flavour::MultiThread, Some(n)) => Ok((flavour, n)),
        (Flavour::MultiThread, None) => Ok((flavour, report::cores())),
    }
}
