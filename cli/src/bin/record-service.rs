//! `record-service`: the record service standalone, until Ctrl-C or SIGTERM, when it
//! says how many answers it sent, and how many of them were slow.

use chain_cli::report::say;
use chain_core::readable::duration;
use clap::{CommandFactory, FromArgMatches, Parser, error::ErrorKind};
use record_service::{Answered, RecordService};

/// Serves the article's users and orders as JSON over HTTP/1.1, on 127.0.0.1 unless
/// told (--listen), for `curl` or for the runtime binaries' `--source http --address`.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    service: chain_cli::ServiceArgs,
}

fn main() {
    let cli = parse().unwrap_or_else(|e| chain_cli::exit_with(e));
    let config = cli.service.into_config();
    let stop = chain_cli::stop_on_interrupt().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    });
    let service = match RecordService::start(config.clone()) {
        Ok(service) => service,
        Err(e) => {
            eprintln!("error: cannot start the service on {}: {e}", config.address);
            std::process::exit(1);
        }
    };
    let address = service.address();
    let s = if config.threads.get() == 1 { "" } else { "s" };
    say(format_args!(
        "record service on http://{address}, {} thread{s} of its own",
        config.threads
    ));
    say(format_args!(
        "  delay {}, slow: {}, users: {}, faults: {}",
        duration(config.delay),
        config.tail,
        config.users.map_or_else(|| "every id".to_owned(), |n| format!("1 to {n}")),
        config.faults
    ));
    say(format_args!("  try: curl http://{address}/users/1 http://{address}/users/1/orders"));
    say(format_args!("  Ctrl-C stops it"));
    let signal = futures_lite::future::block_on(stop);
    let Answered { all, slow } = service.answered();
    say(format_args!("record service stopped by {signal}: {all} answers, {slow} of them slow"));
    // The status a shell gives a program the signal killed: 128 + its number.
    std::process::exit(if signal == "SIGTERM" { 143 } else { 130 });
}

/// The command line, refused when it gives an option the service would ignore.
fn parse() -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    let cli = Cli::from_arg_matches(&matches)?;
    match cli.service.ignored(|id| chain_cli::given(&matches, id)) {
        Some(message) => Err(command.error(ErrorKind::ArgumentConflict, message)),
        None => Ok(cli),
    }
}
