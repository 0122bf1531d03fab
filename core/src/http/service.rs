//! What a record service is configured with, and the one trait the workspace's
//! service implements, so that tests, benchmarks and binaries start it the same way.

use std::{io, net::SocketAddr, num::NonZeroUsize, time::Duration};

use super::{DEFAULT_USERS, WireFaultPlan};
use crate::UserId;

/// How a record service answers.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// The port on 127.0.0.1; 0 lets the operating system choose one.
    pub port: u16,
    /// How long each answer waits before it is sent: a simulated database.
    pub delay: Duration,
    /// The service knows users 1 to `users`; others get 404.
    pub users: UserId,
    /// Faults injected into answers.
    pub faults: WireFaultPlan,
    /// Threads that run the service, none of them a client runtime's.
    pub threads: NonZeroUsize,
}

impl Default for ServiceConfig {
    /// Any free port, no delay, users 1 to 1,000,000, no faults, one thread (so that
    /// on a small machine the client keeps the other cores).
    fn default() -> Self {
        ServiceConfig {
            port: 0,
            delay: Duration::ZERO,
            users: DEFAULT_USERS,
            faults: WireFaultPlan::none(),
            threads: NonZeroUsize::MIN,
        }
    }
}

/// A running record service, serving the [protocol](super::Route) until dropped.
///
/// The workspace's implementation is the `record-service` crate; core only defines
/// the trait, so that it depends on no runtime.
pub trait Service: Sized + Send + 'static {
    /// Starts serving on threads of its own and returns once it accepts connections.
    ///
    /// # Errors
    ///
    /// The port could not be bound or the threads could not start.
    fn start(config: ServiceConfig) -> io::Result<Self>;

    /// Where it listens.
    fn address(&self) -> SocketAddr;

    /// How many connections it has accepted so far: shows whether clients reuse them.
    fn connections_accepted(&self) -> u64;
}
