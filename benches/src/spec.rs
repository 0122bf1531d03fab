//! Workloads by description, so that the criterion suite and the compare tool can
//! build any of them on any flavour.

use std::{io, num::NonZeroUsize, sync::Arc, time::Duration};

use chain_core::{InMemorySource, Runtime, cli::Shape};

use crate::{
    Flavour, Visitor, Workload, measure,
    workloads::{
        Chain, FanOut, PingPong, Sleep, SleepRegistration, SpawnChain, SpawnMany, YieldMany,
    },
};

/// Times `iterations` runs of a prepared workload on its runtime, which it owns.
pub type Measurer = Box<dyn FnMut(u64) -> Duration>;

/// A workload and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spec {
    /// [`Chain`] for user 1 at `latency`.
    Chain {
        /// Simulated latency of each fetch.
        latency: Duration,
    },
    /// [`FanOut`] over users 1..=`users`.
    FanOut {
        /// How many users.
        users: usize,
        /// Simulated latency of each fetch.
        latency: Duration,
        /// Futures in one task, or a task per user.
        shape: Shape,
        /// At most this many in flight; `None` for all at once.
        limit: Option<NonZeroUsize>,
    },
    /// [`SpawnMany`].
    SpawnMany {
        /// How many tasks.
        tasks: u64,
    },
    /// [`SpawnChain`].
    SpawnChain {
        /// How many links.
        depth: u64,
    },
    /// [`YieldMany`].
    YieldMany {
        /// How many tasks.
        tasks: u64,
        /// How many yields each.
        yields: u64,
    },
    /// [`PingPong`].
    PingPong {
        /// How many round trips.
        rounds: u64,
    },
    /// [`SleepRegistration`].
    SleepRegistration,
    /// [`Sleep`].
    Sleep {
        /// How long each sleep asks for.
        duration: Duration,
    },
}

impl Spec {
    /// Builds `flavour`'s runtime and this workload on it.
    ///
    /// # Errors
    ///
    /// The runtime could not be built.
    pub fn prepare(self, flavour: Flavour, workers: NonZeroUsize) -> io::Result<Measurer> {
        flavour.visit(workers, self)
    }
}

/// A [`Measurer`] that owns `rt` and `workload`.
pub fn measurer<R: Runtime, W: Workload>(rt: R, workload: W) -> Measurer {
    let workload = Arc::new(workload);
    Box::new(move |iterations| measure(&rt, &workload, iterations))
}

impl Visitor for Spec {
    type Output = Measurer;

    fn visit<R: Runtime>(self, rt: R) -> Measurer {
        let source = |latency| InMemorySource::new(rt.timer()).with_latency(latency);
        match self {
            Spec::Chain { latency } => measurer(rt.clone(), Chain { source: source(latency) }),
            Spec::FanOut { users, latency, shape, limit } => {
                let fan_out =
                    FanOut { rt: rt.clone(), source: source(latency), users, shape, limit };
                measurer(rt, fan_out)
            }
            Spec::SpawnMany { tasks } => measurer(rt.clone(), SpawnMany { rt, tasks }),
            Spec::SpawnChain { depth } => measurer(rt.clone(), SpawnChain { rt, depth }),
            Spec::YieldMany { tasks, yields } => {
                measurer(rt.clone(), YieldMany { rt, tasks, yields })
            }
            Spec::PingPong { rounds } => measurer(rt.clone(), PingPong { rt, rounds }),
            Spec::SleepRegistration => measurer(rt.clone(), SleepRegistration { rt }),
            Spec::Sleep { duration } => measurer(rt.clone(), Sleep { rt, duration }),
        }
    }
}
