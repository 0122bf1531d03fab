//! [`ServiceConfig`]: how the record service answers.

use std::{num::NonZeroUsize, time::Duration};

use chain_core::UserId;
use chain_http::{DEFAULT_USERS, WireFaultPlan};

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
