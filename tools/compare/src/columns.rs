//! The columns of compare's tables: the comparison, the accounting of users, and
//! the latencies they met.

use std::time::Duration;

use crate::{
    Subject,
    args::Workload,
    python::ASYNCIO,
    row::Row,
    stats::{Ratio, Spread},
    table::{Column, NONE},
};

/// The line above the accounting table.
pub const ACCOUNTING: &str = "Every user accounted for (each row's last run):";

/// What each runtime documents about its timer's precision: a Rust runtime's, as
/// it reported it.
fn timer_precision(row: &Row) -> &str {
    match (&row.subject, &row.described) {
        (Subject::Rust(..), Some(described)) => &described.timer,
        (Subject::Python(_), _) => "selector timeout, about 1 ms steps",
        _ => NONE,
    }
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or(NONE.into(), |b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)))
}

/// A figure in seconds as printed (`-` if it is none).
pub fn seconds(value: f64) -> String {
    chain_cli::report::seconds(value).unwrap_or_else(|| NONE.to_owned())
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
    let noisy = row.figure.is_noisy() || row.baseline_noisy;
    format!("{} ({})", row.ratio.shown(noisy), row.versus)
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
        false => timer_precision(row).to_owned(),
    };
    let mut columns = vec![
        Column::text("flavour", cells(&|row| row.subject.label())),
        Column::figures("workers", cells(&|row| row.workers().to_string())),
        Column::figures(first, cells(&|row| figure(workload, row.figure.median))),
        Column::figures("runs: least – most (spread)", cells(&|row| spread(workload, &row.figure))),
        Column::figures(third_heading, cells(&|row| third(workload, row))),
        Column::figures("peak RSS", cells(&|row| mib(row.peak_rss_bytes))),
        Column::text(last, cells(&ranking)),
    ];
    let asyncio = rows.iter().find(|row| row.subject == Subject::Python(ASYNCIO));
    if let (Some(asyncio), true) = (asyncio, workload.is_timed()) {
        columns.push(Column::text(FASTER_THAN_ASYNCIO, cells(&|row| faster_than(asyncio, row))));
    }
    columns
}

/// The heading of the column that says how each row compares with asyncio.
pub const FASTER_THAN_ASYNCIO: &str = "times faster than asyncio";

/// How many times faster than `asyncio` `row` ran: its median against asyncio's, or,
/// when either is noisy, the range from the row's slowest run against asyncio's
/// fastest to its fastest against asyncio's slowest.
fn faster_than(asyncio: &Row, row: &Row) -> String {
    if std::ptr::eq(asyncio, row) {
        return "(itself)".into();
    }
    let noisy = asyncio.figure.is_noisy() || row.figure.is_noisy();
    Ratio::between(&asyncio.figure, &row.figure).shown(noisy)
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
        Column::text("flavour", rows.iter().map(|row| row.subject.label()).collect()),
        Column::figures("workers", rows.iter().map(|row| row.workers().to_string()).collect()),
        Column::figures("users requested", column(0)),
        Column::figures("results", column(1)),
        Column::text("errors", column(2)),
        Column::figures("lost", column(3)),
    ])
}

/// The heading of the latencies table.
pub const LATENCIES: &str = "The tail each user met (its chain, first fetch to last answer; percentiles over a run's users, the median of the runs):";

/// Each row's users' and fetches' latencies and, with a hedge, what it sent; `None`
/// if no row kept them (a fan-out is timed over HTTP, with a tail or a hedge).
pub fn latencies(rows: &[Row]) -> Option<Vec<Column>> {
    if rows.iter().all(|row| row.latencies.is_empty()) {
        return None;
    }
    let cells = |figure: &dyn Fn(&chain_lab::Latencies) -> Option<Duration>| -> Vec<String> {
        rows.iter().map(|row| row.latency_s(figure).map_or(NONE.into(), seconds)).collect()
    };
    let mut columns = vec![
        Column::text("flavour", rows.iter().map(|row| row.subject.label()).collect()),
        Column::figures("workers", rows.iter().map(|row| row.workers().to_string()).collect()),
        Column::figures("user p50", cells(&|l| Some(l.users.p50))),
        Column::figures("user p99", cells(&|l| Some(l.users.p99))),
        Column::figures("user p99.9", cells(&|l| Some(l.users.p999))),
        Column::figures("user max", cells(&|l| Some(l.users.max))),
        Column::figures("fetch p99", cells(&|l| Some(l.fetches.p99))),
    ];
    if rows.iter().any(|row| row.latencies.iter().any(|l| l.hedge.is_some())) {
        let sent = |row: &Row| match row.latencies.last().and_then(|l| l.hedge) {
            Some(hedge) => format!("{} / {}", hedge.sent, hedge.needed),
            None => NONE.into(),
        };
        columns.push(Column::figures("fetches sent / needed", rows.iter().map(sent).collect()));
        columns.push(Column::figures("hedge left after", cells(&|l| l.hedge?.extra_after_mean)));
    }
    Some(columns)
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

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use benches::Flavour;

    use super::*;
    use crate::{args::workload, row::made_up, table};

    fn rust(flavour: Flavour) -> Subject {
        let workers = if flavour.is_multi_thread() { 2 } else { 1 };
        Subject::Rust(flavour, NonZeroUsize::new(workers).unwrap())
    }

    /// smol steady at 1 ms; tokio noisy around 2 ms (1.8 to 2.4: 30 %).
    fn rows(words: &[&str]) -> Vec<Row> {
        made_up(
            &workload(words),
            vec![
                (rust(Flavour::TokioCurrentThread), vec![2.4e-3, 1.8e-3, 2.0e-3]),
                (rust(Flavour::SmolCurrentThread), vec![1.0e-3, 1.02e-3, 0.98e-3]),
            ],
        )
    }

    fn cell(columns: &[Column], heading: &str, row: usize) -> String {
        let column = columns.iter().find(|column| column.heading == heading);
        column.unwrap_or_else(|| panic!("no {heading}: {columns:?}")).cells[row].clone()
    }

    #[test]
    fn a_noisy_row_is_marked_and_its_ratio_is_a_range() {
        let rows = rows(&["spawn-many"]);
        let columns = comparison(&workload(&["spawn-many"]), &rows);
        // Sorted by median: smol first, the baseline.
        assert_eq!(cell(&columns, "flavour", 0), "smol-current-thread");
        assert_eq!(cell(&columns, "runs: least – most (spread)", 0), "980.00 us – 1.02 ms (4.0 %)");
        assert_eq!(cell(&columns, "time vs fastest of its kind", 0), "1.00x (single)");
        let spread = cell(&columns, "runs: least – most (spread)", 1);
        assert_eq!(spread, "1.80 ms – 2.40 ms (30.0 %, noisy)");
        // 1.8 / 1.02 to 2.4 / 0.98, around 2.0 / 1.0.
        assert_eq!(cell(&columns, "time vs fastest of its kind", 1), "1.76–2.45x (single)");
        assert!(rows[1].figure.is_noisy() && !rows[0].figure.is_noisy());
        assert_eq!(rows[1].ratio.point, 2.0);
    }

    #[test]
    fn the_fastest_row_is_a_point_however_noisy_it_is() {
        let workload = workload(&["spawn-many"]);
        let noisy_best = vec![(rust(Flavour::SmolCurrentThread), vec![1.0e-3, 1.3e-3, 1.1e-3])];
        let rows = made_up(&workload, noisy_best);
        assert!(rows[0].figure.is_noisy());
        assert_eq!(
            cell(&comparison(&workload, &rows), "time vs fastest of its kind", 0),
            "1.00x (single)"
        );
    }

    #[test]
    fn per_user_overhead_is_rounded_in_the_table() {
        let fanout = workload(&["fanout", "--users", "1000"]);
        let rows = made_up(&fanout, vec![(rust(Flavour::SmolCurrentThread), vec![764.94e-6])]);
        let overhead = cell(&comparison(&fanout, &rows), "per-user overhead", 0);
        assert_eq!(overhead, "764.9 ns");
    }

    #[test]
    fn every_timed_table_with_asyncio_says_how_many_times_faster_each_row_is() {
        let mut subjects = vec![(Subject::Python(ASYNCIO), vec![40.0e-3, 40.0e-3, 40.0e-3])];
        subjects.push((rust(Flavour::SmolCurrentThread), vec![1.0e-3, 1.02e-3, 0.98e-3]));
        subjects.push((rust(Flavour::TokioCurrentThread), vec![2.4e-3, 1.8e-3, 2.0e-3]));
        let bounded = ["bounded", "--users", "10", "--concurrency", "2"];
        let fanout = ["fanout", "--users", "10"];
        for words in [&["chain"][..], &bounded, &fanout, &["spawn-many"]] {
            let workload = workload(words);
            let columns = comparison(&workload, &made_up(&workload, subjects.clone()));
            let faster = |row| cell(&columns, FASTER_THAN_ASYNCIO, row);
            // Sorted by median: smol, tokio (noisy: 40 / 2.4 to 40 / 1.8), asyncio.
            assert_eq!([faster(0), faster(1), faster(2)], ["40.00x", "16.67–22.22x", "(itself)"]);
        }
        for words in [&["timer"][..], &["idle"]] {
            let workload = workload(words);
            let text =
                table::terminal(comparison(&workload, &made_up(&workload, subjects.clone())));
            assert!(!text.contains(FASTER_THAN_ASYNCIO), "{text}");
        }
        let without = table::terminal(comparison(&workload(&["chain"]), &rows(&["chain"])));
        assert!(!without.contains(FASTER_THAN_ASYNCIO), "{without}");
    }

    #[test]
    fn the_timer_table_has_no_per_user_or_ranking_column() {
        let timer = workload(&["timer"]);
        let text = table::terminal(comparison(&timer, &rows(&["timer"])));
        assert!(!text.contains("per-user overhead") && !text.contains(" vs "), "{text}");
        assert!(text.contains("oversleep p99") && text.contains("timer (documented)"), "{text}");
        let spawn = workload(&["spawn-many"]);
        let text = table::terminal(comparison(&spawn, &rows(&["spawn-many"])));
        assert!(!text.contains("per-user overhead"), "{text}");
        assert!(text.contains("time vs fastest of its kind"), "{text}");
    }

    #[test]
    fn idle_ranks_by_memory_and_says_so() {
        let idle = workload(&["idle"]);
        let rows = made_up(
            &idle,
            vec![
                (rust(Flavour::TokioCurrentThread), vec![700.0, 710.0]),
                (rust(Flavour::SmolCurrentThread), vec![380.0, 390.0]),
            ],
        );
        let columns = comparison(&idle, &rows);
        assert_eq!(cell(&columns, "memory per idle task", 0), "385 B");
        assert_eq!(cell(&columns, "memory/task vs least of its kind", 1), "1.83x (single)");
    }

    #[test]
    fn a_single_run_has_no_spread_column() {
        let spawn = workload(&["spawn-many"]);
        let rows = made_up(&spawn, vec![(rust(Flavour::SmolCurrentThread), vec![1e-3])]);
        let text = table::terminal(comparison(&spawn, &rows));
        assert!(!text.contains("spread"), "{text}");
    }

    #[test]
    fn seconds_are_rounded_not_truncated() {
        assert_eq!(seconds(764.94e-9), "764.9 ns");
        assert_eq!(seconds(1.23456e-6), "1.23 us");
        assert_eq!(seconds(1.23556e-6), "1.24 us");
        assert_eq!(seconds(1.5), "1.500 s");
        assert_eq!(seconds(f64::NAN), NONE);
    }
}
