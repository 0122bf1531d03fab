//! [`GatewayStats`]: what a running gateway holds and has answered, readable from any
//! thread while it serves.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering::Relaxed},
};

use chain_lab::{Counters, Gauge};

/// The statuses the gateway's handler answers with, in the order
/// [`GatewayStats::answered`] lists them. (A request hyper cannot parse gets its
/// answer from hyper, before any handler runs: [`GatewayStats::malformed`].)
pub const STATUSES: [u16; 7] = [200, 400, 404, 405, 502, 503, 504];

/// Live counts of a gateway: its connections, its requests and their fetches, and
/// its answers by status. Shared by every shard of a thread-per-core runtime.
#[derive(Debug)]
pub struct GatewayStats {
    pub(super) connections: Gauge,
    pub(super) requests: Gauge,
    pub(super) fetches: Arc<Counters>,
    answered: [AtomicU64; STATUSES.len()],
    malformed: AtomicU64,
}

impl GatewayStats {
    /// Counts with the fetches counted by `fetches` (an [`Instrumented`](chain_lab::Instrumented) source's).
    pub(super) fn new(fetches: Arc<Counters>) -> Self {
        GatewayStats {
            connections: Gauge::default(),
            requests: Gauge::default(),
            fetches,
            answered: Default::default(),
            malformed: AtomicU64::new(0),
        }
    }

    /// Connections: open now (`live`), accepted (`started`), closed by either side
    /// (`completed`), and cut off when a shutdown's grace period ran out (`cancelled`).
    pub fn connections(&self) -> &Gauge {
        &self.connections
    }

    /// Requests that reached the handler: being answered now (`live`), answered
    /// (`completed`), and abandoned before their answer because the client went away
    /// or the grace period ran out (`cancelled`). Requests refused with 503 count too.
    pub fn requests(&self) -> &Gauge {
        &self.requests
    }

    /// The fetches made for the requests, of either kind: a request whose client goes
    /// away mid-answer takes its fetches with it, so `live` falls back to 0.
    pub fn fetches(&self) -> &Gauge {
        self.fetches.all()
    }

    /// How many answers had each status of [`STATUSES`], in that order.
    pub fn answered(&self) -> [(u16, u64); STATUSES.len()] {
        std::array::from_fn(|i| (STATUSES[i], self.answered[i].load(Relaxed)))
    }

    /// How many answers had `status` (0 for one the handler never gives).
    pub fn answered_with(&self, status: u16) -> u64 {
        STATUSES.iter().position(|s| *s == status).map_or(0, |i| self.answered[i].load(Relaxed))
    }

    /// Requests hyper could not parse: it answers them itself (400, or 414 or 431 for
    /// a head too long), no handler runs, and their connections close. So a tally of
    /// [`GatewayStats::answered`] and these misses no answer the gateway gave.
    pub fn malformed(&self) -> u64 {
        self.malformed.load(Relaxed)
    }

    pub(super) fn count_malformed(&self) {
        self.malformed.fetch_add(1, Relaxed);
    }

    pub(super) fn answer(&self, status: u16) {
        if let Some(i) = STATUSES.iter().position(|s| *s == status) {
            self.answered[i].fetch_add(1, Relaxed);
        }
    }
}
