//! The columns of compare's two tables: the comparison, and the accounting of users.

use crate::{
    Subject,
    args::Workload,
    report::{label, seconds},
    row::Row,
    stats::Spread,
    table::{Column, NONE},
};

/// The line above the accounting table.
pub const ACCOUNTING: &str = "Every user accounted for (each row's last run):";

/// What each runtime documents about its timer's precision.
fn timer_precision(subject: &Subject) -> &'static str {
    match subject {
        Subject::Rust(flavour, _) if flavour.runtime() == "tokio" => "1 ms wheel, rounds up",
        Subject::Rust(..) => "async-io timerfd, exact",
        Subject::Python(_) => "selector timeout, about 1 ms steps",
        Subject::Threads(_) => NONE,
    }
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or(NONE.into(), |b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)))
}

/// A figure of `workload` as printed: bytes for `idle`, a duration otherwise.
pub fn figure(workload: &Workload, value: f64) -> String {
    match workload {
        Workload::Idle { .. } if value.is_finite() => format!("{value:.0} B"),
        Workload::Idle { .. } => NONE.to_owned(),
        _ => seconds(value),
    }
}

/// `1.00 ms – 1.20 ms (18.2 %, noisy)`: the least and most run, and how far apart they
/// are; nothing for a single run.
pub fn spread(workload: &Workload, spread: &Spread) -> String {
    if spread.runs.len() < 2 {
        return NONE.to_owned();
    }
    let noisy = if spread.is_noisy() { ", noisy" } else { "" };
    format!(
        "{} – {} ({:.1} %{noisy})",
        figure(workload, spread.min),
        figure(workload, spread.max),
        spread.relative() * 100.0
    )
}

/// `1.25x (single)`, or `1.10–1.40x (single)` when the ratio is uncertain.
pub fn ratio(row: &Row) -> String {
    let ratio = row.ratio;
    match row.ratio_is_a_range() {
        true => format!("{:.2}–{:.2}x ({})", ratio.low, ratio.high, row.versus),
        false => format!("{:.2}x ({})", ratio.point, row.versus),
    }
}

/// The headings of the figure, of its third column, and of the ranking.
fn headings(workload: &Workload) -> [&'static str; 3] {
    match workload {
        Workload::Timer { .. } => ["oversleep p50", "oversleep p99", "timer (documented)"],
        Workload::Idle { .. } => {
            ["memory per idle task", "time to start all", "memory/task vs least of its kind"]
        }
        _ => ["median", "per-user overhead", "time vs fastest of its kind"],
    }
}

/// What the ranking column ranks by, e.g. `time vs fastest of its kind`; `None` for
/// the timer, whose rows are not ranked.
pub fn ranked_by(workload: &Workload) -> Option<&'static str> {
    workload.is_ranked().then(|| headings(workload)[2])
}

/// The third column's cell: a timer's p99 oversleep, idle's time to start all its
/// tasks, or the overhead per user.
fn third(workload: &Workload, row: &Row) -> String {
    match workload {
        Workload::Timer { .. } => seconds((row.p99_s - workload.ideal().as_secs_f64()).max(0.0)),
        Workload::Idle { .. } => seconds(row.time.median),
        _ => row.per_user_overhead_s.map_or(NONE.to_owned(), seconds),
    }
}

/// The comparison's columns; those empty in every row are left out when drawn.
pub fn comparison(workload: &Workload, rows: &[Row]) -> Vec<Column> {
    let cells = |f: &dyn Fn(&Row) -> String| rows.iter().map(f).collect::<Vec<_>>();
    let [first, third_heading, last] = headings(workload);
    let ranking = |row: &Row| match workload.is_ranked() {
        true => ratio(row),
        false => timer_precision(&row.subject).to_owned(),
    };
    vec![
        Column::text("flavour", cells(&|row| label(&row.subject))),
        Column::figures("workers", cells(&|row| row.workers().to_string())),
        Column::figures(first, cells(&|row| figure(workload, row.figure.median))),
        Column::figures("runs: least – most (spread)", cells(&|row| spread(workload, &row.figure))),
        Column::figures(third_heading, cells(&|row| third(workload, row))),
        Column::figures("peak RSS", cells(&|row| mib(row.peak_rss_bytes))),
        Column::text(last, cells(&ranking)),
    ]
}

/// The accounting of every row's users: requested, results, errors by cause, and
/// lost; `None` if no Rust row kept an accounting.
pub fn accounting(rows: &[Row]) -> Option<Vec<Column>> {
    // A chain without faults keeps no accounting on the runtimes, only on the
    // threads baselines (whose fan-out of one user does): no table then.
    if !rows.iter().any(|row| row.is_rust() && row.tally.is_some()) {
        return None;
    }
    let cells: Vec<[String; 4]> = rows.iter().map(tally_cells).collect();
    let column = |index: usize| cells.iter().map(|row| row[index].clone()).collect();
    Some(vec![
        Column::text("flavour", rows.iter().map(|row| label(&row.subject)).collect()),
        Column::figures("workers", rows.iter().map(|row| row.workers().to_string()).collect()),
        Column::figures("users requested", column(0)),
        Column::figures("results", column(1)),
        Column::text("errors", column(2)),
        Column::figures("lost", column(3)),
    ])
}

/// A row's requested, results, errors and lost.
fn tally_cells(row: &Row) -> [String; 4] {
    let Some(tally) = &row.tally else {
        return ["not counted".into(), String::new(), String::new(), String::new()];
    };
    let causes: Vec<String> =
        tally.errors_by_cause.iter().map(|(cause, n)| format!("{n} {cause}")).collect();
    let errors = match causes.is_empty() {
        true => "0".to_owned(),
        false => format!("{} ({})", tally.errors(), causes.join(", ")),
    };
    let varied = if row.tallies_agree { "" } else { " (differed between runs)" };
    [
        tally.requested.to_string(),
        tally.results.to_string(),
        errors,
        format!("{}{varied}", tally.lost),
    ]
}
