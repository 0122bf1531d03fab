//! `load`'s report, made from what the connections recorded, and printed as text.

use std::time::Duration;

use benches::load::{Generator, KEPT_SCHEDULE_US, Percentiles, Report, us};
use hdrhistogram::Histogram;

use crate::schedule::{Pace, Plan, Recorded};

fn percentiles(histogram: &Histogram<u64>) -> Percentiles {
    let at = |q: f64| histogram.value_at_quantile(q);
    Percentiles { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: histogram.max() }
}

/// The report of `plan`, run on `threads` threads, from what was `recorded`, with
/// the generator's `cpu` time.
pub fn report(plan: &Plan, threads: usize, recorded: &Recorded, cpu: Duration) -> Report {
    let window = plan.duration.as_secs_f64();
    let answered = recorded.answered();
    let lag = percentiles(&recorded.lag);
    let busy = (plan.warmup + plan.duration).as_secs_f64() * threads as f64;
    Report {
        pace: if plan.pace == Pace::Closed { "closed" } else { "open" }.to_owned(),
        offered_rate: match plan.pace {
            Pace::Open { rate } => Some(rate),
            Pace::Closed => None,
        },
        connections: plan.connections,
        window_seconds: window,
        sent: recorded.sent,
        answered,
        answered_in_all: recorded.answered_in_all,
        achieved_rate: answered as f64 / window,
        latency_us: percentiles(&recorded.latency),
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

pub fn print(report: &Report) {
    let offered = report
        .offered_rate
        .map_or_else(|| "closed loop".to_owned(), |r| format!("open loop at {r} requests/s"));
    println!("{offered}, {} connections, {} s measured", report.connections, report.window_seconds);
    println!(
        "  answered {} of {} sent: {:.0} requests/s",
        report.answered, report.sent, report.achieved_rate
    );
    let l = &report.latency_us;
    println!(
        "  latency{}: p50 {}, p90 {}, p99 {}, p99.9 {}, max {}",
        if report.pace == "open" { " from each request's due time" } else { "" },
        us(l.p50),
        us(l.p90),
        us(l.p99),
        us(l.p999),
        us(l.max)
    );
    let statuses: Vec<String> = report.statuses.iter().map(|(s, n)| format!("{n} × {s}")).collect();
    println!(
        "  answers: {}; connection errors {}, unanswered {}",
        statuses.join(", "),
        report.connection_errors,
        report.unanswered
    );
    println!(
        "  generator: {} thread(s), {:.2} s of CPU ({:.0} % busy), lag p99 {}",
        report.generator.threads,
        report.generator.cpu_seconds,
        report.generator.cpu_share * 100.0,
        us(report.generator.lag_us.p99)
    );
    if let Some(warning) = report.generator_warning() {
        println!("  warning: {warning}");
    }
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
