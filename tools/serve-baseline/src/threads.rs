//! The article's claim on the server side: OS threads and blocking I/O on std::net
//! instead of an event loop, through tiny_http. tiny_http reads each connection on a
//! thread of its own and queues its requests; `threads` handler threads take them
//! from the queue, answer, and write the answer on the connection themselves.
//!
//! (astra, which drives hyper itself from blocking threads, was tried first: its
//! reactor loses wakeups, registering a connection with epoll before it can route
//! the connection's events, and a connection whose request arrives in between waits
//! for ever, about one in fifty on this machine.)

use std::{
    net::SocketAddr,
    num::NonZeroUsize,
    sync::{Arc, mpsc},
    thread,
    time::Duration,
};

use chain_core::{User, UserId, UserWithOrders, model::article_orders};
use chain_http::gateway::route::{Asked, admit, json};
use futures::FutureExt;
use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use tiny_http::{Header, Request, Response, Server};

use crate::{Limits, announce, listen};

/// Serves on `address` with `threads` handler threads, until the process is stopped.
pub fn serve(address: SocketAddr, threads: NonZeroUsize, limits: Limits) -> Result<(), String> {
    let listener = listen(address, NonZeroUsize::MIN)?.remove(0);
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let server = Server::from_listener(listener, None).map_err(|e| format!("tiny_http: {e}"))?;
    let (server, limits) = (Arc::new(server), Arc::new(limits));
    let what =
        format!("threads (tiny_http): a thread per connection reading, {threads} handler threads");
    announce(address, &what);
    // The first handler to fail says why; tiny_http then no longer accepts.
    let (failed, failure) = mpsc::channel();
    for _ in 0..threads.get() {
        let (server, limits, failed) = (server.clone(), limits.clone(), failed.clone());
        thread::Builder::new()
            .stack_size(HANDLER_STACK)
            .spawn(move || failed.send(handle(&server, &limits)))
            .map_err(|e| format!("cannot start a handler thread: {e}"))?;
    }
    failure.recv().unwrap_or_else(|_| Err("every handler thread ended".to_owned()))
}

/// A handler thread's stack: the handler needs little, and 10,000 connections with
/// the default 2 MiB each would reserve 20 GiB of address space.
const HANDLER_STACK: usize = 256 * 1024;

/// Answers requests from the queue until the server fails (tiny_http stops
/// accepting at the first error, such as running out of descriptors: it takes two
/// for each connection, a socket and its duplicate).
fn handle(server: &Server, limits: &Limits) -> Result<(), String> {
    loop {
        let request = server.recv().map_err(|e| format!("tiny_http stopped accepting: {e}"))?;
        let answer = respond(&request, limits);
        // A client gone is its connection's business, not the server's.
        let _ = request.respond(answer);
    }
}

fn respond(request: &Request, limits: &Limits) -> Response<std::io::Cursor<Vec<u8>>> {
    let url = request.url();
    let (path, query) = url.split_once('?').map_or((url, None), |(path, q)| (path, Some(q)));
    let (method, max) = (request.method().to_string(), limits.max_in_flight);
    let answer = match admit(&method, path, query, &limits.in_flight, max) {
        Ok((Asked::One(user), _slot)) => {
            json(StatusCode::OK, serde_json::to_vec(&chain(user, limits.latency)))
        }
        Ok((Asked::Batch(users), _slot)) => {
            json(StatusCode::OK, serde_json::to_vec(&batch(&users, limits.latency)))
        }
        Err(refused) => refused,
    };
    tiny(answer)
}

/// Every user's chain at once, in the order asked: each on a thread of its own, the
/// blocking way to wait for them together (one after another with no latency).
fn batch(users: &[UserId], latency: Duration) -> Vec<UserWithOrders> {
    if latency.is_zero() {
        return users.iter().map(|&user| chain(user, latency)).collect();
    }
    thread::scope(|scope| {
        let chains: Vec<_> =
            users.iter().map(|&user| scope.spawn(move || chain(user, latency))).collect();
        chains.into_iter().map(|chain| chain.join().expect("a fetch does not panic")).collect()
    })
}

/// The gateway's answer as tiny_http's.
fn tiny(answer: hyper::Response<Full<bytes::Bytes>>) -> Response<std::io::Cursor<Vec<u8>>> {
    let (parts, body) = answer.into_parts();
    let body = body.collect().now_or_never().expect("a full body is ready").expect("infallible");
    let mut response =
        Response::from_data(body.to_bytes().to_vec()).with_status_code(parts.status.as_u16());
    for (name, value) in &parts.headers {
        let header = Header::from_bytes(name.as_str(), value.as_bytes());
        response.add_header(header.expect("the gateway's headers are ascii"));
    }
    response
}

/// The article's two fetches at once: the orders on a thread of their own while this
/// one fetches the user. With no latency there is nothing to overlap, and a thread
/// would only add its start, so both are fetched here, one after the other. A
/// blocking fetch cannot be abandoned, so no time limit applies (a latency below
/// the gateway's 10 s never reaches it).
fn chain(user: UserId, latency: Duration) -> UserWithOrders {
    if latency.is_zero() {
        return UserWithOrders { user: User::new(user), orders: article_orders(user).to_vec() };
    }
    thread::scope(|scope| {
        let orders = scope.spawn(|| {
            thread::sleep(latency);
            article_orders(user).to_vec()
        });
        thread::sleep(latency);
        UserWithOrders {
            user: User::new(user),
            orders: orders.join().expect("a fetch does not panic"),
        }
    })
}
