//! Durations as every message and report of this workspace writes them.

use std::time::Duration;

/// `d` in the largest unit in which it is at least 1 once rounded, with three or
/// four significant digits: `0 s`, `1.500 s`, `100.30 ms`, `12.34 us`, `66.0 ns`;
/// from 100 s, in minutes and whole seconds: `13 min 24 s`.
/// Rounded to the nearest last digit (halves up), never truncated, and the unit
/// chosen after rounding, so 999.9996 ms is `1.000 s`.
///
/// # Examples
///
/// ```
/// use chain_core::readable::duration;
/// use std::time::Duration;
///
/// assert_eq!(duration(Duration::from_millis(20)), "20.00 ms");
/// assert_eq!(duration(Duration::from_nanos(999_999_600)), "1.000 s");
/// assert_eq!(duration(Duration::ZERO), "0 s");
/// ```
pub fn duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0 s".to_owned();
    }
    // From 100 s, whole seconds, in minutes and seconds: `9 min 0 s`, not `540.000 s`.
    let seconds = (nanos + 500_000_000) / 1_000_000_000;
    if seconds >= 100 {
        return format!("{} min {} s", seconds / 60, seconds % 60);
    }
    if nanos < 1_000 {
        return format!("{nanos}.0 ns");
    }
    // The largest unit the value reaches, unless rounding makes it 1000 of them.
    let mut unit = UNITS.iter().position(|u| nanos >= u.size).unwrap_or(UNITS.len() - 1);
    while unit > 0 && UNITS[unit].rounded(nanos).0 >= 1000 {
        unit -= 1;
    }
    let (whole, fraction) = UNITS[unit].rounded(nanos);
    let Unit { decimals, name, .. } = UNITS[unit];
    format!("{whole}.{fraction:0decimals$} {name}")
}

/// [`duration`] of a measured figure in seconds (a median, a mean), which may hold
/// fractions of a nanosecond that a `Duration` cannot: below 1 us it keeps one real
/// decimal, `57.4 ns`, where a `Duration` would print the truncated `57.0 ns`;
/// `None` for a figure that is no duration (negative, infinite, NaN).
///
/// # Examples
///
/// ```
/// use chain_core::readable::seconds;
///
/// assert_eq!(seconds(57.35e-9).as_deref(), Some("57.4 ns"));
/// assert_eq!(seconds(999.96e-9).as_deref(), Some("1.00 us"));
/// assert_eq!(seconds(0.0200004).as_deref(), Some("20.00 ms"));
/// assert_eq!(seconds(0.0).as_deref(), Some("0 s"));
/// assert_eq!(seconds(-1.0), None);
/// ```
pub fn seconds(seconds: f64) -> Option<String> {
    let nanos = seconds * 1e9;
    if !(nanos.is_finite() && nanos >= 0.0) {
        return None;
    }
    if nanos == 0.0 {
        return Some(duration(Duration::ZERO));
    }
    // Below what rounds to 1 us, in tenths of a nanosecond.
    if nanos < 999.95 {
        return Some(format!("{nanos:.1} ns"));
    }
    // Whole nanoseconds, floored: every rounding boundary of the larger units is a
    // whole number of nanoseconds, so flooring first never moves a figure across
    // one, where rounding first would (1234.6 ns would round to 1235, then 1.24 us).
    Some(duration(Duration::from_nanos((nanos as u64).max(1_000))))
}

/// A unit of [`duration`], largest first.
const UNITS: [Unit; 3] = [
    Unit { size: 1_000_000_000, decimals: 3, name: "s" },
    Unit { size: 1_000_000, decimals: 2, name: "ms" },
    Unit { size: 1_000, decimals: 2, name: "us" },
];

struct Unit {
    /// Nanoseconds in one.
    size: u128,
    /// Digits after the point.
    decimals: usize,
    name: &'static str,
}

impl Unit {
    /// `nanos` in this unit, rounded to its last decimal (halves up): the whole
    /// units and the decimals as an integer.
    fn rounded(&self, nanos: u128) -> (u128, u128) {
        let per_unit = 10u128.pow(self.decimals as u32);
        let step = self.size / per_unit;
        let steps = (nanos + step / 2) / step;
        (steps / per_unit, steps % per_unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_printed_in_a_readable_unit() {
        assert_eq!(duration(Duration::from_millis(1500)), "1.500 s");
        assert_eq!(duration(Duration::from_micros(100_300)), "100.30 ms");
        assert_eq!(duration(Duration::from_nanos(12_340)), "12.34 us");
        assert_eq!(duration(Duration::ZERO), "0 s");
        assert_eq!(duration(Duration::from_nanos(66)), "66.0 ns");
        assert_eq!(duration(Duration::from_secs(60)), "60.000 s");
        assert_eq!(duration(Duration::from_millis(99_499)), "99.499 s");
        assert_eq!(duration(Duration::from_millis(99_500)), "1 min 40 s");
        assert_eq!(duration(Duration::from_secs(804)), "13 min 24 s");
    }

    #[test]
    fn durations_are_rounded_not_truncated() {
        assert_eq!(duration(Duration::from_nanos(1_234_567)), "1.23 ms");
        assert_eq!(duration(Duration::from_nanos(1_235_000)), "1.24 ms");
        assert_eq!(duration(Duration::from_nanos(2_999_999_999)), "3.000 s");
        assert_eq!(duration(Duration::from_nanos(12_345)), "12.35 us");
    }

    #[test]
    fn the_unit_is_chosen_after_rounding() {
        assert_eq!(duration(Duration::from_nanos(999_999_600)), "1.000 s");
        assert_eq!(duration(Duration::from_nanos(999_995)), "1.00 ms");
        assert_eq!(duration(Duration::from_nanos(999_994)), "999.99 us");
        assert_eq!(duration(Duration::from_nanos(995_000)), "995.00 us");
        assert_eq!(duration(Duration::from_nanos(999)), "999.0 ns");
        assert_eq!(duration(Duration::from_nanos(1_000)), "1.00 us");
    }
}
