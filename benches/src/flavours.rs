//! The runtime flavours under test, by name, and a way to run generic code on each.

use std::{io, num::NonZeroUsize};

use chain_contract::{Launch, Scheduling};
use runtime_async_std::AsyncStdRuntime;
use runtime_compio::CompioRuntime;
use runtime_futures::FuturesRuntime;
use runtime_monoio::MonoioRuntime;
use runtime_smol::SmolRuntime;
use runtime_tokio::TokioRuntime;

/// One runtime in one configuration: a member of every benchmark group.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Flavour {
    /// tokio's current-thread runtime.
    TokioCurrentThread,
    /// tokio's multi-thread runtime.
    TokioMultiThread,
    /// smol's executor, run by the thread in `block_on` only.
    SmolCurrentThread,
    /// smol's executor, run by N threads.
    SmolMultiThread,
    /// async-std's global pool (multi-thread).
    AsyncStd,
    /// The futures crate's `ThreadPool`, with async-io's timer and reactor.
    FuturesThreadPool,
    /// The futures crate's `LocalPool` on the thread in `block_on`.
    FuturesLocalPool,
    /// compio on the thread in `block_on`.
    CompioCurrentThread,
    /// compio, one runtime per thread on N threads.
    CompioThreadPerCore,
    /// monoio on the thread in `block_on`.
    MonoioCurrentThread,
    /// monoio, one runtime per thread on N threads.
    MonoioThreadPerCore,
}

/// Generic code to run on whichever runtime a [`Flavour`] names.
pub trait Visitor {
    /// What the code returns.
    type Output;
    /// Runs on `rt`.
    fn visit<R: Launch>(self, rt: R) -> Self::Output;
}

impl Flavour {
    /// Every flavour, single-threaded ones first.
    pub const ALL: [Flavour; 11] = [
        Flavour::TokioCurrentThread,
        Flavour::SmolCurrentThread,
        Flavour::FuturesLocalPool,
        Flavour::CompioCurrentThread,
        Flavour::MonoioCurrentThread,
        Flavour::TokioMultiThread,
        Flavour::SmolMultiThread,
        Flavour::AsyncStd,
        Flavour::FuturesThreadPool,
        Flavour::CompioThreadPerCore,
        Flavour::MonoioThreadPerCore,
    ];

    /// Every runtime crate, once, in the order of [`Flavour::ALL`]: the versions
    /// printed with every result.
    pub fn runtimes() -> Vec<&'static str> {
        let mut runtimes: Vec<&'static str> = Vec::new();
        for runtime in Flavour::ALL.map(Flavour::runtime) {
            if !runtimes.contains(&runtime) {
                runtimes.push(runtime);
            }
        }
        runtimes
    }

    /// The name in tables, charts and benchmark ids.
    pub fn label(self) -> &'static str {
        match self {
            Flavour::TokioCurrentThread => "tokio-current-thread",
            Flavour::TokioMultiThread => "tokio-multi-thread",
            Flavour::SmolCurrentThread => "smol-current-thread",
            Flavour::SmolMultiThread => "smol-multi-thread",
            Flavour::AsyncStd => "async-std",
            Flavour::FuturesThreadPool => "futures-thread-pool",
            Flavour::FuturesLocalPool => "futures-local-pool",
            Flavour::CompioCurrentThread => "compio-current-thread",
            Flavour::CompioThreadPerCore => "compio-thread-per-core",
            Flavour::MonoioCurrentThread => "monoio-current-thread",
            Flavour::MonoioThreadPerCore => "monoio-thread-per-core",
        }
    }

    /// The runtime crate (as named in `Cargo.lock`).
    pub fn runtime(self) -> &'static str {
        match self {
            Flavour::TokioCurrentThread | Flavour::TokioMultiThread => "tokio",
            Flavour::SmolCurrentThread | Flavour::SmolMultiThread => "smol",
            Flavour::AsyncStd => "async-std",
            Flavour::FuturesThreadPool | Flavour::FuturesLocalPool => "futures-executor",
            Flavour::CompioCurrentThread | Flavour::CompioThreadPerCore => "compio",
            Flavour::MonoioCurrentThread | Flavour::MonoioThreadPerCore => "monoio",
        }
    }

    /// How it schedules tasks: a match that a new flavour cannot pass unnoticed.
    pub fn scheduling(self) -> Scheduling {
        use Flavour::*;
        match self {
            TokioCurrentThread | SmolCurrentThread | FuturesLocalPool | CompioCurrentThread
            | MonoioCurrentThread => Scheduling::CurrentThread,
            TokioMultiThread | SmolMultiThread | AsyncStd | FuturesThreadPool => {
                Scheduling::MultiThread
            }
            CompioThreadPerCore | MonoioThreadPerCore => Scheduling::ThreadPerCore,
        }
    }

    /// Whether it runs tasks on several threads: a pool of workers, or a runtime
    /// per thread. Compared only with its kind, at equal workers: thread-per-core
    /// and multi-thread are two answers to one question, how to use N cores.
    pub fn is_multi_thread(self) -> bool {
        self.scheduling() != Scheduling::CurrentThread
    }

    /// Whether the overhead cases have a native twin for it: not for thread-per-core,
    /// whose fan-out deals users among shards, which neither runtime's own API does;
    /// the contract's cost on one of its shards is its current-thread flavour's.
    pub fn has_native_twin(self) -> bool {
        self.scheduling() != Scheduling::ThreadPerCore
    }

    /// Whether `serve-baseline native` serves it: hyper on the runtime's own listener,
    /// through its own project's hyper glue where it needs one (compio's cyper-core,
    /// monoio's monoio-compat). Not the futures executors: they have no listener of
    /// their own (theirs is async-io's, smol's).
    pub fn has_native_server(self) -> bool {
        !matches!(self.runtime(), "futures-executor")
    }

    /// The package whose binary runs it (`runtime-tokio serve`, ...).
    pub fn package(self) -> &'static str {
        use Flavour::*;
        match self {
            TokioCurrentThread | TokioMultiThread => "runtime-tokio",
            SmolCurrentThread | SmolMultiThread => "runtime-smol",
            AsyncStd => "runtime-async-std",
            FuturesThreadPool | FuturesLocalPool => "runtime-futures",
            CompioCurrentThread | CompioThreadPerCore => "runtime-compio",
            MonoioCurrentThread | MonoioThreadPerCore => "runtime-monoio",
        }
    }

    /// Builds the runtime (`workers` is ignored by single-threaded flavours) and runs
    /// `visitor` on it; the runtime is dropped when the visitor returns.
    ///
    /// # Errors
    ///
    /// The runtime could not be built (threads; async-std already sized otherwise).
    pub fn visit<V: Visitor>(self, workers: NonZeroUsize, visitor: V) -> io::Result<V::Output> {
        use Flavour::*;
        Ok(match self {
            TokioCurrentThread | TokioMultiThread => {
                visitor.visit(self.launch::<TokioRuntime>(workers)?)
            }
            SmolCurrentThread | SmolMultiThread => {
                visitor.visit(self.launch::<SmolRuntime>(workers)?)
            }
            AsyncStd => visitor.visit(self.launch::<AsyncStdRuntime>(workers)?),
            FuturesThreadPool | FuturesLocalPool => {
                visitor.visit(self.launch::<FuturesRuntime>(workers)?)
            }
            CompioCurrentThread | CompioThreadPerCore => {
                visitor.visit(self.launch::<CompioRuntime>(workers)?)
            }
            MonoioCurrentThread | MonoioThreadPerCore => {
                visitor.visit(self.launch::<MonoioRuntime>(workers)?)
            }
        })
    }

    /// Starts runtime `L` in this flavour's scheduling (`workers` only counts for a
    /// flavour with several threads). `L` must be this flavour's runtime crate.
    ///
    /// # Errors
    ///
    /// The runtime could not be built.
    pub fn launch<L: Launch>(self, workers: NonZeroUsize) -> io::Result<L> {
        let workers = if self.is_multi_thread() { workers } else { NonZeroUsize::MIN };
        L::launch(self.scheduling(), workers)
    }
}

impl std::fmt::Display for Flavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    #[test]
    fn every_flavour_is_listed_once_in_all() {
        let mut listed = Flavour::ALL.to_vec();
        listed.sort_by_key(|f| f.label());
        listed.dedup();
        let mut declared = Flavour::value_variants().to_vec();
        declared.sort_by_key(|f| f.label());
        assert_eq!(listed, declared);
    }

    #[test]
    fn single_threaded_flavours_come_first_in_all() {
        let kinds = Flavour::ALL.map(Flavour::is_multi_thread);
        assert!(kinds.is_sorted(), "{:?}", Flavour::ALL);
    }
}
