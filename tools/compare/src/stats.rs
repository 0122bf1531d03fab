//! A row's runs: their median and spread, whether they are noisy, and the range of a
//! ratio between two rows.

/// The most a row's runs may spread before the row is noisy: a row is noisy when
/// (most − least) / median > 10 %.
pub const NOISE_LIMIT: f64 = 0.10;

/// Every run's figure of a row, in the order measured, with their median and extremes.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    /// One figure per run, in the order the runs were made.
    pub runs: Vec<f64>,
    /// The median of the runs (of an even count, the mean of the middle two).
    pub median: f64,
    /// The least run.
    pub min: f64,
    /// The most run.
    pub max: f64,
}

impl Spread {
    /// The spread of `runs`; NaN figures when there are none.
    pub fn of(runs: Vec<f64>) -> Self {
        let mut sorted = runs.clone();
        sorted.sort_by(f64::total_cmp);
        let (min, max) = match (sorted.first(), sorted.last()) {
            (Some(&min), Some(&max)) => (min, max),
            _ => (f64::NAN, f64::NAN),
        };
        Spread { median: median_of_sorted(&sorted), min, max, runs }
    }

    /// The same runs, each changed by `f` (which must keep their order).
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        Spread::of(self.runs.iter().copied().map(f).collect())
    }

    /// (max − min) / median: 0 for one run, infinite for a spread around a zero median.
    pub fn relative(&self) -> f64 {
        let width = self.max - self.min;
        if width == 0.0 { 0.0 } else { width / self.median }
    }

    /// Whether the runs spread more than [`NOISE_LIMIT`] of their median.
    pub fn is_noisy(&self) -> bool {
        self.relative() > NOISE_LIMIT
    }
}

/// The median of `values`: of an even count, the mean of the middle two; NaN of none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    median_of_sorted(&sorted)
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 0 => (sorted[middle - 1] + sorted[middle]) / 2.0,
        _ => sorted[middle],
    }
}

/// A row's figure over its baseline's: the medians' ratio, and the range of the
/// ratios of any run of the row to any run of the baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio {
    /// The row's median over the baseline's median.
    pub point: f64,
    /// The row's least run over the baseline's most run.
    pub low: f64,
    /// The row's most run over the baseline's least run.
    pub high: f64,
}

impl Ratio {
    /// The best row's, against itself.
    pub const ONE: Ratio = Ratio { point: 1.0, low: 1.0, high: 1.0 };

    /// `row` measured against `baseline`.
    pub fn between(row: &Spread, baseline: &Spread) -> Self {
        let over = |a: f64, b: f64| a / b.max(f64::MIN_POSITIVE);
        Ratio {
            point: over(row.median, baseline.median),
            low: over(row.min, baseline.max),
            high: over(row.max, baseline.min),
        }
    }

    /// `2.00x`, or `1.76–2.45x` when either side is `noisy` and the ends differ.
    pub fn shown(&self, noisy: bool) -> String {
        match noisy && self.low != self.high {
            true => format!("{:.2}–{:.2}x", self.low, self.high),
            false => format!("{:.2}x", self.point),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn a_spread_keeps_every_run_in_order_with_its_extremes() {
        let spread = Spread::of(vec![1.2, 1.0, 1.1]);
        assert_eq!(spread.runs, [1.2, 1.0, 1.1]);
        assert_eq!((spread.min, spread.median, spread.max), (1.0, 1.1, 1.2));
    }

    #[test]
    fn a_row_is_noisy_above_a_tenth_of_its_median() {
        // (1.1 - 1.0) / 1.05 = 9.5 %: steady; (1.2 - 1.0) / 1.1 = 18 %: noisy.
        assert!(!Spread::of(vec![1.0, 1.05, 1.1]).is_noisy());
        assert!(Spread::of(vec![1.0, 1.1, 1.2]).is_noisy());
        assert!(!Spread::of(vec![3.0]).is_noisy());
        assert!(!Spread::of(vec![0.0, 0.0]).is_noisy());
        assert!(Spread::of(vec![0.0, 0.0, 1.0]).is_noisy());
    }

    #[test]
    fn a_ratio_ranges_over_every_run_of_both_rows() {
        let baseline = Spread::of(vec![1.0, 1.0, 1.25]);
        let row = Spread::of(vec![2.0, 2.5, 3.0]);
        let ratio = Ratio::between(&row, &baseline);
        assert_eq!(ratio, Ratio { point: 2.5, low: 1.6, high: 3.0 });
    }
}
