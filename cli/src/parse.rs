//! Parsers of the command line's values, each with the range it accepts: one
//! message shape for every option (`must be ... from A to B`).

use std::{
    num::{NonZeroU32, NonZeroUsize},
    time::Duration,
};

use chain_core::{UserId, readable::duration};

/// The most users one run may ask for: with a task per user, each holds about 1.3 KB
/// while in flight, so this bounds a run to about 1.3 GB.
pub const MAX_USERS: usize = 1_000_000;
/// The most worker threads a multi-threaded flavour may be given.
pub const MAX_WORKERS: usize = 256;
/// The longest latency, delay or time limit accepted.
pub const MAX_DURATION: Duration = Duration::from_secs(60);

pub(super) fn parse_count(text: &str, max: usize) -> Result<NonZeroUsize, String> {
    let allowed = || format!("must be a whole number from 1 to {max}");
    let n: usize = text.trim().parse().map_err(|_| allowed())?;
    NonZeroUsize::new(n).filter(|n| n.get() <= max).ok_or_else(allowed)
}

/// Parses a user id: any whole number that fits in a [`UserId`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_user(text: &str) -> Result<UserId, String> {
    text.trim().parse().map_err(|_| format!("must be a whole number from 0 to {}", UserId::MAX))
}

/// Parses a number of users (or tasks): 1 to [`MAX_USERS`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_users(text: &str) -> Result<NonZeroUsize, String> {
    parse_count(text, MAX_USERS)
}

/// Parses how many users a request of the gateway's batch route asks for: 1 to
/// [`MAX_BATCH`](chain_http::gateway::route::MAX_BATCH).
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_batch(text: &str) -> Result<NonZeroUsize, String> {
    parse_count(text, chain_http::gateway::route::MAX_BATCH)
}

/// Parses a concurrency limit: 1 to [`MAX_USERS`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_concurrency(text: &str) -> Result<NonZeroUsize, String> {
    parse_count(text, MAX_USERS)
}

/// The most rounds of CPU work per user (a few milliseconds).
pub const MAX_ROUNDS: u32 = 1_000_000;

/// Parses rounds of CPU work per user: 0 to [`MAX_ROUNDS`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_rounds(text: &str) -> Result<u32, String> {
    let allowed = || format!("must be a whole number from 0 to {MAX_ROUNDS}");
    let n: u32 = text.trim().parse().map_err(|_| allowed())?;
    if n <= MAX_ROUNDS { Ok(n) } else { Err(allowed()) }
}

/// Parses a skew: 1 to [`MAX_USERS`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_skew(text: &str) -> Result<NonZeroU32, String> {
    let n = parse_count(text, MAX_USERS)?;
    Ok(NonZeroU32::new(n.get() as u32).expect("a count is not zero"))
}

/// Parses a worker count: 1 to [`MAX_WORKERS`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_workers(text: &str) -> Result<NonZeroUsize, String> {
    parse_count(text, MAX_WORKERS)
}

fn parse_duration(text: &str, min: Duration) -> Result<Duration, String> {
    let allowed = format!(
        "must be a duration from {} to {} with a unit, e.g. 10ms, 250us, 1s",
        duration(min),
        duration(MAX_DURATION),
    );
    let duration = humantime::parse_duration(text.trim()).map_err(|e| format!("{e}; {allowed}"))?;
    if (min..=MAX_DURATION).contains(&duration) { Ok(duration) } else { Err(allowed) }
}

/// Parses a latency or delay with its unit (`10ms`): 0 to [`MAX_DURATION`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_latency(text: &str) -> Result<Duration, String> {
    parse_duration(text, Duration::ZERO)
}

/// Parses a time limit with its unit: more than 0, at most [`MAX_DURATION`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_limit(text: &str) -> Result<Duration, String> {
    parse_duration(text, Duration::from_nanos(1))
}
