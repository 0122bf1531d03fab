//! [`ServiceConfig`]: how the record service answers.

use std::{
    net::{Ipv4Addr, SocketAddr},
    num::NonZeroUsize,
    time::Duration,
};

use chain_core::UserId;
use chain_http::WireFaultPlan;
use chain_lab::Tail;

/// How a record service answers.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// Where it listens; port 0 lets the operating system choose one.
    pub address: SocketAddr,
    /// How long each answer waits before it is sent: a simulated database.
    pub delay: Duration,
    /// The answers that wait longer: a seeded few wait the tail's slow time in
    /// place of `delay`, the same fetches a client's in-memory tail slows.
    pub tail: Tail,
    /// `None`: every id is a user, as in the article and the in-memory source.
    /// `Some(n)`: the service knows users 1 to `n` only, and answers 404 for others.
    pub users: Option<UserId>,
    /// Faults injected into answers.
    pub faults: WireFaultPlan,
    /// Threads that run the service, none of them a client runtime's.
    pub threads: NonZeroUsize,
}

impl Default for ServiceConfig {
    /// Any free port on 127.0.0.1, no delay and no tail, every id a user, no faults, one thread (so that
    /// on a small machine the client keeps the other cores).
    fn default() -> Self {
        ServiceConfig {
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            delay: Duration::ZERO,
            tail: Tail::NONE,
            users: None,
            faults: WireFaultPlan::none(),
            threads: NonZeroUsize::MIN,
        }
    }
}
