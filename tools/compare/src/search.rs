//! The saturation search: each row's highest sustained rate, the rows' searches
//! taking turns so that a failure is measured again only after every other
//! unfinished row has had a measurement, giving a noisy stretch of a shared
//! machine that caused it the time to pass.

use std::time::Duration;

use chain_records::serve_record::{Point, Saturation};

/// How many times the search halves the gap between a rate sustained and one not.
const BISECTIONS: usize = 4;

/// Whether `point` sustained its offered rate: answers arriving nearly as fast,
/// none in error, p99 within `bound`.
fn sustained(point: &Point, bound: Duration) -> bool {
    point.load.behind_warning().is_none()
        && point.load.errors() == 0
        && point.load.latency_us.p99 as u128 <= bound.as_micros()
}

/// One row's search: doubling from its start (halving first if even that is too
/// much) until a rate is not sustained, then halving the gap [`BISECTIONS`] times.
/// A rate counts as not sustained only when a second measurement of it fails too.
struct RateSearch {
    /// The rate to measure next.
    rate: f64,
    /// The highest rate sustained so far, with its measurement.
    good: Option<(f64, Point)>,
    /// The lowest rate not sustained, once one is.
    bad: Option<f64>,
    bisections: usize,
    /// Whether `rate` failed once already.
    doubted: bool,
    generator_limited: bool,
    done: bool,
}

impl RateSearch {
    fn new(from: f64) -> RateSearch {
        RateSearch {
            rate: from,
            good: None,
            bad: None,
            bisections: 0,
            doubted: false,
            generator_limited: false,
            done: false,
        }
    }

    /// The rate to measure next, or `None` once the search is over.
    fn next(&self) -> Option<f64> {
        (!self.done).then_some(self.rate)
    }

    /// Takes the measurement of [`RateSearch::next`]'s rate; an error once even
    /// the lowest rate tried was not sustained.
    fn record(&mut self, point: Point, bound: Duration) -> Result<(), String> {
        let held = sustained(&point, bound);
        if !held && !self.doubted {
            self.doubted = true;
            return Ok(());
        }
        self.doubted = false;
        if held {
            self.good = Some((self.rate, point));
        } else if self.good.is_some() {
            self.generator_limited = point.load.generator_warning().is_some();
            self.bad = Some(self.rate);
        }
        match (self.bad, held) {
            (Some(_), _) => self.bisect(),
            (None, true) => {
                self.rate *= 2.0;
                self.done = self.rate > chain_records::load::MAX_RATE;
            }
            (None, false) if self.rate > 2.0 => self.rate = (self.rate / 2.0).floor(),
            (None, false) => {
                return Err(format!("not even {} requests/s was sustained", self.rate));
            }
        }
        Ok(())
    }

    /// The middle of the gap between the highest rate sustained and the lowest
    /// not, or the end once the gap was halved [`BISECTIONS`] times.
    fn bisect(&mut self) {
        match (&self.good, self.bad) {
            (Some((low, _)), Some(high)) if self.bisections < BISECTIONS => {
                self.rate = ((low + high) / 2.0).round();
                self.bisections += 1;
            }
            _ => self.done = true,
        }
    }

    /// What the search found, once over: `None` only before its first
    /// measurement, since one that sustains nothing ends in [`RateSearch::record`]'s
    /// error.
    fn found(self) -> Option<Saturation> {
        let (rate, at) = self.good?;
        Some(Saturation { rate, at, generator_limited: self.generator_limited })
    }
}

/// The saturation rate of each of `rows` rows, all searched from `from`, one
/// measurement of each unfinished row a round: `measure(row, rate)` measures one.
/// A row whose search fails ends them all, with its number.
pub fn search_rows(
    rows: usize,
    from: f64,
    bound: Duration,
    mut measure: impl FnMut(usize, f64) -> Result<Point, String>,
) -> Result<Vec<Saturation>, (usize, String)> {
    let mut searches: Vec<RateSearch> = (0..rows).map(|_| RateSearch::new(from)).collect();
    loop {
        let mut measured = false;
        // In the same order each round: a rotated one would put some row's two
        // measurements closer together.
        for (row, search) in searches.iter_mut().enumerate() {
            let Some(rate) = search.next() else { continue };
            let point = measure(row, rate).map_err(|e| (row, e))?;
            search.record(point, bound).map_err(|e| (row, e))?;
            measured = true;
        }
        if !measured {
            break;
        }
    }
    let found = searches.into_iter().enumerate();
    found.map(|(row, s)| s.found().ok_or((row, "nothing was measured".to_owned()))).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use chain_records::load::{Generator, Percentiles, Report};

    use super::*;

    /// A measurement of a server that answers at most `capacity` requests a second,
    /// with p99 of 1 ms below it.
    pub(crate) fn point(rate: f64, capacity: f64) -> Point {
        let p99 = if rate <= capacity { 1_000 } else { 50_000 };
        let latency = Percentiles { p50: 100, p90: 500, p99, p999: p99, max: p99 };
        let load = Report {
            pace: "open".into(),
            offered_rate: Some(rate),
            connections: 50,
            batch: None,
            window_seconds: 1.0,
            sent: rate as u64,
            unsent: 0,
            answered: rate.min(capacity) as u64,
            answered_in_all: rate.min(capacity) as u64,
            achieved_rate: rate.min(capacity),
            latency_us: latency,
            latency_cdf_us: Vec::new(),
            over: None,
            statuses: [(200, rate.min(capacity) as u64)].into(),
            connection_errors: 0,
            unanswered: 0,
            wrong_answers: 0,
            generator: Generator {
                threads: 1,
                cpu_seconds: 0.1,
                cpu_share: 0.1,
                lag_us: Percentiles { p50: 1, p90: 1, p99: 1, p999: 1, max: 1 },
                kept_schedule: true,
            },
        };
        Point {
            load,
            server_cpu_seconds: 0.1,
            peak_memory_bytes: 1 << 22,
            hedge: None,
            fetches: None,
        }
    }

    const BOUND: Duration = Duration::from_millis(10);

    /// One row's search from `from` of a server with `capacity`: what it found, and
    /// the rates it measured in order.
    fn searched(from: f64, capacity: f64) -> (Saturation, Vec<f64>) {
        let mut asked = Vec::new();
        let found = search_rows(1, from, BOUND, |_, rate| {
            asked.push(rate);
            Ok(point(rate, capacity))
        });
        (found.unwrap().remove(0), asked)
    }

    #[test]
    fn the_search_doubles_then_halves_the_gap_four_times_measuring_each_failure_twice() {
        let (found, asked) = searched(1000.0, 3000.0);
        let failed_twice = [4000.0, 4000.0, 3000.0, 3500.0, 3500.0, 3250.0, 3250.0];
        assert_eq!(asked, [&[1000.0, 2000.0][..], &failed_twice, &[3125.0, 3125.0]].concat());
        assert_eq!(found.rate, 3000.0);
        assert!(!found.generator_limited);
    }

    #[test]
    fn a_start_above_the_capacity_halves_until_one_is_sustained() {
        let (found, asked) = searched(16000.0, 3000.0);
        assert_eq!(&asked[..7], [16000.0, 16000.0, 8000.0, 8000.0, 4000.0, 4000.0, 2000.0]);
        assert_eq!(found.rate, 3000.0);
    }

    #[test]
    fn a_search_that_reaches_the_generators_highest_rate_ends_there() {
        let (found, asked) = searched(chain_records::load::MAX_RATE / 4.0, f64::INFINITY);
        assert_eq!(asked.len(), 3);
        assert_eq!(found.rate, chain_records::load::MAX_RATE);
    }

    #[test]
    fn one_failed_measurement_of_a_rate_does_not_end_the_search() {
        let mut hiccups = 0;
        let found = search_rows(1, 1000.0, BOUND, |_, rate| {
            // The first measurement at 2000/s fails, as a machine's pause makes it.
            let hiccup = rate == 2000.0 && hiccups == 0;
            hiccups += usize::from(hiccup);
            Ok(point(rate, if hiccup { 0.0 } else { 3000.0 }))
        });
        assert_eq!((found.unwrap()[0].rate, hiccups), (3000.0, 1));
    }

    #[test]
    fn a_failure_is_measured_again_only_after_the_other_rows_have_had_a_turn() {
        let mut asked = Vec::new();
        search_rows(3, 1000.0, BOUND, |row, rate| {
            asked.push((row, rate));
            Ok(point(rate, 3000.0))
        })
        .unwrap();
        let at: Vec<usize> = (0..asked.len()).filter(|&i| asked[i].1 == 4000.0).collect();
        assert_eq!(at.len(), 6, "each row measures 4000/s twice: {asked:?}");
        for row in 0..3 {
            let own: Vec<usize> = at.iter().copied().filter(|&i| asked[i].0 == row).collect();
            let between = &asked[own[0] + 1..own[1]];
            let others: std::collections::BTreeSet<usize> =
                between.iter().map(|&(r, _)| r).filter(|&r| r != row).collect();
            assert_eq!(others.len(), 2, "row {row}'s retry came too soon: {asked:?}");
        }
    }

    #[test]
    fn a_noisy_stretch_as_long_as_two_measurements_ends_no_search_early() {
        let mut measurements = 0;
        let found = search_rows(3, 1000.0, BOUND, |_, rate| {
            measurements += 1;
            // Measurements 5 and 6, whatever rows they are of, fail.
            let noisy = (5..=6).contains(&measurements);
            Ok(point(rate, if noisy { 0.0 } else { 3000.0 }))
        })
        .unwrap();
        let rates: Vec<f64> = found.iter().map(|s| s.rate).collect();
        assert_eq!(rates, [3000.0; 3]);
    }

    #[test]
    fn nothing_sustained_is_an_error_naming_the_row() {
        let never = |row, rate| Ok(point(rate, if row == 1 { 0.0 } else { 1e9 }));
        let (row, error) = search_rows(2, 8.0, BOUND, never).err().unwrap();
        assert_eq!(row, 1);
        assert!(error.contains("not even"), "{error}");
    }
}
