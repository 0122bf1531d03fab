//! `serve`: the gateway on this binary's runtime, until Ctrl-C or SIGTERM, then a
//! graceful stop and what it served.

use std::{
    io::Write,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
};

use super::{
    ServeArgs, SourceKind,
    interrupt::stop_on_interrupt,
    report::duration,
    source::{planned_faults, via},
};
use chain_contract::Runtime;
use chain_core::DataSource;
use chain_http::Source;
use chain_http::gateway::{Gateway, GatewayStats, PATH, Stall};
use chain_lab::{FetchReport, HedgeBudget, Hedging, TimedFetches, with_faults};

/// Serves the gateway on `rt` as `args` say, the source started in-process at
/// `service` if there is one, until the first signal; its error says what failed.
pub(super) async fn serve<R: Runtime>(
    rt: R,
    args: ServeArgs,
    service: Option<SocketAddr>,
) -> Result<(), String> {
    let stop = stop_on_interrupt()?;
    let plan = planned_faults(&args.source, args.latency)?;
    let faults = plan.map(|plan| (plan, args.source.fetch_timeout));
    let via = via(&args.source, args.latency, service);
    match (args.source.kind, args.source.address) {
        (SourceKind::Memory, _) => {
            say!("source: in memory, each fetch waits {}", duration(args.latency))
        }
        (SourceKind::Http, None) => say!("  the service answers after {}", duration(args.latency)),
        (SourceKind::Http, Some(_)) => {}
    }
    // Matched once, so that the measured gateway runs on each source's own type:
    // no branch per fetch in what `compare serve` measures.
    match (via.source(&rt), faults) {
        (Source::Memory(source), None) => hedged_on(rt, args, stop, source).await,
        (Source::Http(source), None) => hedged_on(rt, args, stop, source).await,
        (Source::Memory(source), Some((plan, limit))) => {
            let source = with_faults(&rt, source, plan, limit);
            hedged_on(rt, args, stop, source).await
        }
        (Source::Http(source), Some((plan, limit))) => {
            let source = with_faults(&rt, source, plan, limit);
            hedged_on(rt, args, stop, source).await
        }
    }
}

/// The gateway on `source`, every fetch hedged if `args` ask for it (and then its
/// budget said at the end), until `stop` says which signal came.
async fn hedged_on<R: Runtime, S: DataSource + 'static>(
    rt: R,
    args: ServeArgs,
    stop: impl Future<Output = &'static str> + Send + 'static,
    source: S,
) -> Result<(), String> {
    let Some(after) = args.source.hedge_after else {
        return timed_on(rt, args, stop, source, None).await;
    };
    let hedged = Hedging::new(source, &rt, Some(after));
    let budget = hedged.budget();
    timed_on(rt, args, stop, hedged, Some(&budget)).await?;
    say!("  hedged after {}: {budget}", duration(after));
    Ok(())
}

/// The gateway on `source`, each fetch timed if `args` ask for a report (and then
/// the report, with `hedge`'s totals, written at the end), until `stop` says which
/// signal came.
async fn timed_on<R: Runtime, S: DataSource + 'static>(
    rt: R,
    args: ServeArgs,
    stop: impl Future<Output = &'static str> + Send + 'static,
    source: S,
    hedge: Option<&HedgeBudget>,
) -> Result<(), String> {
    let Some(path) = args.report.clone() else {
        return gateway_on(rt, args, stop, source).await;
    };
    // Made before the gateway listens: a file it cannot write fails the start, not
    // the stop after the whole run.
    let cannot = |e: std::io::Error| format!("cannot write the report to {}: {e}", path.display());
    let file = std::fs::File::create(&path).map_err(cannot)?;
    let timed = TimedFetches::new(source, &rt);
    let histogram = timed.histogram();
    gateway_on(rt, args, stop, timed).await?;
    let fetches = histogram.percentiles();
    if let Some(fetches) = fetches {
        say!("  fetches: {fetches} ({} answered)", fetches.count);
    }
    let report = FetchReport { fetches, hedge: hedge.map(HedgeBudget::totals) };
    let json = serde_json::to_vec(&report).expect("plain data serializes");
    (&file).write_all(&json).map_err(cannot)
}

/// The gateway on `source`, until `stop` says which signal came.
async fn gateway_on<R: Runtime, S: DataSource + 'static>(
    rt: R,
    args: ServeArgs,
    stop: impl Future<Output = &'static str> + Send + 'static,
    source: S,
) -> Result<(), String> {
    let address = args.address();
    let shards = rt.shards();
    let config = args.config();
    let stall = config.stall.clone();
    let gateway = Gateway::bind(address, shards, source, config)
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let address = gateway.address();
    let stats = gateway.stats();
    say_listening(address, shards.get(), &args, stall.as_deref());
    let grace = args.grace;
    let stopping = async move {
        let signal = stop.await;
        say!(
            "{signal}: no new connections; finishing requests in flight, for at most {}",
            duration(grace)
        );
    };
    gateway.serve(rt, stopping).await.map_err(|e| e.to_string())?;
    say_served(&stats, stall.as_deref());
    Ok(())
}

fn say_listening(address: SocketAddr, shards: usize, args: &ServeArgs, stall: Option<&Stall>) {
    let listeners = match shards {
        1 => "one listener".to_owned(),
        n => format!("{n} listeners on the same port (SO_REUSEPORT), one per thread"),
    };
    say!("gateway on http://{address}{PATH}, {listeners}, a task per connection");
    say!(
        "  at most {} requests in flight (then 503), each chain within {} (then 504), header timeout {}",
        args.max_in_flight,
        duration(args.source.fetch_timeout),
        duration(args.header_timeout),
    );
    if let Some(stall) = stall {
        let (pause, every) = stall.pause_and_period();
        say!(
            "  injected stall: the first request in every {} blocks its thread for {}",
            duration(every),
            duration(pause)
        );
    }
    let at = reachable(address);
    say!("  try: curl http://{at}/users/1/with-orders 'http://{at}/users/with-orders?ids=1,2,3'");
    if !address.ip().is_loopback() {
        say!("  no authentication: anyone who reaches {address} may use the gateway");
    }
    say!("  Ctrl-C or SIGTERM stops it, letting requests in flight finish");
}

/// An address a client on this machine reaches `address` at: loopback for 0.0.0.0
/// or [::], which mean every address of the machine and name none.
fn reachable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, address.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, address.port()))
        }
        _ => address,
    }
}

fn say_served(stats: &GatewayStats, stall: Option<&Stall>) {
    let answered: Vec<String> = stats
        .answered()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(status, n)| format!("{n} × {status}"))
        .collect();
    let answered = if answered.is_empty() { "none".to_owned() } else { answered.join(", ") };
    let connections = stats.connections();
    let served = connections.started();
    let s = if served == 1 { "" } else { "s" };
    let malformed = match stats.malformed() {
        0 => String::new(),
        1 => "; 1 malformed request, answered by hyper".to_owned(),
        n => format!("; {n} malformed requests, answered by hyper"),
    };
    say!("stopped: {served} connection{s} served, answers: {answered}{malformed}");
    if let Some(stall) = stall {
        say!("  injected stalls taken: {}", stall.taken());
    }
    let cut_off = connections.cancelled();
    match cut_off {
        0 => {}
        1 => say!("  1 connection was still busy when the grace period ended, and was cut off"),
        n => {
            say!("  {n} connections were still busy when the grace period ended, and were cut off")
        }
    }
}
