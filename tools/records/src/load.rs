//! The load generator's (`load`'s) parameters as compare passes them, and the
//! report it prints as JSON, which compare reads back.

use std::{collections::BTreeMap, num::NonZeroUsize, time::Duration};

use serde::{Deserialize, Serialize};

/// The generator kept its schedule if 99 % of its requests left within this of when
/// they could have: later, it was too busy to measure the server at that rate.
pub const KEPT_SCHEDULE_US: u64 = 1_000;
/// An offered rate is kept up with when answers arrive at this share of it at least.
pub const KEPT_UP_SHARE: f64 = 0.97;
/// Above this share of its threads' time on the CPU, the generator may be the limit.
pub const BUSY_SHARE: f64 = 0.9;

/// A latency distribution in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    /// The median.
    pub p50: u64,
    /// The 90th percentile.
    pub p90: u64,
    /// The 99th percentile.
    pub p99: u64,
    /// The 99.9th percentile.
    pub p999: u64,
    /// The largest.
    pub max: u64,
}

/// The share of a run's latencies at or above a threshold (`load --over`): for a
/// backend with a tail, the requests that met a slow fetch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Over {
    /// The threshold, in microseconds.
    pub threshold_us: u64,
    /// The share of latencies at least the threshold, from 0 to 1.
    pub share: f64,
}

/// The generator's own load: whether it, rather than the server, could have been
/// the limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    /// Threads that ran the connections.
    pub threads: usize,
    /// CPU time over the whole run, warm-up and drain included.
    pub cpu_seconds: f64,
    /// Its CPU time over the warm-up and the window, as a share of its threads' time
    /// over them (the drain, mostly waiting, left out).
    pub cpu_share: f64,
    /// How late it sent requests, in microseconds.
    pub lag_us: Percentiles,
    /// 99 % of requests left within 1 ms of when they could.
    pub kept_schedule: bool,
}

/// One run's findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `open` or `closed`.
    pub pace: String,
    /// Requests a second offered; none in closed loop.
    pub offered_rate: Option<f64>,
    /// Kept-alive connections.
    pub connections: usize,
    /// How many users each request asked the batch route for; `None` for the
    /// one-user route.
    #[serde(default)]
    pub batch: Option<usize>,
    /// The measured window.
    pub window_seconds: f64,
    /// Requests due (open loop) or sent (closed loop) in the window that were sent.
    pub sent: u64,
    /// Requests due in the window that never left, because their connection was
    /// still waiting on an earlier answer when the drain ended (open loop).
    #[serde(default)]
    pub unsent: u64,
    /// Answers, of any status, to the requests sent in the window.
    pub answered: u64,
    /// Every answer of the run, warm-up and drain included: what the server did
    /// for its CPU time.
    pub answered_in_all: u64,
    /// Answers a second that arrived within the window, whichever request they
    /// answered: those the drain still brought are not counted.
    pub achieved_rate: f64,
    /// From each request's due time (open loop) or sending (closed loop) to its answer.
    pub latency_us: Percentiles,
    /// The same latencies' distribution: `[quantile, microseconds]` at each
    /// hundredth, finer towards the tail, and `[1, max]`.
    #[serde(default)]
    pub latency_cdf_us: Vec<(f64, u64)>,
    /// With `--over`: the share of those latencies at least this slow.
    #[serde(default)]
    pub over: Option<Over>,
    /// Answers by status.
    pub statuses: BTreeMap<u16, u64>,
    /// Connections that failed and were reopened.
    pub connection_errors: u64,
    /// Requests sent and still unanswered when the drain ended.
    pub unanswered: u64,
    /// Answers 200 whose body was not the article's data for the user asked.
    pub wrong_answers: u64,
    /// The generator's own load.
    pub generator: Generator,
}

impl Report {
    /// Why the run failed, if it did: a wrong answer, or nothing answered at all.
    pub fn failure(&self) -> Option<String> {
        if self.wrong_answers > 0 {
            Some(format!(
                "{} answers were not the article's data for the user asked",
                self.wrong_answers
            ))
        } else if self.answered == 0 {
            Some(format!("no answer in the window ({} connection errors)", self.connection_errors))
        } else if self.statuses.get(&200).is_none_or(|&n| n == 0) {
            let statuses: Vec<String> =
                self.statuses.iter().map(|(status, n)| format!("{n} × {status}")).collect();
            Some(format!(
                "no valid answer measured: none of the {} answers in the window was a 200 ({})",
                self.answered,
                statuses.join(", ")
            ))
        } else {
            None
        }
    }

    /// Whether the generator may have been the limit, and why.
    pub fn generator_warning(&self) -> Option<String> {
        let g = &self.generator;
        let busy = g.cpu_share > BUSY_SHARE;
        let why = match (self.pace == "open", g.kept_schedule) {
            (true, false) => format!("1 % of requests left over {} late", us(g.lag_us.p99)),
            _ if !busy => return None,
            (true, true) => "it kept its schedule".to_owned(),
            (false, _) => "it sends as fast as it is answered".to_owned(),
        };
        Some(format!(
            "the generator may have been the limit: {why}, its threads {:.0} % busy",
            g.cpu_share * 100.0
        ))
    }

    /// Whether answers arrived more slowly than requests were offered, and by how much.
    pub fn behind_warning(&self) -> Option<String> {
        let offered = self.offered_rate?;
        (self.achieved_rate < KEPT_UP_SHARE * offered).then(|| {
            format!(
                "answers arrived at {:.0} a second, short of the {offered} offered: the load was more than the server (or the generator) kept up with",
                self.achieved_rate
            )
        })
    }

    /// Answers other than 200, and requests of the window without one.
    pub fn errors(&self) -> u64 {
        let not_ok: u64 = self.statuses.iter().filter(|(s, _)| **s != 200).map(|(_, n)| n).sum();
        not_ok + self.connection_errors + self.unanswered + self.unsent
    }

    /// What the errors were, if there were any: a server's refusals and failures
    /// are measured too, and their latencies are among the percentiles.
    pub fn error_warning(&self) -> Option<String> {
        let asked = self.sent + self.unsent;
        (self.errors() > 0).then(|| {
            format!(
                "{} of the {asked} requests of the window had no answer 200 (by status, connection errors, unanswered and never sent above); the latencies of all but the connection errors count in the percentiles",
                self.errors()
            )
        })
    }
}

/// Microseconds as people read them.
pub fn us(micros: u64) -> String {
    chain_core::readable::duration(Duration::from_micros(micros))
}

/// The most requests a second offered.
pub const MAX_RATE: f64 = 10_000_000.0;
/// The most connections.
pub const MAX_CONNECTIONS: usize = 100_000;

/// A rate of requests a second, 1 to [`MAX_RATE`].
///
/// # Errors
///
/// Not a number, or out of range, said in one line.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of requests a second"))?;
    if (1.0..=MAX_RATE).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{text} requests a second is out of range: 1 to {MAX_RATE}"))
    }
}

/// A number of connections, 1 to [`MAX_CONNECTIONS`].
///
/// # Errors
///
/// Not a whole number, or out of range, said in one line.
pub fn parse_connections(text: &str) -> Result<NonZeroUsize, String> {
    let n: usize = text.trim().parse().map_err(|_| format!("{text:?} is not a whole number"))?;
    NonZeroUsize::new(n)
        .filter(|n| n.get() <= MAX_CONNECTIONS)
        .ok_or_else(|| format!("{n} connections is out of range: 1 to {MAX_CONNECTIONS}"))
}

/// A duration between `min` and ten minutes.
///
/// # Errors
///
/// Not a duration, or out of range, said in one line.
pub fn parse_duration(text: &str, min: Duration) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("{text:?} is not a duration such as 10s or 500ms: {e}"))?;
    if duration < min || duration > Duration::from_secs(600) {
        return Err(format!("{text} is out of range: {} to 10m", humantime::format_duration(min)));
    }
    Ok(duration)
}

/// The measured window: 100 ms to 10 minutes.
///
/// # Errors
///
/// As [`parse_duration`].
pub fn parse_window(text: &str) -> Result<Duration, String> {
    parse_duration(text, Duration::from_millis(100))
}

/// A warm-up or drain: 0 to 10 minutes.
///
/// # Errors
///
/// As [`parse_duration`].
pub fn parse_warmup(text: &str) -> Result<Duration, String> {
    parse_duration(text, Duration::ZERO)
}
