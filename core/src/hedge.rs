//! The hedge, the remedy for a backend's tail (Dean and Barroso, The Tail at Scale):
//! a request that has not answered in a while is sent once more, the first answer
//! wins and the other copy is cancelled. In asyncio, `asyncio.wait({first, second},
//! return_when=FIRST_COMPLETED)`, then `cancel()` on the one still pending.

use std::{future::Future, pin::pin, time::Duration};

use futures::future::{Either, select};

use chain_contract::Runtime;

/// What a hedged request gave: the first answer to come, which copy gave it, and
/// when the extra copy left, if one did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hedged<T> {
    /// The answer of the copy that completed first.
    pub output: T,
    /// Which copy it was: 0, the first, or 1, the extra one.
    pub copy: u32,
    /// How long after the first copy the extra one was sent (the hedge's delay as
    /// the runtime's timer kept it, never less than asked), or `None` if the first
    /// answered in time and no extra copy was sent.
    pub extra_after: Option<Duration>,
}

impl<T> Hedged<T> {
    /// How many copies were sent: 1, or 2 when the hedge fired.
    pub fn sent(&self) -> u32 {
        1 + u32::from(self.extra_after.is_some())
    }
}

/// Sends `send(0)` and, if it has not completed `after` later, `send(1)` as well:
/// the first of the two to complete wins, and the other is dropped (cancelled)
/// before this returns. Never more than one extra copy. An answer is an answer,
/// an error as much as a value (as `FIRST_COMPLETED` counts a task that raised).
/// If both complete at the same poll, the first copy wins.
///
/// `send` gets the copy's number, so that the copy can go elsewhere (another
/// replica: [`DataSource::for_copy`](crate::DataSource::for_copy)).
///
/// # Examples
///
/// A fetch from a backend that is sometimes slow: the extra copy wins.
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::hedge;
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let latency = |copy| Duration::from_millis(if copy == 0 { 60_000 } else { 1 });
/// let fetch = |copy| {
///     let rt = rt.clone();
///     async move {
///         rt.sleep(latency(copy)).await;
///         copy
///     }
/// };
/// let hedged = rt.block_on(hedge(&rt, Duration::from_millis(5), fetch));
/// assert_eq!((hedged.output, hedged.copy, hedged.sent()), (1, 1, 2));
/// assert!(hedged.extra_after >= Some(Duration::from_millis(5)));
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the copies: dropping it drops whichever are in flight.
pub async fn hedge<R, F, Fut>(rt: &R, after: Duration, mut send: F) -> Hedged<Fut::Output>
where
    R: Runtime,
    F: FnMut(u32) -> Fut,
    Fut: Future,
{
    let start = rt.now();
    let mut first = pin!(send(0));
    if let Either::Left((output, _)) = select(first.as_mut(), pin!(rt.sleep(after))).await {
        return Hedged { output, copy: 0, extra_after: None };
    }
    let extra_after = Some(rt.now() - start);
    let (output, copy) = match select(first, pin!(send(1))).await {
        Either::Left((output, _)) => (output, 0),
        Either::Right((output, _)) => (output, 1),
    };
    Hedged { output, copy, extra_after }
}

#[cfg(test)]
mod tests {
    use std::{
        cell::Cell,
        future::{pending, ready},
    };

    use chain_contract::{Launch, Runtime};
    use futures::{FutureExt, future::Either};

    use super::*;

    /// Counts its drops: how the tests see a copy cancelled.
    struct Dropped<'a>(&'a Cell<u32>);

    impl Drop for Dropped<'_> {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    const AFTER: Duration = Duration::from_millis(2);

    #[test]
    fn a_first_copy_in_time_is_the_only_one_sent() {
        let rt = runtime_smol::SmolRuntime::current_thread();
        let sent = Cell::new(0);
        let hedged = rt.block_on(hedge(&rt, AFTER, |copy| {
            sent.set(sent.get() + 1);
            ready(copy)
        }));
        assert_eq!((hedged, sent.get()), (Hedged { output: 0, copy: 0, extra_after: None }, 1));
    }

    #[test]
    fn a_late_first_copy_gets_one_extra_and_the_loser_is_dropped_before_the_answer() {
        let rt = runtime_smol::SmolRuntime::current_thread();
        let (sent, dropped) = (Cell::new(0), Cell::new(0));
        let hedged = rt.block_on(async {
            let hedged = hedge(&rt, AFTER, |copy| {
                sent.set(sent.get() + 1);
                let guard = Dropped(&dropped);
                let answer =
                    if copy == 0 { Either::Left(pending()) } else { Either::Right(ready(copy)) };
                answer.map(move |copy| (copy, guard))
            })
            .await;
            assert_eq!(dropped.get(), 1, "the first copy is cancelled before the answer comes");
            hedged.output.0
        });
        assert_eq!((hedged, sent.get(), dropped.get()), (1, 2, 2));
    }

    #[test]
    fn two_late_copies_are_all_it_sends_and_the_first_to_answer_wins() {
        let rt = runtime_smol::SmolRuntime::current_thread();
        let sent = Cell::new(0);
        let hedged = rt.block_on(hedge(&rt, AFTER, |copy| {
            sent.set(sent.get() + 1);
            let rt = rt.clone();
            // The extra copy is slower still: the first copy answers first.
            async move {
                rt.sleep(AFTER * (3 + 10 * copy)).await;
                copy
            }
        }));
        assert_eq!((hedged.output, hedged.copy, hedged.sent(), sent.get()), (0, 0, 2, 2));
        assert!(hedged.extra_after >= Some(AFTER), "the hedge never leaves early");
    }
}
