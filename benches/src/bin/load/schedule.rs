//! Each connection's requests: on a fixed schedule (open loop: the next request is
//! due at its time whatever the server's pace, and its latency counts from then), or
//! one after another (closed loop, as wrk: the next leaves when the last answer
//! arrives, and its latency counts from its sending).

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    time::{Duration, Instant},
};

use async_io::Timer;
use benches::gateway_wire::{expected_body, request};
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
}

/// What one connection, or all of them merged, saw in the measured window.
#[derive(Debug)]
pub struct Recorded {
    /// From each request's due time (open loop) or sending (closed loop) to its
    /// answer, in microseconds.
    pub latency: Histogram<u64>,
    /// How late the generator itself sent each request, in microseconds: from when
    /// it was due, or from when the connection was free if that was later.
    pub lag: Histogram<u64>,
    pub sent: u64,
    /// Every answer, warm-up and drain included.
    pub answered_in_all: u64,
    pub statuses: BTreeMap<u16, u64>,
    /// Answers 200 whose body was not the article's data for the user asked.
    pub wrong: u64,
    /// Connections that failed (refused, reset, closed mid-answer); each is reopened.
    pub connection_errors: u64,
    /// Requests still unanswered when the drain ended: counted, and recorded with
    /// the latency they had reached then.
    pub unanswered: u64,
}

/// How long a connection that failed waits before it is opened again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// The longest latency recorded: longer ones count as this.
const LONGEST_US: u64 = 3_600_000_000;

impl Recorded {
    fn new() -> Self {
        let histogram = || Histogram::new_with_bounds(1, LONGEST_US, 3).expect("valid bounds");
        Recorded {
            latency: histogram(),
            lag: histogram(),
            sent: 0,
            answered_in_all: 0,
            statuses: BTreeMap::new(),
            wrong: 0,
            connection_errors: 0,
            unanswered: 0,
        }
    }

    pub fn merge(mut self, other: Recorded) -> Self {
        self.latency.add(&other.latency).expect("same bounds");
        self.lag.add(&other.lag).expect("same bounds");
        self.sent += other.sent;
        self.answered_in_all += other.answered_in_all;
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.wrong += other.wrong;
        self.connection_errors += other.connection_errors;
        self.unanswered += other.unanswered;
        self
    }

    /// Answers of any status.
    pub fn answered(&self) -> u64 {
        self.statuses.values().sum()
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// The request and the expected answer body for each user.
pub struct Requests {
    requests: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Requests {
    pub fn new(users: u64) -> Self {
        Requests {
            requests: (1..=users).map(|user| (request(user), expected_body(user))).collect(),
        }
    }

    fn nth(&self, n: u64) -> (&[u8], &[u8]) {
        let (request, body) = &self.requests[(n % self.requests.len() as u64) as usize];
        (request, body)
    }
}

/// Drives connection `index` of `plan` from `start`, and returns what it recorded.
pub async fn drive(plan: &Plan, index: usize, start: Instant, requests: &Requests) -> Recorded {
    let mut recorded = Recorded::new();
    let measured_from = start + plan.warmup;
    let end = measured_from + plan.duration;
    let give_up = end + plan.drain;
    let mut connection: Option<Connection> = None;
    let mut free_at = start;
    for k in 0u64.. {
        let due = match plan.pace {
            Pace::Open { rate } => {
                let n = k * plan.connections as u64 + index as u64;
                start + Duration::from_secs_f64(n as f64 / rate)
            }
            Pace::Closed => Instant::now().max(start),
        };
        if due >= end {
            break;
        }
        if Instant::now() < due {
            Timer::at(due).await;
        }
        let sent = Instant::now();
        let measured = due >= measured_from;
        if measured {
            recorded.lag.saturating_record(micros(sent - due.max(free_at)));
            recorded.sent += 1;
        }
        let (request, expected) = requests.nth(k * plan.connections as u64 + index as u64);
        let exchange = async {
            let open = match connection.as_mut() {
                Some(open) => open,
                None => connection.insert(Connection::open(plan.address).await?),
            };
            open.exchange(request, expected).await
        };
        let answered = match select(Box::pin(exchange), Timer::at(give_up)).await {
            Either::Left((answered, _)) => answered,
            Either::Right(_) => {
                if measured {
                    recorded.unanswered += 1;
                    recorded.latency.saturating_record(micros(give_up - due));
                }
                break;
            }
        };
        free_at = Instant::now();
        let from = if plan.pace == Pace::Closed { sent } else { due };
        recorded.answered_in_all += u64::from(answered.is_ok());
        match answered {
            Ok(answer) if measured => {
                recorded.latency.saturating_record(micros(free_at - from));
                *recorded.statuses.entry(answer.status).or_default() += 1;
                recorded.wrong += u64::from(!answer.body_as_expected);
            }
            Ok(answer) => recorded.wrong += u64::from(!answer.body_as_expected),
            Err(_) => {
                connection = None;
                recorded.connection_errors += u64::from(measured);
                // Refused at once: pause rather than spin (closed loop) through it.
                Timer::after(RECONNECT_PAUSE).await;
            }
        }
    }
    recorded
}
