//! Choosing, at run time, whether faults are injected, while the code that runs on
//! the source stays statically dispatched: [`SourceVisitor`] and [`with_faults`].

use std::time::Duration;

use crate::{FaultPlan, Faulty, TimeLimited};
use chain_contract::Runtime;
use chain_core::DataSource;

/// Work that runs on a data source of any type: the caller picks the source at run
/// time, and the work is compiled for each type it can get, with no boxing in the
/// fetches.
pub trait SourceVisitor {
    /// What the work produces.
    type Output;

    /// Runs the work on `source`.
    fn visit<S: DataSource + Clone + 'static>(self, source: S) -> Self::Output;
}

/// Runs `visitor` on `source` as it is when `faults` is `None`; otherwise, for
/// `Some((plan, limit))`, on `source` with `plan`'s faults injected and `limit` on
/// every fetch (a
/// [`TimeLimited`] [`Faulty`] source), so that a fetch that never completes becomes
/// that user's [`FetchErrorKind::TimedOut`](chain_core::FetchErrorKind::TimedOut).
///
/// A run without faults gets `source` itself: no wrapper, nothing measured that
/// the runtimes' comparison did not ask for.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::{DataSource, InMemorySource};
/// use chain_lab::{with_faults, FaultPlan, SourceVisitor};
/// use std::time::Duration;
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
/// let source = InMemorySource::new(rt.timer());
/// let failing = FaultPlan::new(0).with_failures(1.0).unwrap();
/// let limit = Duration::from_secs(1);
/// assert!(with_faults(&rt, source.clone(), None, FirstUser));
/// assert!(!with_faults(&rt, source, Some((failing, limit)), FirstUser));
/// ```
pub fn with_faults<R, S, V>(
    rt: &R,
    source: S,
    faults: Option<(FaultPlan, Duration)>,
    visitor: V,
) -> V::Output
where
    R: Runtime,
    S: DataSource + Clone + 'static,
    V: SourceVisitor,
{
    match faults {
        None => visitor.visit(source),
        Some((plan, limit)) => {
            let faulty = Faulty::new(source, rt.timer(), plan);
            visitor.visit(TimeLimited::new(faulty, rt, limit))
        }
    }
}
