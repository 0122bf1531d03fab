//! Where fetches go, chosen at run time: [`Via`] names it, [`Source`] is it.

use std::{future::Future, net::SocketAddr, num::NonZeroUsize, time::Duration};

use chain_contract::Runtime;
use chain_core::{DataSource, FetchError, InMemorySource, OrderId, User, UserId};
use futures::future::Either;

use crate::HttpSource;

/// Where the fetches of a chain or fan-out go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Via {
    /// The in-memory source, each fetch sleeping `latency` on the runtime's timer.
    Memory {
        /// Simulated latency of each fetch; zero for no wait at all.
        latency: Duration,
    },
    /// An [`HttpSource`] to the record service at `address`.
    Http {
        /// The service's address.
        address: SocketAddr,
        /// The most connections open at once.
        connections: NonZeroUsize,
        /// The time limit of each request (and of its wait for a connection).
        timeout: Duration,
    },
}

impl Via {
    /// The in-memory source without latency: the pure cost of the pattern.
    pub const MEMORY: Via = Via::Memory { latency: Duration::ZERO };

    /// The source this names, on `rt`.
    pub fn source<R: Runtime>(self, rt: &R) -> Source<R> {
        match self {
            Via::Memory { latency } => {
                Source::Memory(InMemorySource::new(rt.timer()).with_latency(latency))
            }
            Via::Http { address, connections, timeout } => Source::Http(
                HttpSource::new(rt, address).with_connections(connections).with_timeout(timeout),
            ),
        }
    }
}

/// A source of either kind, built: what [`Via::source`] returns. Each fetch goes to
/// the one it holds (a branch per fetch, no box); a measurement that must not pay
/// even that matches on it once and runs on the source inside.
#[derive(Clone)]
pub enum Source<R: Runtime> {
    /// The article's data in memory.
    Memory(InMemorySource<R::Timer>),
    /// A record service over HTTP.
    Http(HttpSource<R>),
}

impl<R: Runtime> DataSource for Source<R> {
    fn fetch_user(&self, user_id: UserId) -> impl Future<Output = Result<User, FetchError>> + Send {
        match self {
            Source::Memory(source) => Either::Left(source.fetch_user(user_id)),
            Source::Http(source) => Either::Right(source.fetch_user(user_id)),
        }
    }

    fn fetch_orders(
        &self,
        user_id: UserId,
    ) -> impl Future<Output = Result<Vec<OrderId>, FetchError>> + Send {
        match self {
            Source::Memory(source) => Either::Left(source.fetch_orders(user_id)),
            Source::Http(source) => Either::Right(source.fetch_orders(user_id)),
        }
    }

    fn for_shard(&self, shard: usize, shards: NonZeroUsize) -> Self {
        match self {
            Source::Memory(source) => Source::Memory(source.for_shard(shard, shards)),
            Source::Http(source) => Source::Http(source.for_shard(shard, shards)),
        }
    }

    fn for_copy(&self, copy: u32) -> Self {
        match self {
            Source::Memory(source) => Source::Memory(source.for_copy(copy)),
            Source::Http(source) => Source::Http(source.for_copy(copy)),
        }
    }
}
