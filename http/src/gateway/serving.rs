//! A shard's accept loop and its connections: one task per connection, each served
//! by hyper's HTTP/1.1 server with keep-alive, all told to finish when the gateway
//! stops, and cut off when the grace period runs out.

use std::{convert::Infallible, future::Future, pin::Pin, pin::pin, sync::Arc, time::Duration};

use futures::{
    FutureExt, StreamExt,
    channel::oneshot,
    future::{Either, Fuse, FusedFuture, Shared, join_all, select},
    select_biased,
    stream::FuturesUnordered,
};
use hyper::{server::conn::http1, service::service_fn};

use super::{GatewayConfig, answer::Handler, hyper_timer::HyperTimer};
use crate::hyper_io::HyperIo;
use chain_contract::{JoinHandle, Listener, Runtime, timeout};
use chain_core::DataSource;

/// Completes when the gateway is to stop: each shard's accept loop awaits a clone of
/// the gateway's, and each connection one of its shard's.
pub(super) type Stop = Shared<Pin<Box<dyn Future<Output = ()> + Send>>>;

/// How long the accept loop pauses after the system refuses a connection (out of file
/// descriptors): long enough not to spin, short enough to resume at once.
const ACCEPT_PAUSE: Duration = Duration::from_millis(10);

/// Accepts connections from `listener` (registered here, on this shard) until `stop`,
/// then lets them finish within the grace period and cuts off the rest.
pub(super) async fn shard<R: Runtime, S: DataSource + 'static>(
    handler: Handler<R, S>,
    listener: std::net::TcpListener,
    config: GatewayConfig,
    stop: Stop,
) -> std::io::Result<()> {
    let rt = handler.rt.clone();
    let listener = rt.listen(listener).await?;
    let handler = Arc::new(handler);
    let mut connections = FuturesUnordered::new();
    // The connections learn of the stop from this task, on their own shard, not
    // from the thread that stops the gateway: thousands of wakes from another thread
    // at once, each holding `Shared`'s lock, deadlocked compio, whose queue for them
    // holds 64 and makes the waking thread wait for room.
    let (tell, told) = oneshot::channel::<()>();
    let told: Stop = told.map(drop).boxed().shared();
    let mut stopping = stop;
    {
        // One accept at a time, kept across the loop's turns, not made anew each turn:
        // on io_uring an accept dropped after the kernel completed it loses that
        // connection, and a connection ending would drop it at every turn.
        let mut accepting = pin!(Fuse::terminated());
        loop {
            if accepting.is_terminated() {
                accepting.set(listener.accept().fuse());
            }
            select_biased! {
                () = stopping => break,
                _ = connections.select_next_some() => {}
                accepted = accepting => match accepted {
                    Ok((stream, _)) => {
                        let serving = connection(stream, handler.clone(), config.header_timeout, told.clone());
                        connections.push(rt.spawn(serving));
                    }
                    Err(_) => rt.sleep(ACCEPT_PAUSE).await,
                },
            }
        }
    }
    // Refuse new connections at once; finish the open ones, within the grace period.
    drop((listener, tell));
    let drained = async { while connections.next().await.is_some() {} };
    if timeout(&rt, config.grace, drained).await.is_err() {
        // Cut off, and gone (their sockets closed) before the gateway returns.
        join_all(connections.into_iter().map(JoinHandle::cancel)).await;
    }
    Ok(())
}

/// Serves one connection until the client closes it, it fails, or the gateway stops
/// (then it finishes the request in progress, if any, and closes).
async fn connection<R: Runtime, S: DataSource + 'static>(
    stream: R::TcpStream,
    handler: Arc<Handler<R, S>>,
    header_timeout: Duration,
    stop: Stop,
) {
    let stats = handler.stats.clone();
    let open = stats.connections.enter();
    let timer = HyperTimer(handler.rt.timer());
    let service = service_fn(move |request| {
        let handler = handler.clone();
        async move { Ok::<_, Infallible>(handler.answer(request).await) }
    });
    let mut builder = http1::Builder::new();
    builder.timer(timer).header_read_timeout(header_timeout);
    let mut serving = pin!(builder.serve_connection(HyperIo(stream), service));
    // An error (a malformed request, answered by hyper; a client gone; the header
    // timeout) ends this connection only.
    let ended = match select(serving.as_mut(), stop).await {
        Either::Left((ended, _)) => ended,
        Either::Right(((), _)) => {
            serving.as_mut().graceful_shutdown();
            serving.await
        }
    };
    // An HTTP/2 preface is a parse error too, but one hyper does not answer.
    if ended.is_err_and(|e| e.is_parse() && !e.is_parse_version_h2()) {
        stats.count_malformed();
    }
    open.complete();
}
