//! hyper on the thread-per-core runtimes (tokio's `LocalRuntime`; compio and monoio,
//! each through its own project's hyper glue: compio's cyper-core, monoio's
//! monoio-compat): a runtime per thread, each with its
//! own accept loop on the shared port (`SO_REUSEPORT`), as the gateway runs them.

use std::{
    convert::Infallible,
    net::{SocketAddr, TcpListener},
    num::NonZeroUsize,
    sync::{Arc, mpsc},
    thread,
};

use benches::Flavour;
use chain_contract::Driver;
use hyper::{server::conn::http1, service::service_fn};

use crate::{HEADER_TIMEOUT, Limits, announce, listen, route::respond};

/// One shard: a runtime on the calling thread, on the driver asked for, accepting on its listener until it fails.
pub type Shard = fn(Driver, TcpListener, Arc<Limits>, &Started) -> Result<(), String>;

/// The shard of `flavour`'s runtime, if it is one served here (tokio's
/// `LocalRuntime`, compio, monoio).
pub fn shard(flavour: Flavour) -> Option<Shard> {
    match flavour {
        Flavour::TokioLocalCurrentThread | Flavour::TokioThreadPerCore => Some(tokio_shard),
        _ if flavour.runtime() == "compio" => Some(compio_shard),
        _ if flavour.runtime() == "monoio" => Some(monoio_shard),
        _ => None,
    }
}

/// Serves on `address` with `flavour`'s `shard` on `shards` threads (one for a
/// current-thread flavour), until the process is stopped.
pub fn serve(
    address: SocketAddr,
    flavour: Flavour,
    shard: Shard,
    shards: NonZeroUsize,
    limits: Limits,
) -> Result<(), String> {
    let listeners = listen(address, shards)?;
    let address = listeners[0].local_addr().map_err(|e| e.to_string())?;
    let limits = Arc::new(limits);
    let (started, driver) = mpsc::channel();
    for listener in listeners {
        let (limits, started) = (limits.clone(), started.clone());
        let run = move || {
            let started = Started(started);
            let ended = shard(flavour.driver(), listener, limits, &started);
            if let Err(e) = &ended {
                let _ = started.0.send(Err(e.clone()));
            }
            ended
        };
        thread::Builder::new().spawn(run).map_err(|e| e.to_string())?;
    }
    drop(started);
    // Every shard names the driver its runtime got before the address is announced.
    let mut drivers = Vec::new();
    for _ in 0..shards.get() {
        drivers.push(driver.recv().map_err(|_| "a shard stopped before it started")??);
    }
    drivers.sort_unstable();
    drivers.dedup();
    let what = format!(
        "native hyper on {flavour} ({shards} thread(s), {}), an accept loop per thread, \
         a task per connection",
        drivers.join(" and ")
    );
    announce(address, &what);
    // A shard returns only when it fails; the first to fail stops the process.
    match driver.recv() {
        Ok(failed) => failed.map(drop),
        Err(_) => Err("every shard stopped".to_owned()),
    }
}

/// How a shard says which I/O driver its runtime got, or why it did not start.
pub struct Started(mpsc::Sender<Result<&'static str, String>>);

impl Started {
    fn on(&self, driver: &'static str) {
        let _ = self.0.send(Ok(driver));
    }
}

/// One tokio `LocalRuntime` (its driver is epoll), accepting on `listener` as tokio's
/// other runtime does.
fn tokio_shard(
    _: Driver,
    listener: TcpListener,
    limits: Arc<Limits>,
    started: &Started,
) -> Result<(), String> {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    let built = builder.enable_all().build_local(tokio::runtime::LocalOptions::default());
    let runtime = built.map_err(|e| format!("cannot start tokio: {e}"))?;
    started.on("epoll");
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        crate::tokio_accept::accept(listener, limits).await
    })
}

/// One compio runtime on epoll, or on io_uring where the kernel allows it (else
/// epoll: compio's default), accepting on `listener`.
fn compio_shard(
    driver: Driver,
    listener: TcpListener,
    limits: Arc<Limits>,
    started: &Started,
) -> Result<(), String> {
    let built = match driver {
        Driver::IoUring => compio::runtime::Runtime::new(),
        Driver::Readiness => {
            let mut proactor = compio::driver::ProactorBuilder::new();
            proactor.driver_type(compio::driver::DriverType::Poll);
            compio::runtime::RuntimeBuilder::new().with_proactor(proactor).build()
        }
    };
    let runtime = built.map_err(|e| format!("cannot start compio: {e}"))?;
    started.on(match runtime.driver_type().is_iouring() {
        true => "io_uring",
        false => "epoll",
    });
    runtime.block_on(async move {
        let listener = compio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        loop {
            let (stream, _) = listener.accept().await.map_err(|e| format!("accept: {e}"))?;
            let _ = stream.set_nodelay(true);
            let limits = limits.clone();
            compio::runtime::spawn(async move {
                let service = service_fn(move |request| {
                    let limits = limits.clone();
                    async move {
                        Ok::<_, Infallible>(respond(&request, &limits, compio::time::sleep).await)
                    }
                });
                let mut builder = http1::Builder::new();
                builder.timer(cyper_core::CompioTimer).header_read_timeout(HEADER_TIMEOUT);
                let stream = cyper_core::HyperStream::new_plain(stream);
                let _ = builder.serve_connection(stream, service).await;
            })
            .detach();
        }
    })
}

/// One monoio runtime with its timer on epoll (its `legacy` driver), or on io_uring
/// where the kernel allows it (else epoll), accepting on `listener`.
fn monoio_shard(
    driver: Driver,
    listener: TcpListener,
    limits: Arc<Limits>,
    started: &Started,
) -> Result<(), String> {
    let built = match driver {
        Driver::IoUring => {
            monoio::RuntimeBuilder::<monoio::FusionDriver>::new().enable_timer().build()
        }
        Driver::Readiness => {
            let legacy = monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().enable_timer();
            legacy.build().map(monoio::FusionRuntime::from)
        }
    };
    let mut runtime = built.map_err(|e| format!("cannot start monoio: {e}"))?;
    let on_io_uring = matches!(runtime, monoio::FusionRuntime::Uring(_));
    started.on(if on_io_uring { "io_uring" } else { "epoll" });
    // The epoll driver needs a non-blocking socket; io_uring does not use the flag.
    listener.set_nonblocking(!on_io_uring).map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = monoio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        loop {
            let (stream, _) = listener.accept().await.map_err(|e| format!("accept: {e}"))?;
            let _ = stream.set_nodelay(true);
            let limits = limits.clone();
            monoio::spawn(async move {
                let service = service_fn(move |request| {
                    let limits = limits.clone();
                    async move {
                        Ok::<_, Infallible>(respond(&request, &limits, monoio::time::sleep).await)
                    }
                });
                let Ok(stream) = monoio::io::IntoPollIo::into_poll_io(stream) else { return };
                let mut builder = http1::Builder::new();
                builder
                    .timer(monoio_compat::hyper::MonoioTimer)
                    .header_read_timeout(HEADER_TIMEOUT);
                let stream = monoio_compat::hyper::MonoioIo::new(stream);
                let _ = builder.serve_connection(stream, service).await;
            });
        }
    })
}
