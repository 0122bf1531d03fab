//! What a run of `load` found, as text or JSON, and whether it failed.

use std::{collections::BTreeMap, time::Duration};

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::schedule::{Pace, Plan, Recorded};

/// The generator kept its schedule if 99 % of its requests left within this of when
/// they could have: later, it was too busy to measure the server at that rate.
const KEPT_SCHEDULE_US: u64 = 1_000;
/// Above this share of its threads' time on the CPU, the generator may be the limit.
const BUSY_SHARE: f64 = 0.9;

/// A latency distribution in microseconds.
#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

impl Percentiles {
    fn of(histogram: &Histogram<u64>) -> Self {
        let at = |q: f64| histogram.value_at_quantile(q);
        Percentiles {
            p50: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            p999: at(0.999),
            max: histogram.max(),
        }
    }
}

/// The generator's own load: whether it, rather than the server, could have been
/// the limit.
#[derive(Debug, Serialize)]
pub struct Generator {
    pub threads: usize,
    /// CPU time over the whole run, warm-up and drain included.
    pub cpu_seconds: f64,
    /// That CPU time as a share of its threads' time over the warm-up and window.
    pub cpu_share: f64,
    /// How late it sent requests, in microseconds.
    pub lag_us: Percentiles,
    /// 99 % of requests left within 1 ms of when they could.
    pub kept_schedule: bool,
}

/// One run's findings.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `open` or `closed`.
    pub pace: &'static str,
    /// Requests a second offered; none in closed loop.
    pub offered_rate: Option<f64>,
    pub connections: usize,
    pub window_seconds: f64,
    pub sent: u64,
    pub answered: u64,
    /// Answers a second over the window.
    pub achieved_rate: f64,
    pub latency_us: Percentiles,
    /// Answers by status.
    pub statuses: BTreeMap<u16, u64>,
    pub connection_errors: u64,
    pub unanswered: u64,
    pub wrong_answers: u64,
    pub generator: Generator,
}

impl Report {
    pub fn new(plan: &Plan, threads: usize, recorded: &Recorded, cpu: Duration) -> Self {
        let window = plan.duration.as_secs_f64();
        let answered = recorded.answered();
        let lag = Percentiles::of(&recorded.lag);
        let busy = (plan.warmup + plan.duration).as_secs_f64() * threads as f64;
        Report {
            pace: if plan.pace == Pace::Closed { "closed" } else { "open" },
            offered_rate: match plan.pace {
                Pace::Open { rate } => Some(rate),
                Pace::Closed => None,
            },
            connections: plan.connections,
            window_seconds: window,
            sent: recorded.sent,
            answered,
            achieved_rate: answered as f64 / window,
            latency_us: Percentiles::of(&recorded.latency),
            statuses: recorded.statuses.clone(),
            connection_errors: recorded.connection_errors,
            unanswered: recorded.unanswered,
            wrong_answers: recorded.wrong,
            generator: Generator {
                threads,
                cpu_seconds: cpu.as_secs_f64(),
                cpu_share: cpu.as_secs_f64() / busy,
                kept_schedule: lag.p99 <= KEPT_SCHEDULE_US,
                lag_us: lag,
            },
        }
    }

    /// Why the run failed, if it did: a wrong answer, or nothing answered at all.
    pub fn failure(&self) -> Option<String> {
        if self.wrong_answers > 0 {
            Some(format!(
                "{} answers were not the article's data for the user asked",
                self.wrong_answers
            ))
        } else if self.answered == 0 {
            Some(format!("no answer in the window ({} connection errors)", self.connection_errors))
        } else {
            None
        }
    }

    /// Whether the generator may have been the limit, and why.
    pub fn generator_warning(&self) -> Option<String> {
        let g = &self.generator;
        match (g.kept_schedule, g.cpu_share > BUSY_SHARE) {
            (true, false) => None,
            (kept, _) => Some(format!(
                "the generator may have been the limit: {}, its threads {:.0} % busy",
                if kept {
                    "it kept its schedule".to_owned()
                } else {
                    format!("1 % of requests left over {} late", us(g.lag_us.p99))
                },
                g.cpu_share * 100.0
            )),
        }
    }

    pub fn print(&self) {
        let offered = self
            .offered_rate
            .map_or_else(|| "closed loop".to_owned(), |r| format!("open loop at {r} requests/s"));
        println!("{offered}, {} connections, {} s measured", self.connections, self.window_seconds);
        println!(
            "  answered {} of {} sent: {:.0} requests/s",
            self.answered, self.sent, self.achieved_rate
        );
        let l = &self.latency_us;
        println!(
            "  latency{}: p50 {}, p90 {}, p99 {}, p99.9 {}, max {}",
            if self.pace == "open" { " from each request's due time" } else { "" },
            us(l.p50),
            us(l.p90),
            us(l.p99),
            us(l.p999),
            us(l.max)
        );
        let statuses: Vec<String> =
            self.statuses.iter().map(|(s, n)| format!("{n} × {s}")).collect();
        println!(
            "  answers: {}; connection errors {}, unanswered {}",
            statuses.join(", "),
            self.connection_errors,
            self.unanswered
        );
        println!(
            "  generator: {} thread(s), {:.2} s of CPU ({:.0} % busy), lag p99 {}",
            self.generator.threads,
            self.generator.cpu_seconds,
            self.generator.cpu_share * 100.0,
            us(self.generator.lag_us.p99)
        );
        if let Some(warning) = self.generator_warning() {
            println!("  warning: {warning}");
        }
    }
}

fn us(micros: u64) -> String {
    chain_core::readable::duration(Duration::from_micros(micros))
}

/// This process's CPU time so far, user and system.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage writes the whole struct, which is plain data.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}
