//! What the `futures-io` adapters cost compio and monoio: the same HTTP/1.1 GETs to
//! the record service over loopback, through the stream the contract hands out
//! (`Runtime::connect`: compio's `AsyncStream`, which copies through a buffer of its
//! own, and monoio's readiness-style `into_poll_io` stream under tokio-util's compat),
//! against the runtime's own owned-buffer I/O (on io_uring, the buffer itself is
//! handed to the kernel and back).
//!
//! Each way keeps C keep-alive connections, each sending `GET /users/{id}` one at a
//! time, reads each answer whole (its head, then Content-Length bytes) and checks it
//! is the user asked for. Not hyper: both ways parse the same few bytes, so what
//! differs is the I/O path alone. The batches of the two ways alternate, on a
//! current-thread runtime whose driver the header names.
//!
//! `cargo run --release -p benches --example adapter_cost [REQUESTS]`

use std::{
    io,
    net::SocketAddr,
    time::{Duration, Instant},
};

use chain_contract::Launch;
use futures::{
    AsyncReadExt, AsyncWriteExt,
    future::{LocalBoxFuture, join_all},
};
use record_service::RecordService;
use record_service::ServiceConfig;
use runtime_compio::{CompioLoop, CompioRuntime};
use runtime_monoio::{MonoioLoop, MonoioRuntime};

/// Connections each way; each sends its share of the requests one after another.
const CONNECTIONS: [usize; 2] = [1, 50];
/// Timed batches per way, alternating with the other way's.
const BATCHES: usize = 5;
/// The most bytes one read takes.
const READ_SIZE: usize = 4096;

fn main() -> io::Result<()> {
    let requests: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let service = RecordService::start(ServiceConfig::default())?;
    let address = service.address();
    println!(
        "{requests} GETs per batch to the record service on loopback, median of {BATCHES} batches each way"
    );
    let compio = CompioRuntime::current_thread(CompioLoop::default())?;
    compare(&compio, requests, |c| Box::pin(compio_own(address, c)), address)?;
    let monoio = MonoioRuntime::current_thread(MonoioLoop::default())?;
    compare(&monoio, requests, |c| Box::pin(monoio_own(address, c)), address)
}

/// Connects the given number of streams with the runtime's own I/O.
type Own = LocalBoxFuture<'static, io::Result<Vec<OwnStream>>>;

/// A connection of the runtime's own kind.
enum OwnStream {
    Compio(compio::net::TcpStream),
    Monoio(monoio::net::TcpStream),
}

/// Times both ways on `rt` at each connection count, and prints them.
fn compare<R: Launch>(
    rt: &R,
    requests: usize,
    own: impl Fn(usize) -> Own,
    address: SocketAddr,
) -> io::Result<()> {
    let info = rt.info();
    let version = chain_cli::versions::locked_version(info.runtime).unwrap_or("unknown");
    println!("{} {version}, {}, I/O: {}", info.runtime, info.flavour, info.io);
    for connections in CONNECTIONS {
        let per_connection = requests / connections;
        let (adapted, native) = rt.block_on(async {
            let mut adapted = Vec::with_capacity(connections);
            for _ in 0..connections {
                adapted.push(rt.connect(address).await?);
            }
            let mut native = own(connections).await?;
            // One warm-up batch each, then the timed ones, alternating.
            let (mut through, mut direct) = (Vec::new(), Vec::new());
            for batch in 0..=BATCHES {
                let start = Instant::now();
                join_all(adapted.iter_mut().map(|s| adapter_gets(s, per_connection)))
                    .await
                    .into_iter()
                    .collect::<io::Result<()>>()?;
                let adapter_took = start.elapsed();
                let start = Instant::now();
                join_all(native.iter_mut().map(|s| own_gets(s, per_connection)))
                    .await
                    .into_iter()
                    .collect::<io::Result<()>>()?;
                if batch > 0 {
                    through.push(adapter_took);
                    direct.push(start.elapsed());
                }
            }
            Ok::<_, io::Error>((median(through), median(direct)))
        })?;
        let per = |took: Duration| took / (per_connection * connections) as u32;
        println!(
            "  {connections:>2} connection{}: through the adapter {:>9} per GET, own owned-buffer I/O {:>9}: adapter / own {:.2}",
            if connections == 1 { " " } else { "s" },
            chain_core::readable::duration(per(adapted)),
            chain_core::readable::duration(per(native)),
            adapted.as_secs_f64() / native.as_secs_f64(),
        );
    }
    Ok(())
}

fn median(mut took: Vec<Duration>) -> Duration {
    took.sort();
    took[took.len() / 2]
}

/// The request for user `id`, the same bytes both ways.
fn request(id: usize) -> Vec<u8> {
    format!("GET /users/{id} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").into_bytes()
}

/// The length of the whole answer at the start of `bytes`, once all of it is there.
fn answer_length(bytes: &[u8]) -> Option<usize> {
    let head = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = std::str::from_utf8(&bytes[..head]).ok()?;
    let length: usize = text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
    })?;
    Some(head + length).filter(|&whole| bytes.len() >= whole)
}

/// Fails unless `answer` is a 200 naming user `id`.
fn check(answer: &[u8], id: usize) -> io::Result<()> {
    let text = String::from_utf8_lossy(answer);
    let named = text.contains(&format!("\"user-{id}\""));
    match text.starts_with("HTTP/1.1 200") && named {
        true => Ok(()),
        false => Err(io::Error::other(format!("not user {id}'s answer: {text}"))),
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the service closed the connection")
}

/// `n` GETs, one after another, through the contract's `futures-io` stream.
async fn adapter_gets(
    stream: &mut (impl futures::AsyncRead + futures::AsyncWrite + Unpin),
    n: usize,
) -> io::Result<()> {
    let (mut answer, mut chunk) = (Vec::new(), vec![0; READ_SIZE]);
    for id in 1..=n {
        // compio's adapter writes on flush: what it was given waits in its buffer.
        stream.write_all(&request(id)).await?;
        stream.flush().await?;
        answer.clear();
        while answer_length(&answer).is_none() {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Err(closed());
            }
            answer.extend_from_slice(&chunk[..read]);
        }
        check(&answer, id)?;
    }
    Ok(())
}

/// `n` GETs, one after another, with the runtime's own owned-buffer I/O.
async fn own_gets(stream: &mut OwnStream, n: usize) -> io::Result<()> {
    let (mut answer, mut chunk) = (Vec::new(), Vec::with_capacity(READ_SIZE));
    for id in 1..=n {
        write_own(stream, request(id)).await?;
        answer.clear();
        while answer_length(&answer).is_none() {
            let read;
            (read, chunk) = read_own(stream, chunk).await;
            if read? == 0 {
                return Err(closed());
            }
            answer.extend_from_slice(&chunk);
        }
        check(&answer, id)?;
    }
    Ok(())
}

async fn write_own(stream: &mut OwnStream, bytes: Vec<u8>) -> io::Result<()> {
    match stream {
        OwnStream::Compio(s) => compio::io::AsyncWriteExt::write_all(s, bytes).await.0,
        OwnStream::Monoio(s) => {
            monoio::io::AsyncWriteRentExt::write_all(s, bytes).await.0.map(drop)
        }
    }
}

/// Reads into the start of `chunk`, which comes back holding what was read.
async fn read_own(stream: &mut OwnStream, chunk: Vec<u8>) -> (io::Result<usize>, Vec<u8>) {
    match stream {
        OwnStream::Compio(s) => compio::io::AsyncRead::read(s, chunk).await.into(),
        OwnStream::Monoio(s) => monoio::io::AsyncReadRent::read(s, chunk).await,
    }
}

async fn compio_own(address: SocketAddr, connections: usize) -> io::Result<Vec<OwnStream>> {
    let mut streams = Vec::with_capacity(connections);
    for _ in 0..connections {
        let stream = compio::net::TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        streams.push(OwnStream::Compio(stream));
    }
    Ok(streams)
}

async fn monoio_own(address: SocketAddr, connections: usize) -> io::Result<Vec<OwnStream>> {
    let mut streams = Vec::with_capacity(connections);
    for _ in 0..connections {
        let stream = monoio::net::TcpStream::connect_addr(address).await?;
        stream.set_nodelay(true)?;
        streams.push(OwnStream::Monoio(stream));
    }
    Ok(streams)
}
