//! The runtime flavours under test, by name, and a way to run generic code on each.
//!
//! Every flavour is one line of the one list (the `flavours!` call below), under
//! its glue crate: adding a runtime is its glue crate, a dependency here, and one
//! entry there. The enum, [`Flavour::ALL`], the names, the runtime and package, and
//! the dispatch to generic code ([`Flavour::visit`]) are all made from it; a test
//! checks it against the workspace's `runtime-*` crates and their `Launch::FLAVOURS`.
//! The hand-written native baselines stay per runtime by design: [`crate::native`]'s
//! `prepare` names every flavour, so the compiler asks for a new one's twin (or an
//! arm saying it has none).

use std::{io, num::NonZeroUsize};

use chain_contract::{Driver, Launch, Scheduling};

/// Makes [`Flavour`] and its tables from one list: per glue crate (its package, its
/// [`Launch`] type, and the runtime crate as named in `Cargo.lock`), each flavour it
/// offers (the variant, its name, its [`Scheduling`]).
macro_rules! flavours {
    ($(
        $package:literal => $glue:path, $runtime:literal: {
            $( $(#[doc = $doc:literal])* $variant:ident = $label:literal, $scheduling:ident, $driver:ident; )+
        }
    )+) => {
        /// One runtime in one configuration: a member of every benchmark group.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(rename_all = "kebab-case")]
        pub enum Flavour {
            $($( $(#[doc = $doc])* $variant, )+)+
        }

        impl Flavour {
            /// Every flavour in the order of the list.
            const LISTED: [Flavour; [$($(stringify!($variant),)+)+].len()] =
                [$($(Flavour::$variant,)+)+];

            /// The name in tables, charts and benchmark ids.
            pub const fn label(self) -> &'static str {
                match self {
                    $($( Flavour::$variant => $label, )+)+
                }
            }

            /// The runtime crate (as named in `Cargo.lock`).
            pub const fn runtime(self) -> &'static str {
                match self {
                    $( $( Flavour::$variant )|+ => $runtime, )+
                }
            }

            /// How it schedules tasks.
            pub const fn scheduling(self) -> Scheduling {
                match self {
                    $($( Flavour::$variant => Scheduling::$scheduling, )+)+
                }
            }

            /// The I/O driver it is launched on (`--driver`).
            pub const fn driver(self) -> Driver {
                match self {
                    $($( Flavour::$variant => Driver::$driver, )+)+
                }
            }

            /// The package whose binary runs it (`runtime-tokio serve`, ...).
            pub const fn package(self) -> &'static str {
                match self {
                    $( $( Flavour::$variant )|+ => $package, )+
                }
            }

            /// Builds the runtime (`workers` is ignored by single-threaded flavours) and
            /// runs `visitor` on it; the runtime is dropped when the visitor returns.
            ///
            /// # Errors
            ///
            /// The runtime could not be built (threads; async-std already sized otherwise).
            pub fn visit<V: Visitor>(self, workers: NonZeroUsize, visitor: V) -> io::Result<V::Output> {
                Ok(match self {
                    $( $( Flavour::$variant )|+ => visitor.visit(self.launch::<$glue>(workers)?), )+
                })
            }

            /// Every glue crate of the list: its package, and the flavours and
            /// drivers its [`Launch`] offers.
            pub fn glues() -> Vec<(&'static str, &'static [Scheduling], &'static [Driver])> {
                vec![$( ($package, <$glue as Launch>::FLAVOURS, <$glue as Launch>::DRIVERS), )+]
            }
        }
    };
}

flavours! {
    "runtime-tokio" => runtime_tokio::TokioRuntime, "tokio": {
        /// tokio's current-thread runtime.
        TokioCurrentThread = "tokio-current-thread", CurrentThread, Readiness;
        /// tokio's multi-thread runtime.
        TokioMultiThread = "tokio-multi-thread", MultiThread, Readiness;
    }
    "runtime-tokio-local" => runtime_tokio_local::TokioLocalRuntime, "tokio": {
        /// tokio's `LocalRuntime` on the thread in `block_on`.
        TokioLocalCurrentThread = "tokio-local-current-thread", CurrentThread, Readiness;
        /// tokio, one `LocalRuntime` per thread on N threads.
        TokioThreadPerCore = "tokio-thread-per-core", ThreadPerCore, Readiness;
    }
    "runtime-smol" => runtime_smol::SmolRuntime, "smol": {
        /// smol's executor, run by the thread in `block_on` only.
        SmolCurrentThread = "smol-current-thread", CurrentThread, Readiness;
        /// smol's executor, run by N threads.
        SmolMultiThread = "smol-multi-thread", MultiThread, Readiness;
    }
    "runtime-async-std" => runtime_async_std::AsyncStdRuntime, "async-std": {
        /// async-std's global pool (multi-thread).
        AsyncStd = "async-std", MultiThread, Readiness;
    }
    "runtime-futures" => runtime_futures::FuturesRuntime, "futures-executor": {
        /// The futures crate's `ThreadPool`, with async-io's timer and reactor.
        FuturesThreadPool = "futures-thread-pool", MultiThread, Readiness;
        /// The futures crate's `LocalPool` on the thread in `block_on`.
        FuturesLocalPool = "futures-local-pool", CurrentThread, Readiness;
    }
    "runtime-compio" => runtime_compio::CompioRuntime, "compio": {
        /// compio on the thread in `block_on`, on io_uring.
        CompioCurrentThread = "compio-current-thread", CurrentThread, IoUring;
        /// compio, one runtime per thread on N threads, on io_uring.
        CompioThreadPerCore = "compio-thread-per-core", ThreadPerCore, IoUring;
        /// compio on the thread in `block_on`, on epoll.
        CompioEpollCurrentThread = "compio-epoll-current-thread", CurrentThread, Readiness;
        /// compio, one runtime per thread on N threads, on epoll.
        CompioEpollThreadPerCore = "compio-epoll-thread-per-core", ThreadPerCore, Readiness;
    }
    "runtime-monoio" => runtime_monoio::MonoioRuntime, "monoio": {
        /// monoio on the thread in `block_on`, on io_uring.
        MonoioCurrentThread = "monoio-current-thread", CurrentThread, IoUring;
        /// monoio, one runtime per thread on N threads, on io_uring.
        MonoioThreadPerCore = "monoio-thread-per-core", ThreadPerCore, IoUring;
        /// monoio on the thread in `block_on`, on epoll.
        MonoioEpollCurrentThread = "monoio-epoll-current-thread", CurrentThread, Readiness;
        /// monoio, one runtime per thread on N threads, on epoll.
        MonoioEpollThreadPerCore = "monoio-epoll-thread-per-core", ThreadPerCore, Readiness;
    }
}

/// Generic code to run on whichever runtime a [`Flavour`] names.
pub trait Visitor {
    /// What the code returns.
    type Output;
    /// Runs on `rt`.
    fn visit<R: Launch>(self, rt: R) -> Self::Output;
}

impl Flavour {
    /// Every flavour, single-threaded ones first (then multi-thread, then
    /// thread-per-core), each kind in the order of the list.
    pub const ALL: [Flavour; Flavour::LISTED.len()] = {
        let mut all = Flavour::LISTED;
        let (mut next, mut rank) = (0, 0);
        while rank < 3 {
            let mut i = 0;
            while i < all.len() {
                let flavour = Flavour::LISTED[i];
                if kind_rank(flavour.scheduling()) == rank {
                    all[next] = flavour;
                    next += 1;
                }
                i += 1;
            }
            rank += 1;
        }
        assert!(next == all.len(), "a scheduling without a rank");
        all
    };

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

    /// Starts runtime `L` in this flavour's scheduling, on its driver (`workers` only counts for a
    /// flavour with several threads). `L` must be this flavour's runtime crate.
    ///
    /// # Errors
    ///
    /// The runtime could not be built.
    pub fn launch<L: Launch>(self, workers: NonZeroUsize) -> io::Result<L> {
        let workers = if self.is_multi_thread() { workers } else { NonZeroUsize::MIN };
        L::launch_on(self.driver(), self.scheduling(), workers)
    }
}

/// Where a flavour of `scheduling` comes in [`Flavour::ALL`].
const fn kind_rank(scheduling: Scheduling) -> usize {
    match scheduling {
        Scheduling::CurrentThread => 0,
        Scheduling::MultiThread => 1,
        Scheduling::ThreadPerCore => 2,
    }
}

impl std::fmt::Display for Flavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, fs, path::Path};

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

    /// The workspace's glue crates: its members whose package is named `runtime-*`.
    fn workspace_glues() -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("the workspace's");
        let members = manifest.split("members = [").nth(1).expect("a members list");
        let members = members.split(']').next().expect("a closed list");
        let names = members.split(',').filter_map(|member| {
            let folder = member.trim().trim_matches('"');
            let text = fs::read_to_string(root.join(folder).join("Cargo.toml")).ok()?;
            let name = text.lines().find_map(|line| line.strip_prefix("name = "))?;
            Some(name.trim_matches('"').to_owned())
        });
        names.filter(|name| name.starts_with("runtime-")).collect()
    }

    #[test]
    fn the_list_has_every_glue_crate_and_every_flavour_each_offers() {
        let listed: BTreeSet<String> =
            Flavour::glues().iter().map(|(package, ..)| package.to_string()).collect();
        assert_eq!(listed, workspace_glues(), "the glue crates of flavours! and the workspace's");
        assert_eq!(listed.len(), Flavour::glues().len(), "a glue crate listed twice");
        for (package, schedulings, drivers) in Flavour::glues() {
            let mine: Vec<(Scheduling, Driver)> = Flavour::ALL
                .into_iter()
                .filter(|f| f.package() == package)
                .map(|f| (f.scheduling(), f.driver()))
                .collect();
            let offered: Vec<(Scheduling, Driver)> =
                schedulings.iter().flat_map(|s| drivers.iter().map(move |d| (*s, *d))).collect();
            for pair in &offered {
                let count = mine.iter().filter(|mine| *mine == pair).count();
                assert_eq!(count, 1, "{package} offers {pair:?}: listed {count} times");
            }
            for pair in &mine {
                assert!(offered.contains(pair), "{package} does not offer {pair:?}");
            }
        }
    }

    #[test]
    fn single_threaded_flavours_come_first_in_all() {
        let kinds = Flavour::ALL.map(Flavour::is_multi_thread);
        assert!(kinds.is_sorted(), "{:?}", Flavour::ALL);
    }
}
