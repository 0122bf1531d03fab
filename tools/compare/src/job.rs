//! What one measuring process measures, sent to it as data: the parent turns the
//! parsed workload into a [`Job`] and passes it as JSON (`compare --job '{...}'`),
//! so the child parses no command line and no option is written out twice.

use std::{io, net::SocketAddr, num::NonZeroUsize};

use benches::{Flavour, Spec, Via, threads::Threads};
use serde::{Deserialize, Serialize};

use crate::args::Workload;

/// The first argument that marks a measuring process.
pub const FLAG: &str = "--job";

/// One measurement, in a fresh process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// What runs the work.
    pub subject: Measured,
    /// The work.
    pub action: Action,
}

/// What runs the work of a [`Job`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Measured {
    /// A runtime flavour with its workers.
    Rust { flavour: Flavour, workers: NonZeroUsize },
    /// Blocking I/O on OS threads.
    Threads(Threads),
}

/// The work of a [`Job`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(
    clippy::large_enum_variant,
    reason = "one job is made per measuring process, outside what it times: its size costs nothing"
)]
pub enum Action {
    /// `samples` samples of `spec`, each repeated back to back to about 10 ms when
    /// `repeat` (never for sleeps, each its own sample).
    Measure { spec: Spec, samples: usize, repeat: bool },
    /// `tasks` sleeping tasks: the time to start them and the memory each takes.
    Idle { tasks: usize },
}

impl Job {
    /// The job that measures `workload` on `subject`; `service` is the record
    /// service the parent started, for HTTP workloads.
    ///
    /// # Errors
    ///
    /// An HTTP workload without a service, or fault options that do not fit.
    pub fn new(
        subject: Measured,
        workload: &Workload,
        service: Option<SocketAddr>,
    ) -> io::Result<Self> {
        let action = match *workload {
            Workload::Idle { users } => Action::Idle { tasks: users.get() },
            Workload::Timer { samples, .. } => Action::Measure {
                spec: spec(workload, service)?,
                samples: samples.get(),
                repeat: false,
            },
            _ => Action::Measure { spec: spec(workload, service)?, samples: 1, repeat: true },
        };
        Ok(Job { subject, action })
    }

    /// As JSON, for the child's command line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data serializes")
    }
}

/// The [`Spec`] that measures `workload`.
fn spec(workload: &Workload, service: Option<SocketAddr>) -> io::Result<Spec> {
    let via = match workload.source() {
        Some(source) if workload.is_http() => {
            let address = service.or(source.address).ok_or_else(|| {
                io::Error::other("an HTTP workload needs the record service's address")
            })?;
            Via::Http { address, connections: source.connections, timeout: source.fetch_timeout }
        }
        _ => Via::Memory { latency: workload.ideal_latency() },
    };
    let faults = match workload.source() {
        Some(source) => {
            let plan = source.plan(workload.ideal_latency()).map_err(io::Error::other)?;
            plan.map(|plan| (plan, source.fetch_timeout))
        }
        None => None,
    };
    Ok(match *workload {
        Workload::Chain { .. } => Spec::Chain { via, faults },
        Workload::FanOut(ref f) => {
            let (users, shape, work) = (f.users.get(), f.shape, f.work());
            let hedge = f.source.hedge_after;
            Spec::FanOut { users, via, shape, limit: None, faults, work, hedge }
        }
        Workload::Bounded { ref fanout, concurrency } => Spec::FanOut {
            users: fanout.users.get(),
            via,
            shape: fanout.shape,
            limit: Some(concurrency),
            faults,
            work: fanout.work(),
            hedge: fanout.source.hedge_after,
        },
        Workload::SpawnMany { tasks } => Spec::SpawnMany { tasks: tasks.get() as u64 },
        Workload::SpawnChain { depth } => Spec::SpawnChain { depth: depth.get() as u64 },
        Workload::YieldMany { tasks, yields } => {
            Spec::YieldMany { tasks: tasks.get() as u64, yields: yields.get() as u64 }
        }
        Workload::PingPong { rounds } => Spec::PingPong { rounds: rounds.get() as u64 },
        Workload::Timer { sleep, .. } => Spec::Sleep { duration: sleep },
        Workload::Idle { .. } => unreachable!("idle is measured by Action::Idle"),
        Workload::Serve(_) => unreachable!("serve is measured by serving::compare, not by a job"),
        Workload::Chart { .. } => unreachable!("chart measures nothing: main redraws and returns"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn a_job_reads_back_as_it_was_sent() {
        let args = crate::args::Args::try_parse_from([
            "compare",
            "bounded",
            "--users=300",
            "--concurrency=7",
            "--latency=2ms",
            "--shape=spawn",
            "--fail-rate=0.1",
            "--jitter=1ms",
            "--fetch-timeout=20ms",
            "--work=50",
            "--skew=3",
        ])
        .unwrap();
        let subject =
            Measured::Rust { flavour: Flavour::SmolMultiThread, workers: NonZeroUsize::MIN };
        let job = Job::new(subject, &args.workload, None).unwrap();
        let Action::Measure { spec: Spec::FanOut { users, limit, faults, work, .. }, .. } =
            job.action
        else {
            panic!("{job:?}")
        };
        assert_eq!((users, limit.map(NonZeroUsize::get)), (300, Some(7)));
        assert_eq!(work.map(|w| (w.rounds, w.skew.get())), Some((50, 3)));
        assert!(faults.is_some());
        assert_eq!(serde_json::from_str::<Job>(&job.to_json()).unwrap(), job);
    }
}
