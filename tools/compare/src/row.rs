//! One line of the comparison: a subject's runs, and its ratio to the best of its kind.

use std::time::Duration;

use benches::workloads::{Expect, expected_tally};
use chain_lab::{Latencies, Tally};

use crate::{
    Subject,
    args::Workload,
    child::{Described, Measurement},
    stats::{Ratio, Spread, median},
};

/// One line of the comparison.
#[derive(Debug)]
pub struct Row {
    pub subject: Subject,
    /// Each run's wall time in seconds (the median of its samples: of its sleeps for
    /// the timer, the one sample otherwise).
    pub time: Spread,
    /// What rows are compared by, per run: the wall time, the oversleep for the timer
    /// (seconds), or the resident bytes per sleeping task for `idle`.
    pub figure: Spread,
    /// The 99th percentile of every sample of every run, in seconds (nearest rank).
    pub p99_s: f64,
    /// Samples over all runs.
    pub samples: usize,
    pub peak_rss_bytes: Option<u64>,
    /// Seconds per user beyond the unavoidable waits, from the median run.
    pub per_user_overhead_s: Option<f64>,
    /// The figure's median over the best Rust row of the same kind (single- or
    /// multi-threaded), or of any kind when none of its kind was measured.
    pub ratio: Ratio,
    /// What `ratio` is against: `single`, `multi` or `any Rust`.
    pub versus: &'static str,
    /// Whether the row `ratio` is against is noisy.
    pub baseline_noisy: bool,
    /// For a threads baseline, how many threads made requests.
    pub threads: usize,
    /// The accounting of the users of the last run, for the workloads that fetch.
    pub tally: Option<Tally>,
    /// Whether every run's accounting was the same.
    pub tallies_agree: bool,
    /// A runtime's timer and I/O driver, as it reported them in its last run.
    pub described: Option<Described>,
    /// For a timed fan-out: each run's latencies.
    pub latencies: Vec<Latencies>,
}

/// Seconds per user beyond the unavoidable waits `ideal`: `(median − ideal) / users`,
/// never negative, in floating point (whole nanoseconds would truncate it).
pub fn per_user_overhead(median_s: f64, ideal: Duration, users: usize) -> f64 {
    (median_s - ideal.as_secs_f64()).max(0.0) / users as f64
}

/// The 99th percentile of `values` by nearest rank (with few, the largest).
fn p99(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * 0.99).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

impl Row {
    /// Aggregates the runs of `subject`.
    pub fn new(subject: Subject, runs: &[Measurement], workload: &Workload) -> Self {
        let time = Spread::of(runs.iter().map(|m| median(&m.samples_s)).collect());
        let figure = match workload {
            Workload::Idle { .. } => {
                Spread::of(runs.iter().filter_map(|m| m.bytes_per_task).collect())
            }
            Workload::Timer { sleep, .. } => time.map(|t| (t - sleep.as_secs_f64()).max(0.0)),
            _ => time.clone(),
        };
        let samples: Vec<f64> = runs.iter().flat_map(|m| m.samples_s.iter().copied()).collect();
        let per_user_overhead_s =
            workload.users().map(|users| per_user_overhead(time.median, workload.ideal(), users));
        let threads = match subject {
            Subject::Threads(threads) => {
                let connections = workload.source().map_or(1, |s| s.connections.get());
                threads.threads(workload.users().unwrap_or(1), connections)
            }
            _ => 0,
        };
        Row {
            threads,
            subject,
            p99_s: p99(&samples),
            samples: samples.len(),
            peak_rss_bytes: runs.iter().filter_map(|m| m.peak_rss_bytes).max(),
            per_user_overhead_s,
            ratio: Ratio::ONE,
            versus: "single",
            baseline_noisy: false,
            tally: runs.last().and_then(|m| m.tally.clone()),
            tallies_agree: runs.windows(2).all(|pair| pair[0].tally == pair[1].tally),
            described: runs.last().and_then(|m| m.described.clone()),
            latencies: runs.iter().filter_map(|m| m.latencies).collect(),
            time,
            figure,
        }
    }

    /// The median over the runs of `figure` of each run's latencies, in seconds;
    /// `None` for a row without them.
    pub fn latency_s(&self, figure: impl Fn(&Latencies) -> Option<Duration>) -> Option<f64> {
        let runs: Vec<f64> =
            self.latencies.iter().filter_map(&figure).map(|d| d.as_secs_f64()).collect();
        (!runs.is_empty()).then(|| median(&runs))
    }

    /// Whether a Rust runtime made this row.
    pub fn is_rust(&self) -> bool {
        matches!(self.subject, Subject::Rust(..))
    }

    /// Whether the row's work runs on several threads.
    pub fn is_multi_thread(&self) -> bool {
        match self.subject {
            Subject::Rust(flavour, _) => flavour.is_multi_thread(),
            Subject::Threads(_) => true,
            Subject::Python(_) => false,
        }
    }

    /// `multi` or `single`: the kind of rows this one is ranked among.
    pub fn kind(&self) -> &'static str {
        if self.is_multi_thread() { "multi" } else { "single" }
    }

    /// Threads that run the work: for the threads baselines, the threads that make
    /// requests (one per request, or the pool's).
    pub fn workers(&self) -> usize {
        match self.subject {
            Subject::Rust(_, workers) => workers.get(),
            Subject::Threads(_) => self.threads,
            Subject::Python(_) => 1,
        }
    }
}

/// Checks every run's accounting against the one its workload implies
/// ([`expected_tally`]): every user's result, or under faults the outcome the seed's
/// plan implies for each; so every row agrees with every other. A run of a fan-out,
/// or of a chain under faults, must have kept one. The error is one line, naming the
/// first run that disagrees.
pub fn check_tallies(
    subjects: &[Subject],
    measurements: &[Vec<Measurement>],
    workload: &Workload,
) -> Result<(), String> {
    let Some(users) = workload.users() else { return Ok(()) };
    let expect = workload.expect();
    let expected = expected_tally(users, expect);
    let required = workload.is_faulty() || !matches!(workload, Workload::Chain { .. });
    let implies = match expect {
        Expect::Results => "every user's result".to_owned(),
        Expect::Faults(plan) => format!("the fault plan ({plan})"),
    };
    for (subject, runs) in subjects.iter().zip(measurements) {
        for (run, measurement) in (1..).zip(runs) {
            let found = match &measurement.tally {
                Some(tally) if *tally == expected => continue,
                None if !required => continue,
                Some(tally) => tally.to_string(),
                None => "no accounting".to_owned(),
            };
            return Err(format!(
                "{} (run {run}) returned {found}, but {implies} means {expected}",
                subject.described()
            ));
        }
    }
    Ok(())
}

/// Sets each row's ratio to the best Rust row with the same kind (single- or
/// multi-threaded) and worker count, and sorts by kind, workers, then rank. The
/// Python rows are measured against that best row but never are it. Timer rows keep
/// a fixed order: their figures are properties, not scores.
pub fn with_ratios(mut rows: Vec<Row>, workload: &Workload) -> Vec<Row> {
    // A threads baseline is measured against the best multi-threaded runtime.
    let peers = |a: &Row, b: &Row| {
        a.is_multi_thread() == b.is_multi_thread()
            && (a.workers() == b.workers() || matches!(a.subject, Subject::Threads(_)))
    };
    let best_rust = |of: &dyn Fn(&Row) -> bool| {
        let candidates = rows.iter().filter(|other| other.is_rust() && of(other));
        candidates
            .min_by(|a, b| a.figure.median.total_cmp(&b.figure.median))
            .map(|best| best.figure.clone())
    };
    // Without a Rust peer (`--flavours` left none of its kind), a row is measured
    // against the best Rust row of any kind, and says so; a reference row never
    // becomes its own baseline.
    let best: Vec<(Option<Spread>, &'static str)> = rows
        .iter()
        .map(|row| match best_rust(&|other| peers(row, other)) {
            Some(best) => (Some(best), row.kind()),
            None => (best_rust(&|_| true), "any Rust"),
        })
        .collect();
    for (row, (best, versus)) in rows.iter_mut().zip(best) {
        let best = best.unwrap_or_else(|| Spread::of(vec![f64::NAN]));
        // The best row itself: its spread is in its own columns, not a ratio to itself.
        let itself = row.figure == best;
        row.ratio = if itself { Ratio::ONE } else { Ratio::between(&row.figure, &best) };
        row.baseline_noisy = !itself && best.is_noisy();
        row.versus = versus;
    }
    rows.sort_by(|a, b| {
        let key = |row: &Row| (row.is_multi_thread(), row.workers());
        let rank = |row: &Row| if workload.is_ranked() { row.figure.median } else { 0.0 };
        key(a).cmp(&key(b)).then(rank(a).total_cmp(&rank(b)))
    });
    rows
}

/// Rows of `subjects`, each run of each taking the seconds (or, for `idle`, bytes
/// per task) given, with their ratios: made-up rows for tests.
#[cfg(test)]
pub fn made_up(workload: &Workload, subjects: Vec<(Subject, Vec<f64>)>) -> Vec<Row> {
    let idle = matches!(workload, Workload::Idle { .. });
    let run = |figure: f64| Measurement {
        samples_s: vec![if idle { 0.01 } else { figure }],
        peak_rss_bytes: Some(1 << 20),
        bytes_per_task: idle.then_some(figure),
        tally: None,
        described: Some(Described { timer: "made-up timer".into(), io: "made-up driver".into() }),
        latencies: None,
    };
    let rows = subjects.into_iter().map(|(subject, figures)| {
        let runs: Vec<Measurement> = figures.into_iter().map(run).collect();
        Row::new(subject, &runs, workload)
    });
    with_ratios(rows.collect(), workload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_user_overhead_is_rounded_not_truncated_to_nanoseconds() {
        // 764.94 us over 1,000 users: 764.94 ns, not the 764 ns of `Duration / u32`.
        let overhead = per_user_overhead(764.94e-6, Duration::ZERO, 1000);
        assert!((overhead - 764.94e-9).abs() < 1e-15, "{overhead}");
        let ideal = Duration::from_millis(10);
        assert!((per_user_overhead(0.0107649, ideal, 1000) - 764.9e-9).abs() < 1e-14);
        assert_eq!(per_user_overhead(0.009, ideal, 1000), 0.0);
    }

    fn run(tally: Option<Tally>) -> Measurement {
        let described = None;
        Measurement {
            samples_s: vec![1e-3],
            peak_rss_bytes: None,
            bytes_per_task: None,
            tally,
            described,
            latencies: None,
        }
    }

    #[test]
    fn a_run_whose_accounting_differs_from_the_plan_fails_the_comparison() {
        use crate::args::workload;
        use benches::Flavour;
        let faulty = workload(&["fanout", "--users", "50", "--fail-rate", "0.2", "--seed", "4"]);
        let expected = expected_tally(50, faulty.expect());
        assert!(expected.errors() > 0 && expected.results > 0, "{expected}");
        let subjects = [
            Subject::Rust(Flavour::SmolCurrentThread, std::num::NonZeroUsize::MIN),
            Subject::Rust(Flavour::TokioMultiThread, std::num::NonZeroUsize::new(2).unwrap()),
        ];
        let good = || vec![run(Some(expected.clone())), run(Some(expected.clone()))];
        assert_eq!(check_tallies(&subjects, &[good(), good()], &faulty), Ok(()));
        // Both rows agreeing with each other is not enough: one user too many failed.
        let mut wrong = expected.clone();
        wrong.results -= 1;
        *wrong.errors_by_cause.get_mut("failed").unwrap() += 1;
        let agreeing = || vec![run(Some(wrong.clone())), run(Some(wrong.clone()))];
        let error = check_tallies(&subjects, &[agreeing(), agreeing()], &faulty).unwrap_err();
        assert!(
            error.starts_with("smol-current-thread with 1 worker (run 1) returned "),
            "{error}"
        );
        assert!(error.contains(&wrong.to_string()) && error.contains("fault plan"), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        // A second run that differs, and a run that kept no accounting.
        let later = vec![run(Some(expected.clone())), run(Some(wrong))];
        let error = check_tallies(&subjects, &[good(), later], &faulty).unwrap_err();
        assert!(error.starts_with("tokio-multi-thread with 2 workers (run 2)"), "{error}");
        let error = check_tallies(&subjects, &[good(), vec![run(None)]], &faulty).unwrap_err();
        assert!(error.contains("returned no accounting"), "{error}");
        // Without faults every user's result is expected; a chain need keep none.
        let plain = workload(&["fanout", "--users", "50"]);
        let error = check_tallies(&subjects, &[good(), good()], &plain).unwrap_err();
        assert!(
            error.ends_with(
                "every user's result means users requested 50: results 50, errors 0, lost 0"
            ),
            "{error}"
        );
        let chain = workload(&["chain"]);
        assert_eq!(check_tallies(&subjects, &[vec![run(None)], vec![run(None)]], &chain), Ok(()));
    }

    #[test]
    fn p99_is_the_nearest_rank() {
        let values: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(p99(&values), 198.0);
        assert_eq!(p99(&[3.0, 1.0]), 3.0);
    }
}
