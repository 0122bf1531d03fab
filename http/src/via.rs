//! Where fetches go, chosen at run time ([`Via`]), and the work run on that source
//! with any faults injected ([`Source::visit`]): the pipeline the command line and
//! the benchmarks share.

use std::{net::SocketAddr, num::NonZeroUsize, time::Duration};

use crate::HttpSource;
use chain_contract::Runtime;
use chain_core::InMemorySource;
use chain_lab::{FaultPlan, SourceVisitor, with_faults};

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

/// A source of either kind, built: what [`Via::source`] returns.
#[derive(Clone)]
pub enum Source<R: Runtime> {
    /// The article's data in memory.
    Memory(InMemorySource<R::Timer>),
    /// A record service over HTTP.
    Http(HttpSource<R>),
}

impl<R: Runtime> Source<R> {
    /// Runs `visitor` on this source, with `faults` injected as [`with_faults`] does
    /// (nothing added without them): statically dispatched code for each kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_contract::{Launch, Runtime};
    /// use chain_core::DataSource;
    /// use chain_lab::SourceVisitor;
    /// use chain_http::Via;
    ///
    /// struct FirstUser;
    /// impl SourceVisitor for FirstUser {
    ///     type Output = bool; // whether fetching user 1 succeeded
    ///     fn visit<S: DataSource + Clone + 'static>(self, source: S) -> bool {
    ///         runtime_smol::SmolRuntime::current_thread().block_on(source.fetch_user(1)).is_ok()
    ///     }
    /// }
    ///
    /// let rt = runtime_smol::SmolRuntime::current_thread();
    /// assert!(Via::MEMORY.source(&rt).visit(&rt, None, FirstUser));
    /// ```
    pub fn visit<V: SourceVisitor>(
        self,
        rt: &R,
        faults: Option<(FaultPlan, Duration)>,
        visitor: V,
    ) -> V::Output {
        match self {
            Source::Memory(source) => with_faults(rt, source, faults, visitor),
            Source::Http(source) => with_faults(rt, source, faults, visitor),
        }
    }
}
