//! The `--source` options made into a source: where the fetches go, and the faults
//! injected into them, each said once before the run.

use std::{net::SocketAddr, time::Duration};

use super::{SourceArgs, SourceKind, report::duration};
use chain_http::Via;
use chain_lab::FaultPlan;

/// The faults `args` ask for, said if there are any.
pub(super) fn planned_faults(args: &SourceArgs) -> Result<Option<FaultPlan>, String> {
    let plan = args.faults.plan()?;
    if let Some(plan) = &plan {
        say!("faults: {plan}; each fetch limited to {}", duration(args.fetch_timeout));
    }
    Ok(plan)
}

/// Where `args` send the fetches: to a record service at `--address` or started
/// in-process at `service`, said; else to memory, each fetch waiting `latency`.
pub(super) fn via(args: &SourceArgs, latency: Duration, service: Option<SocketAddr>) -> Via {
    match (&args.kind, args.address.or(service)) {
        (SourceKind::Http, Some(address)) => {
            say_http_source(args, address);
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
