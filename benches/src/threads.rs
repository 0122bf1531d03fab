//! The article's claim tested against threads: the same fan-out written with blocking
//! I/O (`std::net`, through ureq's blocking HTTP/1.1 client) and OS threads instead of
//! an event loop, against the same record service.
//!
//! Both baselines share the async source's rules: keep-alive connections, at most
//! `connections` of them open (a counting semaphore around each request, so ureq's
//! idle pool never needs more), and each user's two fetches made at the same time.

use std::{
    net::SocketAddr,
    num::NonZeroUsize,
    sync::{
        Condvar, Mutex,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
    thread,
    time::Duration,
};

use crate::{
    Measurer,
    workloads::{Expect, Sample, check_fan_out},
};
use chain_core::{
    FetchError, FetchErrorKind, Operation, User, UserId, UserResult, UserWithOrders, model::OrderId,
};
use chain_http::Route;
use serde::de::DeserializeOwned;

/// Which way of using threads.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
pub enum Threads {
    /// One OS thread per request, started for it (2 per user).
    #[value(name = "threads-per-request")]
    #[serde(rename = "threads-per-request")]
    PerRequest,
    /// A fixed pool of as many threads as connections (fewer if there are fewer
    /// requests), taking requests from a queue.
    #[value(name = "thread-pool")]
    #[serde(rename = "thread-pool")]
    Pool,
}

impl Threads {
    /// Both baselines.
    pub const ALL: [Threads; 2] = [Threads::PerRequest, Threads::Pool];

    /// How many threads make requests for a fan-out of `users` users: one per
    /// request, or the pool's, one per connection.
    pub fn threads(self, users: usize, connections: usize) -> usize {
        match self {
            Threads::PerRequest => 2 * users,
            Threads::Pool => connections.min(2 * users),
        }
    }

    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Threads::PerRequest => "threads-per-request",
            Threads::Pool => "thread-pool",
        }
    }

    /// Its row's name in compare's tables, which says what its I/O is.
    pub fn row_label(self) -> String {
        format!("{self} (std::net)")
    }
}

impl std::fmt::Display for Threads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A blocking client of the record service, shared by every thread.
pub struct BlockingClient {
    agent: ureq::Agent,
    base: String,
    in_flight: Semaphore,
    workers: usize,
}

impl BlockingClient {
    /// A client of the service at `address` with at most `connections` open, and as
    /// many pool threads; each phase of a request (connect, send, wait for the
    /// answer, read it) is limited to `timeout`.
    pub fn new(address: SocketAddr, connections: NonZeroUsize, timeout: Duration) -> Self {
        let n = connections.get();
        // Per-phase limits, not ureq's global one: with a limit on the name lookup,
        // ureq resolves on a new thread for every request, even for an IP address,
        // which would charge the baselines a thread per request for nothing.
        let limit = Some(timeout);
        let agent = ureq::Agent::config_builder()
            .max_idle_connections(n)
            .max_idle_connections_per_host(n)
            .http_status_as_error(false)
            .timeout_connect(limit)
            .timeout_send_request(limit)
            .timeout_recv_response(limit)
            .timeout_recv_body(limit)
            .build()
            .into();
        BlockingClient {
            agent,
            base: format!("http://{address}"),
            in_flight: Semaphore::new(n),
            workers: n,
        }
    }

    /// Users 1..=`users` chained, all at once, with threads of kind `threads`, in
    /// request order.
    pub fn fan_out(&self, threads: Threads, users: usize) -> Vec<UserResult> {
        let ids = 1..=users as UserId;
        match threads {
            Threads::PerRequest => thread::scope(|scope| {
                let start = |operation, id| {
                    let request = move || match operation {
                        Operation::FetchUser => Fetched::User(self.get_json(operation, id)),
                        _ => Fetched::Orders(self.get_json(operation, id)),
                    };
                    thread::Builder::new()
                        .spawn_scoped(scope, request)
                        .expect("the OS starts a thread")
                };
                let pending: Vec<_> = ids
                    .map(|id| (start(Operation::FetchUser, id), start(Operation::FetchOrders, id)))
                    .collect();
                pending
                    .into_iter()
                    .map(|(user, orders)| {
                        let joined = |handle: thread::ScopedJoinHandle<'_, Fetched>| {
                            handle.join().expect("a request thread panicked")
                        };
                        match (joined(user), joined(orders)) {
                            (Fetched::User(user), Fetched::Orders(orders)) => combine(user, orders),
                            _ => unreachable!("each thread fetches what it was started for"),
                        }
                    })
                    .collect()
            }),
            Threads::Pool => self.pooled(users),
        }
    }

    /// The requests of users 1..=`users` on a fixed pool of `connections` threads,
    /// each taking the next request from a shared counter, as a thread pool's
    /// workers take jobs from its queue. The pool is started for each fan-out (about
    /// 20 us a thread, inside the measurement). A user's two requests are two jobs, so they
    /// run at the same time on two workers.
    fn pooled(&self, users: usize) -> Vec<UserResult> {
        let next = AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<Fetched>>> = (0..2 * users).map(|_| Mutex::new(None)).collect();
        thread::scope(|scope| {
            // Never more workers than jobs: a chain has two.
            for _ in 0..self.workers.min(slots.len()) {
                thread::Builder::new()
                    .spawn_scoped(scope, || {
                        loop {
                            let job = next.fetch_add(1, Relaxed);
                            let Some(slot) = slots.get(job) else { break };
                            let id = (job / 2 + 1) as UserId;
                            let fetched = match job % 2 {
                                0 => Fetched::User(self.get_json(Operation::FetchUser, id)),
                                _ => Fetched::Orders(self.get_json(Operation::FetchOrders, id)),
                            };
                            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(fetched);
                        }
                    })
                    .expect("the OS starts a thread");
            }
        });
        let mut fetched =
            slots.into_iter().map(|slot| slot.into_inner().unwrap_or_else(|e| e.into_inner()));
        (0..users)
            .map(|_| match (fetched.next().flatten(), fetched.next().flatten()) {
                (Some(Fetched::User(user)), Some(Fetched::Orders(orders))) => combine(user, orders),
                _ => unreachable!("every job is done once the workers have stopped"),
            })
            .collect()
    }

    /// One GET, decoded, as a [`FetchError`] naming the user if it fails.
    fn get_json<T: DeserializeOwned>(
        &self,
        operation: Operation,
        user_id: UserId,
    ) -> Result<T, FetchError> {
        let failed = |reason: String| {
            FetchError::from(FetchErrorKind::Failed { user_id, operation, reason })
        };
        let _permit = self.in_flight.acquire();
        let url = format!("{}{}", self.base, Route::new(operation, user_id).path());
        let mut response = self.agent.get(&url).call().map_err(|e| failed(e.to_string()))?;
        if response.status() != 200 {
            return Err(failed(format!("HTTP {}", response.status())));
        }
        let body = response.body_mut().read_to_vec().map_err(|e| failed(e.to_string()))?;
        serde_json::from_slice(&body).map_err(|e| failed(format!("malformed JSON: {e}")))
    }
}

/// What a request thread returns.
enum Fetched {
    User(Result<User, FetchError>),
    Orders(Result<Vec<OrderId>, FetchError>),
}

/// The chain's result from its two fetches: the user's error first, as `try_join`
/// reports the first to fail.
fn combine(user: Result<User, FetchError>, orders: Result<Vec<OrderId>, FetchError>) -> UserResult {
    Ok(UserWithOrders { user: user?, orders: orders? })
}

/// A counting semaphore for threads: at most `n` holders at once.
struct Semaphore {
    available: Mutex<usize>,
    freed: Condvar,
}

struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    fn new(n: usize) -> Self {
        Semaphore { available: Mutex::new(n), freed: Condvar::new() }
    }

    fn acquire(&self) -> Permit<'_> {
        let available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        let mut available =
            self.freed.wait_while(available, |n| *n == 0).unwrap_or_else(|e| e.into_inner());
        *available -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.available.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

/// A [`Measurer`] of a fan-out of users 1..=`users` with `threads`,
/// checked like every workload; the client is built before timing, the threads are
/// started inside it (about 20 us each: part of what threads cost).
pub fn measurer(
    address: SocketAddr,
    connections: NonZeroUsize,
    timeout: Duration,
    threads: Threads,
    users: usize,
) -> Measurer {
    let client = BlockingClient::new(address, connections, timeout);
    Box::new(move |iterations| {
        let start = std::time::Instant::now();
        let mut tally = None;
        for _ in 0..iterations {
            let results = client.fan_out(threads, users);
            tally = Some(check_fan_out(users, &results, Expect::Results));
        }
        Sample { took: start.elapsed(), tally, latencies: None }
    })
}
