//! The experiment machinery around the article's sources: faults injected from a
//! seed, time limits, CPU work per fetch, counters of fetches in flight, and the tally
//! that accounts for every user of a fan-out.
//!
//! - [`Faulty`] injects failures, fetches that never complete and extra latency
//!   with jitter, each fetch's fate drawn from a seed ([`FaultPlan`]): the same in
//!   every run and under every runtime. [`TimeLimited`] puts a limit on every fetch,
//!   so that one that never completes becomes a `TimedOut` error naming its user;
//!   [`with_faults`] wraps a source in both, and [`MaybeFaulty`] is a source whose
//!   faults a run chose: with them, or as it is. A [`Tail`] makes a seeded few
//!   fetches slow, in memory (through a [`FaultPlan`]) and in the record service.
//! - [`Hedging`] hedges every fetch of a source ([`hedge`](chain_core::hedge)) and
//!   counts the copies it sent against the fetches needed ([`HedgeBudget`]).
//! - [`Timed`] keeps the time of every fetch and of every user's chain, summed up
//!   in [`Percentiles`]: the tail a fan-out's users met.
//! - [`Instrumented`] counts fetches in flight, their peak, completions and
//!   cancellations: how the tests prove concurrency, by counting, not timing.
//! - [`Working`] adds CPU work ([`Work`]) to every fetch; [`Tally`] counts every
//!   requested user exactly once, as a result, an error by its cause, or lost.
//!
//! Every wrapper is a [`DataSource`](chain_core::DataSource) around any other, so the
//! chaining and the fan-outs run on them unchanged.
#![warn(missing_docs)]

mod faulty;
mod hedging;
mod instrument;
#[cfg(feature = "serde")]
mod seconds;
pub mod seeded;
mod tail;
mod tally;
mod time_limit;
mod timed_fetches;
mod timings;
mod with_faults;
mod work;

pub use faulty::{Expected, Fault, FaultPlan, Faulty};
pub use hedging::{HedgeBudget, HedgeTotals, Hedging};
pub use instrument::{Counters, Gauge, InFlight, Instrumented};
pub use tail::Tail;
pub use tally::{Misplaced, Tally};
pub use time_limit::TimeLimited;
pub use timed_fetches::{FetchHistogram, FetchReport, TimedFetches};
pub use timings::{Latencies, Percentiles, Timed, Timings};
pub use with_faults::{MaybeFaulty, WithFaults, with_faults};
pub use work::{Work, WorkDone, Working, hash_rounds};
