//! Each connection's requests: on a fixed schedule (open loop: the next request is
//! due at its time whatever the server's pace, and its latency counts from then), or
//! one after another (closed loop, as wrk: the next leaves when the last answer
//! arrives, and its latency counts from its sending).

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    num::NonZeroUsize,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_io::Timer;
use benches::gateway_wire::{batch_request, expected_batch_body, expected_body, request};
use chain_records::load::Percentiles;
use futures::future::{Either, select};
use hdrhistogram::Histogram;

use crate::wire::Connection;

/// How requests leave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// `rate` requests a second in all, spread evenly over the connections.
    Open { rate: f64 },
    /// Each connection sends its next request when its last answer arrives.
    Closed,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub address: SocketAddr,
    pub pace: Pace,
    pub connections: usize,
    /// Requests due in the warm-up are sent but not recorded.
    pub warmup: Duration,
    /// The measured window, after the warm-up.
    pub duration: Duration,
    /// How long answers still owed at the end are waited for.
    pub drain: Duration,
    /// Requests ask for users 1 to `users`, in turn.
    pub users: u64,
    /// Each request asks the batch route for this many users; `None` for the
    /// one-user route.
    pub batch: Option<NonZeroUsize>,
}

/// A histogram's percentiles; all 0 when it is empty.
fn percentiles(histogram: &Histogram<u64>) -> Percentiles {
    let at = |q: f64| histogram.value_at_quantile(q);
    Percentiles { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: histogram.max() }
}

/// The latencies and lags of every connection of a run, one histogram of each for
/// them all: one per connection would take some 400 KB each.
pub struct Histograms {
    /// From each request's due time (open loop) or sending (closed loop) to its
    /// answer, in microseconds.
    latency: Mutex<Histogram<u64>>,
    /// How late the generator itself sent each request, in microseconds: from when
    /// it was due, or from when the connection was free if that was later.
    lag: Mutex<Histogram<u64>>,
}

impl Histograms {
    pub fn new() -> Self {
        let histogram = || Histogram::new_with_bounds(1, LONGEST_US, 3).expect("valid bounds");
        Histograms { latency: Mutex::new(histogram()), lag: Mutex::new(histogram()) }
    }

    fn record_latency(&self, latency: Duration) {
        let mut latency_us = self.latency.lock().expect("no recording panics");
        latency_us.saturating_record(micros(latency));
    }

    fn record_lag(&self, lag: Duration) {
        self.lag.lock().expect("no recording panics").saturating_record(micros(lag));
    }

    /// The percentiles of the latencies, and of the lags.
    pub fn percentiles(&self) -> (Percentiles, Percentiles) {
        let of = |h: &Mutex<Histogram<u64>>| percentiles(&h.lock().expect("no recording panics"));
        (of(&self.latency), of(&self.lag))
    }

    /// The latencies' distribution: the latency in microseconds at each hundredth,
    /// then finer towards the tail, and the largest (quantile 1); empty for none.
    pub fn cdf(&self) -> Vec<(f64, u64)> {
        let latency = self.latency.lock().expect("no recording panics");
        if latency.is_empty() {
            return Vec::new();
        }
        let tail = [0.995, 0.999, 0.9995, 0.9999];
        let quantiles = (1..100).map(|q| f64::from(q) / 100.0).chain(tail);
        let mut cdf: Vec<(f64, u64)> =
            quantiles.map(|q| (q, latency.value_at_quantile(q))).collect();
        cdf.push((1.0, latency.max()));
        cdf
    }

    /// The share of the latencies that were at least `threshold` (to the histogram's
    /// three significant digits); 0 for none.
    pub fn share_at_least(&self, threshold: Duration) -> f64 {
        let latency = self.latency.lock().expect("no recording panics");
        let threshold = micros(threshold);
        let above: u64 = latency
            .iter_recorded()
            .filter(|v| latency.highest_equivalent(v.value_iterated_to()) >= threshold)
            .map(|v| v.count_at_value())
            .sum();
        if latency.is_empty() { 0.0 } else { above as f64 / latency.len() as f64 }
    }
}

/// What one connection, or all of them merged, counted in the measured window.
#[derive(Debug, Default)]
pub struct Counts {
    /// Requests due (open loop) or sent (closed loop) in the window that were sent.
    pub sent: u64,
    /// Requests due in the window that never left: their connection was still
    /// waiting on an earlier answer when the drain ended (open loop only).
    pub unsent: u64,
    /// Answers that arrived within the window, whichever request they answered:
    /// the throughput.
    pub arrived: u64,
    /// Every answer, warm-up and drain included.
    pub answered_in_all: u64,
    pub statuses: BTreeMap<u16, u64>,
    /// Answers 200 whose body was not the article's data for the user asked.
    pub wrong: u64,
    /// Connections that failed (refused, reset, closed mid-answer); each is reopened.
    pub connection_errors: u64,
    /// Requests sent and still unanswered when the drain ended: counted, and
    /// recorded with the latency they had reached then, as the unsent ones are.
    pub unanswered: u64,
}

/// How long a connection that failed waits before it is opened again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// The longest latency recorded: longer ones count as this.
const LONGEST_US: u64 = 3_600_000_000;

impl Counts {
    pub fn merge(mut self, other: Counts) -> Self {
        self.sent += other.sent;
        self.unsent += other.unsent;
        self.arrived += other.arrived;
        self.answered_in_all += other.answered_in_all;
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.wrong += other.wrong;
        self.connection_errors += other.connection_errors;
        self.unanswered += other.unanswered;
        self
    }

    /// Answers of any status to the requests of the window.
    pub fn answered(&self) -> u64 {
        self.statuses.values().sum()
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// The request and the expected answer body for each user, or with a batch of N,
/// for each run of N users in turn from each user (wrapping past the last).
pub struct Requests {
    requests: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Requests {
    pub fn new(users: u64, batch: Option<NonZeroUsize>) -> Self {
        let requests = (1..=users).map(|user| match batch {
            None => (request(user), expected_body(user)),
            Some(n) => {
                let ids: Vec<u64> =
                    (0..n.get() as u64).map(|i| (user - 1 + i) % users + 1).collect();
                (batch_request(&ids), expected_batch_body(&ids))
            }
        });
        Requests { requests: requests.collect() }
    }

    fn nth(&self, n: u64) -> (&[u8], &[u8]) {
        let (request, body) = &self.requests[(n % self.requests.len() as u64) as usize];
        (request, body)
    }
}

/// A run's times: when it starts, when the measured window opens and ends, and when
/// answers still owed stop being waited for.
#[derive(Clone, Copy, Debug)]
pub struct Times {
    start: Instant,
    measured_from: Instant,
    end: Instant,
    give_up: Instant,
}

impl Times {
    pub fn of(plan: &Plan, start: Instant) -> Self {
        let measured_from = start + plan.warmup;
        let end = measured_from + plan.duration;
        Times { start, measured_from, end, give_up: end + plan.drain }
    }

    /// When the measured window ends.
    pub fn end(&self) -> Instant {
        self.end
    }

    fn in_window(&self, instant: Instant) -> bool {
        (self.measured_from..self.end).contains(&instant)
    }
}

impl Plan {
    /// When request `k` of connection `index` is due, `rate` requests a second in all.
    fn due(&self, rate: f64, index: usize, k: u64, times: &Times) -> Instant {
        let n = k * self.connections as u64 + index as u64;
        times.start + Duration::from_secs_f64(n as f64 / rate)
    }
}

/// Drives connection `index` of `plan` over `times`, recording latencies and lags
/// into `histograms`, and returns what it counted.
pub async fn drive(
    plan: &Plan,
    index: usize,
    times: Times,
    requests: &Requests,
    histograms: &Histograms,
) -> Counts {
    let mut counts = Counts::default();
    let mut connection: Option<Connection> = None;
    let mut free_at = times.start;
    for k in 0u64.. {
        let due = match plan.pace {
            Pace::Open { rate } => plan.due(rate, index, k, &times),
            Pace::Closed => Instant::now().max(times.start),
        };
        if due >= times.end {
            break;
        }
        if Instant::now() >= times.give_up {
            // Failed connections may have kept this one past the drain's end.
            charge_unsent(plan, index, k, &times, &mut counts, histograms);
            break;
        }
        if Instant::now() < due {
            Timer::at(due).await;
        }
        let sent = Instant::now();
        let measured = due >= times.measured_from;
        if measured {
            histograms.record_lag(sent - due.max(free_at));
            counts.sent += 1;
        }
        let (request, expected) = requests.nth(k * plan.connections as u64 + index as u64);
        let exchange = async {
            let open = match connection.as_mut() {
                Some(open) => open,
                None => connection.insert(Connection::open(plan.address).await?),
            };
            open.exchange(request, expected).await
        };
        let answered = match select(Box::pin(exchange), Timer::at(times.give_up)).await {
            Either::Left((answered, _)) => answered,
            Either::Right(_) => {
                if measured {
                    counts.unanswered += 1;
                    histograms.record_latency(times.give_up - due);
                }
                charge_unsent(plan, index, k + 1, &times, &mut counts, histograms);
                break;
            }
        };
        free_at = Instant::now();
        counts.arrived += u64::from(answered.is_ok() && times.in_window(free_at));
        counts.answered_in_all += u64::from(answered.is_ok());
        let from = if plan.pace == Pace::Closed { sent } else { due };
        match answered {
            Ok(answer) if measured => {
                histograms.record_latency(free_at - from);
                *counts.statuses.entry(answer.status).or_default() += 1;
                counts.wrong += u64::from(!answer.body_as_expected);
            }
            Ok(answer) => counts.wrong += u64::from(!answer.body_as_expected),
            Err(_) => {
                connection = None;
                counts.connection_errors += u64::from(measured);
                // Refused at once: pause rather than spin (closed loop) through it.
                Timer::after(RECONNECT_PAUSE).await;
            }
        }
    }
    counts
}

/// Charges connection `index`'s requests from number `from` on that fell due in the
/// window but never left, because the connection was still waiting when the drain
/// ended: each counts as unsent, with the latency it had reached then. A server
/// that stalls a connection is charged for every request due on it meanwhile.
fn charge_unsent(
    plan: &Plan,
    index: usize,
    from: u64,
    times: &Times,
    counts: &mut Counts,
    histograms: &Histograms,
) {
    let Pace::Open { rate } = plan.pace else { return };
    for k in from.. {
        let due = plan.due(rate, index, k, times);
        if due >= times.end {
            break;
        }
        if due >= times.measured_from {
            counts.unsent += 1;
            histograms.record_latency(times.give_up - due);
        }
    }
}
