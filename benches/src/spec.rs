//! Workloads by description, so that the criterion suite and the compare tool can
//! build any of them on any flavour.

use std::{io, num::NonZeroUsize, sync::Arc, time::Duration};

use chain_contract::Launch;
use chain_core::{DataSource, Shape};
use chain_http::Source;
pub use chain_http::Via;
use chain_lab::{
    FaultPlan, HedgeBudget, Hedging, Timed, Timings, Work, WorkDone, Working, with_faults,
};

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
        /// Every fetch hedged after this long ([`Hedging`]); `None` for no hedge.
        hedge: Option<Duration>,
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
            Spec::FanOut { users, via, shape, limit, faults, work, hedge } => {
                // Timed where the tail is the point: over HTTP, with a tail or a hedge.
                let tail = faults.is_some_and(|(plan, _)| plan.tail().is_some());
                let timed = matches!(via, Via::Http { .. }) || tail || hedge.is_some();
                let timing = timed.then_some(hedge);
                let fetching = Fetching::FanOut(Users { users, shape, limit, work, timing });
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
    FanOut(Users),
}

/// A fan-out's users, and how they are fetched.
#[derive(Clone, Copy)]
struct Users {
    users: usize,
    shape: Shape,
    limit: Option<NonZeroUsize>,
    work: Option<Work>,
    /// `Some` to time every fetch and user ([`Timed`]), with the hedge, if any.
    timing: Option<Option<Duration>>,
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
            Fetching::FanOut(users) => match users.timing {
                None => users.measurer(rt, source, expect, None),
                Some(hedge) => {
                    let hedged = Hedging::new(source, &rt, hedge);
                    let budget = hedge.map(|_| hedged.budget());
                    users.measurer(rt, hedged, expect, Some(budget))
                }
            },
        }
    }
}

impl Users {
    /// The fan-out on `source`, with its work, and timed (with `timed`'s hedge budget)
    /// when `timed` is `Some`: each its own type, no branch per fetch.
    fn measurer<R: Launch, S: DataSource + Clone + 'static>(
        self,
        rt: R,
        source: S,
        expect: Expect,
        timed: Option<Option<Arc<HedgeBudget>>>,
    ) -> Measurer {
        let users = self.users;
        match (self.work, timed) {
            (None, None) => self.on(rt, source, expect, None, None),
            (None, Some(budget)) => {
                let source = Timed::new(source, &rt, users);
                let timings = Some((source.timings(), budget));
                self.on(rt, source, expect, None, timings)
            }
            (Some(work), timed) => {
                let done = WorkDone::new(rt.shards());
                let source = Working::new(source, work, done.clone());
                let work = Some((work, done));
                match timed {
                    None => self.on(rt, source, expect, work, None),
                    Some(budget) => {
                        let source = Timed::new(source, &rt, users);
                        let timings = Some((source.timings(), budget));
                        self.on(rt, source, expect, work, timings)
                    }
                }
            }
        }
    }

    /// The measurer of the fan-out on `source`, as it is.
    fn on<R: Launch, S: DataSource + Clone + 'static>(
        self,
        rt: R,
        source: S,
        expect: Expect,
        work: Option<(Work, Arc<WorkDone>)>,
        timings: Option<(Arc<Timings>, Option<Arc<HedgeBudget>>)>,
    ) -> Measurer {
        let Users { users, shape, limit, .. } = self;
        let fan_out = FanOut { rt: rt.clone(), source, users, shape, limit, expect, work, timings };
        measurer(rt, fan_out)
    }
}
