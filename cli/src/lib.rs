//! The command line of the `runtime-*` binaries, written once for every runtime.
//!
//! A runtime crate implements [`Launch`] and its `main` calls [`main`]; the
//! vocabulary (`demo`, `hello`, `chain`, `fanout`, `bounded`, `timeout`, `serve`, `--flavour`,
//! `--workers`, `--source`) is the same for all of them. Every workload runs inside a task
//! spawned on the runtime ([`run_on_worker`]), and every run prints the runtime, its
//! version and configuration, and the machine before its figures.

#![warn(missing_docs)]

/// `println!` that ends the program quietly when stdout's reader has gone.
macro_rules! say {
    ($($arg:tt)*) => { $crate::report::say(format_args!($($arg)*)) };
}

mod args;
mod choice;
mod interrupt;
mod limits;
mod listen;
mod memory;
mod outcome;
mod parse;
mod progress;
pub mod report;
mod serve;
mod serve_args;
mod slow_join;
mod source;
mod source_args;
mod tail_args;
mod usage;
pub mod versions;
mod workloads;

use std::{num::NonZeroUsize, path::Path, process::ExitCode};

use clap::{CommandFactory, FromArgMatches, error::ErrorKind};

pub use args::{Cli, Command, FanOutArgs, Mode};
pub use choice::{DRIVERS, FLAVOURS, WIRE_FAULTS, choice};
pub use interrupt::{exit_on_interrupt, stop_on_interrupt};
pub use limits::{short_of_descriptors, soft_limit};
pub use memory::Footprint;
pub use parse::{
    MAX_DURATION, MAX_ROUNDS, MAX_USERS, MAX_WORKERS, parse_batch, parse_concurrency,
    parse_latency, parse_limit, parse_rounds, parse_skew, parse_user, parse_users, parse_workers,
};
pub use serve_args::{DEFAULT_PORT, ServeArgs};
pub use source_args::{
    FaultArgs, MAX_CONNECTIONS, ServiceArgs, SourceArgs, SourceKind, parse_address,
    parse_connections, parse_rate, parse_seed,
};
pub use tail_args::TailArgs;
pub use usage::{exit_with, one_line};

use slow_join::Verdict;

use chain_contract::{Driver, Launch, Scheduling, no_such_driver, run_on_worker};
use record_service::{RecordService, ServiceConfig};

/// Parses the command line, starts runtime `L` and runs the chosen program.
/// `--source http` without `--address` starts the record service in-process.
///
/// Exit status: 0 on success, 2 for a bad command line (with a message saying what
/// is allowed), 1 if the runtime or the service could not start or a result was wrong.
pub fn main<L: Launch>() -> ExitCode {
    let Checked { cli, flavour, workers, driver } =
        check::<L>(command_for::<L>(), std::env::args_os()).unwrap_or_else(|e| exit_with(e));
    if let Verdict::Warn(warning) = slow_join::verdict::<L>(cli.command.as_ref()) {
        eprintln!("{warning}");
    }
    // A server stops gracefully instead, once it listens.
    let serving = matches!(cli.command, Some(Command::Serve(_)));
    if let Err(e) = if serving { Ok(()) } else { exit_on_interrupt() } {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let rt = match L::launch_on(driver, flavour, workers) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Demo { latency: workloads::DEMO_LATENCY });
    // Started before the client's runtime runs anything, on threads of its own.
    let service = match workloads::in_process_service(&command).map(start_service) {
        Some(Ok(service)) => Some(service),
        Some(Err(e)) => {
            eprintln!("error: could not start the in-process record service: {e}");
            return ExitCode::FAILURE;
        }
        None => None,
    };
    say!("{}", report::header(&rt.info()));
    let address = service.as_ref().map(RecordService::address);
    let outcome = run_on_worker(&rt, workloads::run(rt.clone(), command, address));
    drop(service);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// [`Cli`]'s command, its help naming the flavours and drivers that runtime `L` offers.
fn command_for<L: Launch>() -> clap::Command {
    let offered: Vec<_> = L::FLAVOURS.iter().map(|f| f.name()).collect();
    let flavour_help = match L::FLAVOURS {
        [only] => format!("How the runtime schedules tasks: {only}, its only flavour"),
        [first, ..] if *first == several_workers::<L>() => {
            format!("How the runtime schedules tasks: {} [default: {first}]", offered.join(" or "),)
        }
        _ => format!(
            "How the runtime schedules tasks: {} [default: {}, or {} when --workers is given]",
            offered.join(" or "),
            L::FLAVOURS[0],
            several_workers::<L>(),
        ),
    };
    let drivers: Vec<_> = L::DRIVERS.iter().map(Driver::name).collect();
    let driver_help = match L::DRIVERS {
        [only] => format!("The I/O driver of sockets and timers: {only}, its only one"),
        [first, ..] => format!(
            "The I/O driver of sockets and timers: {} [default: {first}]",
            drivers.join(" or ")
        ),
        [] => unreachable!("a runtime runs on some driver"),
    };
    let flavours_only = choice::choice_shown(FLAVOURS, |flavour| L::FLAVOURS.contains(flavour));
    let drivers_only = choice::choice_shown(DRIVERS, |driver| L::DRIVERS.contains(driver));
    Cli::command()
        .name(program_name())
        .mut_arg("flavour", |arg| arg.help(flavour_help).value_parser(flavours_only))
        .mut_arg("driver", |arg| arg.help(driver_help).value_parser(drivers_only))
}

/// A command line that parsed and passed every check for runtime `L`.
#[derive(Debug)]
pub struct Checked {
    /// What was asked for.
    pub cli: Cli,
    /// The flavour to launch: one that `L` offers.
    pub flavour: Scheduling,
    /// Its workers: 1 for a current-thread flavour.
    pub workers: NonZeroUsize,
    /// The driver to launch it on: one that `L` offers.
    pub driver: Driver,
}

/// Parses `args` (the program's name first) with `command` (built from [`Cli`]) and
/// checks what parsing alone cannot: options that conflict, the flavour and workers
/// against what runtime `L` offers and its environment allows
/// ([`Launch::check_environment`]), that a fan-out joined in one task would not take
/// minutes on `L` ([`Launch::TASK_BUDGET`]), and that a fan-out fits in the
/// memory available.
///
/// # Errors
///
/// A usage error, as clap's, to pass to [`exit_with`]; `--help` and `--version`
/// also arrive as errors, which exit 0.
pub fn check<L: Launch>(
    mut command: clap::Command,
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
) -> Result<Checked, clap::Error> {
    let matches = command.try_get_matches_from_mut(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let checked = source_conflict(cli.command.as_ref(), |id| given(&matches, id))
        .map_or_else(|| settings::<L>(&cli), Err)
        .and_then(|(flavour, workers)| {
            L::check_environment(flavour, workers)?;
            if let Verdict::Refuse(message) = slow_join::verdict::<L>(cli.command.as_ref()) {
                return Err(message);
            }
            footprint(cli.command.as_ref()).map_or(Ok(()), |f| f.check())?;
            Ok((flavour, workers))
        });
    match checked.and_then(|settings| Ok((settings, driver::<L>(&cli)?))) {
        Ok(((flavour, workers), driver)) => Ok(Checked { cli, flavour, workers, driver }),
        Err(message) => Err(command.error(ErrorKind::ArgumentConflict, message)),
    }
}

fn start_service(config: ServiceConfig) -> std::io::Result<RecordService> {
    RecordService::start(config)
}

/// The binary's own name (`runtime-tokio`, ...), for usage lines and `--help`.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|arg0| Some(Path::new(&arg0).file_stem()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "runtime".to_owned())
}

/// The flavour and worker count asked for, checked against what runtime `L` offers.
fn settings<L: Launch>(cli: &Cli) -> Result<(Scheduling, NonZeroUsize), String> {
    // `--workers` alone asks for workers, so for a flavour that has several.
    let flavour = match (cli.flavour, cli.workers) {
        (Some(flavour), _) => flavour,
        (None, Some(_)) => several_workers::<L>(),
        (None, None) => L::FLAVOURS[0],
    };
    if !L::FLAVOURS.contains(&flavour) {
        let offered: Vec<_> = L::FLAVOURS.iter().map(|f| f.name()).collect();
        return Err(format!(
            "this runtime has no {flavour} flavour; it offers: {}",
            offered.join(", ")
        ));
    }
    match (flavour, cli.workers) {
        (Scheduling::CurrentThread, Some(n)) if n.get() != 1 => {
            Err(format!("the current-thread flavour has exactly 1 worker, not {n}"))
        }
        (Scheduling::CurrentThread, _) => Ok((flavour, NonZeroUsize::MIN)),
        (Scheduling::MultiThread | Scheduling::ThreadPerCore, Some(n)) => Ok((flavour, n)),
        (Scheduling::MultiThread | Scheduling::ThreadPerCore, None) => {
            Ok((flavour, report::cores()))
        }
    }
}

/// The driver asked for, checked against those runtime `L` offers.
fn driver<L: Launch>(cli: &Cli) -> Result<Driver, String> {
    let driver = cli.driver.unwrap_or(L::DRIVERS[0]);
    match L::DRIVERS.contains(&driver) {
        true => Ok(driver),
        false => Err(no_such_driver(L::DRIVERS, driver).to_string()),
    }
}

/// The flavour that `--workers` alone asks for: runtime `L`'s first with several
/// workers (multi-thread, or thread-per-core), or its only one.
fn several_workers<L: Launch>() -> Scheduling {
    let several = L::FLAVOURS.iter().find(|f| **f != Scheduling::CurrentThread);
    several.copied().unwrap_or(L::FLAVOURS[0])
}

/// What a fan-out command will hold at its peak.
fn footprint(command: Option<&Command>) -> Option<Footprint> {
    let (fanout, limit) = match command? {
        Command::FanOut(fanout) => (fanout, None),
        Command::Bounded { fanout, concurrency } => (fanout, Some(concurrency.get())),
        _ => return None,
    };
    Some(fanout.footprint(limit))
}

/// Why the `--source` (and fan-out) options do not fit together, if they do not: options that
/// conflict or that would be ignored (`given` says which options the command line
/// gave, by id).
fn source_conflict(command: Option<&Command>, given: impl Fn(&str) -> bool) -> Option<String> {
    let command = command?;
    let (source, latency) = command.source()?;
    // Without --address, the service runs in this process.
    let conflict = source.conflict(source.address.is_none(), latency);
    conflict.or_else(|| match command {
        Command::FanOut(fanout) | Command::Bounded { fanout, .. } => fanout.ignored(&given),
        Command::Serve(serve) => serve.ignored(&given),
        _ => source.ignored(&given),
    })
}

/// Whether the option `id` of the subcommand in `matches` was on the command line,
/// rather than left at its default.
pub fn given(matches: &clap::ArgMatches, id: &str) -> bool {
    let in_command = matches.subcommand().map_or(matches, |(_, command)| command);
    in_command.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
}
