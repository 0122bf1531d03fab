//! `load`'s report, made from what the connections recorded, and printed as text.

use std::{num::NonZeroUsize, time::Duration};

use chain_records::load::{Generator, KEPT_SCHEDULE_US, Over, Report, us};

use crate::schedule::{Counts, Histograms, Pace, Plan};

/// What the run cost the generator: CPU time over the whole run, and the CPU and
/// wall-clock time up to the window's end (warm-up and window, not the drain).
pub struct Spent {
    pub cpu: Duration,
    pub cpu_to_end: Duration,
    pub wall_to_end: Duration,
}

/// The report of `plan`, run on `threads` threads, from what was counted and
/// recorded, with what it `spent`.
pub fn report(
    plan: &Plan,
    threads: usize,
    counts: &Counts,
    histograms: &Histograms,
    spent: Spent,
) -> Report {
    let window = plan.duration.as_secs_f64();
    let (latency, lag) = histograms.percentiles();
    Report {
        pace: if plan.pace == Pace::Closed { "closed" } else { "open" }.to_owned(),
        offered_rate: match plan.pace {
            Pace::Open { rate } => Some(rate),
            Pace::Closed => None,
        },
        connections: plan.connections,
        batch: plan.batch.map(NonZeroUsize::get),
        window_seconds: window,
        sent: counts.sent,
        unsent: counts.unsent,
        answered: counts.answered(),
        answered_in_all: counts.answered_in_all,
        achieved_rate: counts.arrived as f64 / window,
        latency_us: latency,
        latency_cdf_us: histograms.cdf(),
        over: None,
        statuses: counts.statuses.clone(),
        connection_errors: counts.connection_errors,
        unanswered: counts.unanswered,
        wrong_answers: counts.wrong,
        generator: Generator {
            threads,
            cpu_seconds: spent.cpu.as_secs_f64(),
            cpu_share: spent.cpu_to_end.as_secs_f64()
                / (spent.wall_to_end.as_secs_f64() * threads as f64),
            kept_schedule: lag.p99 <= KEPT_SCHEDULE_US,
            lag_us: lag,
        },
    }
}

/// The share of the latencies in `histograms` at least `threshold`.
pub fn over(histograms: &Histograms, threshold: Duration) -> Over {
    let threshold_us = u64::try_from(threshold.as_micros()).unwrap_or(u64::MAX);
    Over { threshold_us, share: histograms.share_at_least(threshold) }
}

pub fn print(report: &Report) {
    let open = report.pace == "open";
    let offered = report
        .offered_rate
        .map_or_else(|| "closed loop".to_owned(), |r| format!("open loop at {r} requests/s"));
    let route = report.batch.map_or_else(
        || "GET /users/{id}/with-orders".to_owned(),
        |n| format!("GET /users/with-orders?ids= {n} users each"),
    );
    println!(
        "{offered}, {route}, {} connections, {} s measured",
        report.connections, report.window_seconds
    );
    let (asked, verb) = match open {
        true => (report.sent + report.unsent, "due"),
        false => (report.sent, "sent"),
    };
    println!(
        "  answered {} of {asked} {verb} in the window; answers arriving in it: {:.0} a second",
        report.answered, report.achieved_rate
    );
    let l = &report.latency_us;
    match report.answered + report.unanswered + report.unsent {
        0 => println!("  latency: none recorded"),
        _ => println!(
            "  latency{}: p50 {}, p90 {}, p99 {}, p99.9 {}, max {}",
            if open { " from each request's due time" } else { " from each request's sending" },
            us(l.p50),
            us(l.p90),
            us(l.p99),
            us(l.p999),
            us(l.max)
        ),
    }
    if let Some(over) = report.over {
        let percent = over.share * 100.0;
        println!("  {percent:.2} % of them took {} or longer", us(over.threshold_us));
    }
    let statuses: Vec<String> = report.statuses.iter().map(|(s, n)| format!("{n} × {s}")).collect();
    let statuses = if statuses.is_empty() { "none".to_owned() } else { statuses.join(", ") };
    let unsent = if open { format!(", never sent {}", report.unsent) } else { String::new() };
    println!(
        "  answers: {statuses}; connection errors {}, unanswered {}{unsent}",
        report.connection_errors, report.unanswered
    );
    let g = &report.generator;
    let lag = match open {
        true => format!(", lag p99 {} (how late it sent, its own delay)", us(g.lag_us.p99)),
        false => String::new(),
    };
    let threads =
        if g.threads == 1 { "1 thread".to_owned() } else { format!("{} threads", g.threads) };
    let busy = g.cpu_share * 100.0;
    println!("  generator: {threads}, {:.2} s of CPU ({busy:.0} % busy){lag}", g.cpu_seconds);
    let warnings = [report.behind_warning(), report.error_warning(), report.generator_warning()];
    for warning in warnings.into_iter().flatten() {
        println!("  warning: {warning}");
    }
}

/// This process's CPU time so far, user and system.
pub fn cpu_time() -> Duration {
    let (user, system) = chain_cli::report::cpu_times();
    user + system
}
