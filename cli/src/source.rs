//! The `--source` options made into a source: where the fetches go, and the faults
//! injected into them, each said once before the run.

use std::{net::SocketAddr, time::Duration};

use super::{SourceArgs, SourceKind, report::duration};
use chain_http::Via;
use chain_lab::FaultPlan;

/// The faults `args` ask for, with the tail of a source in memory whose fetches
/// usually take `latency` (a record service's is its own), said if there are any.
pub(super) fn planned_faults(
    args: &SourceArgs,
    latency: Duration,
) -> Result<Option<FaultPlan>, String> {
    let what = if args.faults.plan()?.is_some() { "faults" } else { "tail" };
    let plan = args.plan(latency)?;
    if let Some(plan) = &plan {
        say!("{what}: {plan}; each fetch limited to {}", duration(args.fetch_timeout));
    }
    Ok(plan)
}

/// Where `args` send the fetches: to a record service at `--address` or started
/// in-process at `service`, said; else to memory, each fetch waiting `latency`.
/// The hedge, if they ask for one, said too.
pub(super) fn via(args: &SourceArgs, latency: Duration, service: Option<SocketAddr>) -> Via {
    if let Some(after) = args.hedge_after {
        say!(
            "hedge: a fetch not answered {} after it left is sent once more; the first answer wins, the other copy is cancelled",
            duration(after)
        );
    }
    match (&args.kind, args.address.or(service)) {
        (SourceKind::Http, Some(address)) => {
            say_http_source(args, address);
            match args.tail(latency) {
                Ok(tail) if tail.is_some() => say!("  the service's tail: {tail}"),
                _ => {}
            }
            let (connections, timeout) = (args.connections, args.fetch_timeout);
            Via::Http { address, connections, timeout }
        }
        _ => Via::Memory { latency },
    }
}

fn say_http_source(args: &SourceArgs, address: SocketAddr) {
    let where_ = if args.address.is_some() { "at" } else { "started in-process at" };
    say!(
        "source: HTTP to the record service {where_} {address}, at most {} connections, fetch timeout {}",
        args.connections,
        duration(args.fetch_timeout),
    );
}
