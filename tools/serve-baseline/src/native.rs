//! hyper on each runtime's own listener, spawn, sleep and timer: what a user of that
//! runtime alone writes, so that the gateway's cost of being runtime-agnostic shows
//! as a ratio. The repetition across runtimes is the point.

use std::{
    convert::Infallible, net::SocketAddr, num::NonZeroUsize, sync::Arc, thread, time::Duration,
};

use benches::Flavour;
use hyper::{server::conn::http1, service::service_fn};

use crate::{HEADER_TIMEOUT, Limits, announce, listen, route::respond};

/// Serves on `address` with `flavour`'s runtime, built here with its own API, until
/// the process is stopped.
pub fn serve(
    address: SocketAddr,
    flavour: Flavour,
    workers: NonZeroUsize,
    limits: Limits,
) -> Result<(), String> {
    let workers = if flavour.is_multi_thread() { workers } else { NonZeroUsize::MIN };
    if let Some(shard) = crate::per_core::shard(flavour) {
        return crate::per_core::serve(address, flavour, shard, workers, limits);
    }
    let workers = workers.get();
    let listener = listen(address, NonZeroUsize::MIN)?.remove(0);
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let limits = Arc::new(limits);
    let what = format!("native hyper on {flavour} ({workers} worker(s)), a task per connection");
    let built = |e: std::io::Error| format!("cannot start {flavour}: {e}");
    match flavour {
        Flavour::TokioCurrentThread | Flavour::TokioMultiThread => {
            let runtime = match flavour {
                Flavour::TokioCurrentThread => tokio::runtime::Builder::new_current_thread(),
                _ => {
                    let mut builder = tokio::runtime::Builder::new_multi_thread();
                    builder.worker_threads(workers);
                    builder
                }
            }
            .enable_all()
            .build()
            .map_err(built)?;
            listener.set_nonblocking(true).map_err(built)?;
            announce(address, &what);
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).map_err(built)?;
                let accepting = tokio::spawn(crate::tokio_accept::accept(listener, limits));
                accepting.await.map_err(|e| e.to_string())?
            })
        }
        Flavour::SmolCurrentThread | Flavour::SmolMultiThread => {
            let executor = Arc::new(smol::Executor::new());
            let listener = smol::Async::new(listener).map_err(built)?;
            announce(address, &what);
            let accepting = executor.spawn(smol_accept(listener, executor.clone(), limits));
            if flavour == Flavour::SmolCurrentThread {
                return smol::block_on(executor.run(accepting));
            }
            for _ in 0..workers {
                let executor = executor.clone();
                thread::Builder::new()
                    .spawn(move || smol::block_on(executor.run(futures::future::pending::<()>())))
                    .map_err(built)?;
            }
            smol::block_on(accepting)
        }
        Flavour::AsyncStd => {
            let config = async_global_executor::GlobalExecutorConfig::default()
                .with_min_threads(workers)
                .with_max_threads(workers);
            async_global_executor::init_with_config(config);
            announce(address, &what);
            async_std::task::block_on(async_std_accept(listener.into(), limits))
        }
        other => Err(format!("{other} has no native baseline")),
    }
}

/// smol's sleep, its output dropped.
async fn smol_sleep(duration: Duration) {
    smol::Timer::after(duration).await;
}

async fn smol_accept(
    listener: smol::Async<std::net::TcpListener>,
    executor: Arc<smol::Executor<'static>>,
    limits: Arc<Limits>,
) -> Result<(), String> {
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| format!("accept: {e}"))?;
        let _ = stream.get_ref().set_nodelay(true);
        let limits = limits.clone();
        executor
            .spawn(async move {
                let service = service_fn(move |request| {
                    let limits = limits.clone();
                    async move { Ok::<_, Infallible>(respond(&request, &limits, smol_sleep).await) }
                });
                let mut builder = http1::Builder::new();
                builder.timer(smol_hyper::rt::SmolTimer::new()).header_read_timeout(HEADER_TIMEOUT);
                let _ =
                    builder.serve_connection(smol_hyper::rt::FuturesIo::new(stream), service).await;
            })
            .detach();
    }
}

async fn async_std_accept(
    listener: async_std::net::TcpListener,
    limits: Arc<Limits>,
) -> Result<(), String> {
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| format!("accept: {e}"))?;
        let _ = stream.set_nodelay(true);
        let limits = limits.clone();
        async_std::task::spawn(async move {
            let service = service_fn(move |request| {
                let limits = limits.clone();
                async move {
                    Ok::<_, Infallible>(respond(&request, &limits, async_std::task::sleep).await)
                }
            });
            let mut builder = http1::Builder::new();
            // async-std has no hyper timer of its own; its timers are async-io's, as smol's.
            builder.timer(smol_hyper::rt::SmolTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            let _ = builder.serve_connection(smol_hyper::rt::FuturesIo::new(stream), service).await;
        });
    }
}
