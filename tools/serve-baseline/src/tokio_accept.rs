//! tokio's native accept loop: hyper on tokio's own listener, spawn and timer, a
//! task per connection, shared by tokio's work-stealing runtime (`native`) and its
//! `LocalRuntime` per thread (`per_core`).

use std::{convert::Infallible, sync::Arc};

use hyper::{server::conn::http1, service::service_fn};

use crate::{HEADER_TIMEOUT, Limits, route::respond};

/// Accepts on `listener`, a task per connection, on the tokio runtime that polls it
/// (either kind: `tokio::spawn` runs on the current one).
pub async fn accept(listener: tokio::net::TcpListener, limits: Arc<Limits>) -> Result<(), String> {
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| format!("accept: {e}"))?;
        let _ = stream.set_nodelay(true);
        let limits = limits.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let limits = limits.clone();
                async move { Ok::<_, Infallible>(respond(&request, &limits, tokio::time::sleep).await) }
            });
            let mut builder = http1::Builder::new();
            builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
        });
    }
}
