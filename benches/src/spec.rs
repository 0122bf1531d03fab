//! Workloads by description, so that the criterion suite and the compare tool can
//! build any of them on any flavour.

use std::{io, num::NonZeroUsize, sync::Arc, time::Duration};

use chain_contract::Launch;
use chain_core::{DataSource, Shape};
use chain_http::Source;
pub use chain_http::Via;
use chain_lab::{FaultPlan, Work, WorkDone, Working, with_faults};

use crate::{
    Flavour, Measurable, Visitor, measure,
    workloads::{
        Chain, Expect, FanOut, PingPong, Sample, Sleep, SleepRegistration, SpawnChain, SpawnMany,
        YieldMany,
    },
};

/// Times `iterations` runs of a prepared workload on its runtime, which it owns.
pub type Measurer = Box<dyn FnMut(u64) -> Sample>;

/// A workload and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Spec {
    /// [`Chain`] for user 1.
    Chain {
        /// Where the fetches go.
        via: Via,
        /// Faults injected into every fetch, and the time limit on each.
        faults: Option<(FaultPlan, Duration)>,
    },
    /// [`FanOut`] over users 1..=`users`.
    FanOut {
        /// How many users.
        users: usize,
        /// Where the fetches go.
        via: Via,
        /// Futures in one task, or a task per user.
        shape: Shape,
        /// At most this many in flight; `None` for all at once.
        limit: Option<NonZeroUsize>,
        /// Faults injected into every fetch, and the time limit on each.
        faults: Option<(FaultPlan, Duration)>,
        /// CPU work added to each user; `None` for none.
        work: Option<Work>,
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
pub fn measurer<R: Launch, W: Measurable>(rt: R, workload: W) -> Measurer {
    let workload = Arc::new(workload);
    Box::new(move |iterations| measure(&rt, &workload, iterations))
}

impl Visitor for Spec {
    type Output = Measurer;

    fn visit<R: Launch>(self, rt: R) -> Measurer {
        match self {
            Spec::Chain { via, faults } => on_source(rt, via, faults, Fetching::Chain),
            Spec::FanOut { users, via, shape, limit, faults, work } => {
                let fetching = Fetching::FanOut { users, shape, limit, work };
                on_source(rt, via, faults, fetching)
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

/// The workloads that fetch, before their source is chosen.
#[derive(Clone, Copy)]
enum Fetching {
    Chain,
    FanOut { users: usize, shape: Shape, limit: Option<NonZeroUsize>, work: Option<Work> },
}

/// A [`Fetching`] workload's measurer on `via`'s source, with `faults` injected.
/// Matched here, once, so that each of the four measured sources is its own type:
/// no branch per fetch, and a run without faults measures no wrapper.
fn on_source<R: Launch>(
    rt: R,
    via: Via,
    faults: Option<(FaultPlan, Duration)>,
    fetching: Fetching,
) -> Measurer {
    let expect = faults.map_or(Expect::Results, |(plan, _)| Expect::Faults(plan));
    let on = MeasureOn { rt: rt.clone(), fetching, expect };
    match (via.source(&rt), faults) {
        (Source::Memory(source), None) => on.measurer(source),
        (Source::Http(source), None) => on.measurer(source),
        (Source::Memory(source), Some((plan, limit))) => {
            on.measurer(with_faults(&rt, source, plan, limit))
        }
        (Source::Http(source), Some((plan, limit))) => {
            on.measurer(with_faults(&rt, source, plan, limit))
        }
    }
}

/// What to measure on a source, once it is chosen.
struct MeasureOn<R> {
    rt: R,
    fetching: Fetching,
    expect: Expect,
}

impl<R: Launch> MeasureOn<R> {
    fn measurer<S: DataSource + Clone + 'static>(self, source: S) -> Measurer {
        let MeasureOn { rt, fetching, expect } = self;
        match fetching {
            Fetching::Chain => measurer(rt, Chain { source, expect }),
            Fetching::FanOut { users, shape, limit, work: None } => {
                measurer(rt.clone(), FanOut { rt, source, users, shape, limit, expect, work: None })
            }
            Fetching::FanOut { users, shape, limit, work: Some(work) } => {
                let done = WorkDone::new(rt.shards());
                let source = Working::new(source, work, done.clone());
                let work = Some((work, done));
                measurer(rt.clone(), FanOut { rt, source, users, shape, limit, expect, work })
            }
        }
    }
}
