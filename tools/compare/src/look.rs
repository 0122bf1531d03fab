//! What compare's charts share: a colour per runtime crate (and per baseline), and
//! the ticks of their value axes, linear or, where the values span 100x or more,
//! logarithmic (drawn in log10 space, labelled in the values' own).

use std::ops::Range;

use benches::Flavour;
use plotters::{
    coord::{
        ranged1d::{DefaultFormatting, KeyPointHint, Ranged},
        types::RangedCoordf64,
    },
    style::RGBColor,
};

/// One colour per runtime crate, in the order of `Flavour::runtimes()`: a qualitative
/// palette (Tableau's, less its pale yellow, teal and pink), each readable on white.
const RUNTIMES: [RGBColor; 6] = [
    RGBColor(0x4e, 0x79, 0xa7), // blue
    RGBColor(0xf2, 0x8e, 0x2b), // orange
    RGBColor(0x9c, 0x75, 0x5f), // brown
    RGBColor(0x59, 0xa1, 0x4f), // green
    RGBColor(0xe1, 0x57, 0x59), // red
    RGBColor(0xb0, 0x7a, 0xa1), // purple
];

/// The baselines' colours: OS threads, then each Python event loop.
/// The size of a chart's text and of its title. (plotters draws text at 1/1.24 of
/// the size it is given: these are 13 and 16 px.)
pub const TEXT_SIZE: u32 = 16;
/// See [`TEXT_SIZE`].
pub const TITLE_SIZE: u32 = 20;

pub const THREADS: RGBColor = RGBColor(0x3a, 0x3a, 0x3a);
const PYTHON: [RGBColor; 2] = [RGBColor(0x12, 0x8c, 0x8c), RGBColor(0xc2, 0x18, 0x5b)];

/// The colour of a runtime crate's rows, if `runtime` is one of ours.
pub fn runtime_colour(runtime: &str) -> Option<RGBColor> {
    let index = Flavour::runtimes().iter().position(|&known| known == runtime)?;
    Some(RUNTIMES[index % RUNTIMES.len()])
}

/// The colour of a flavour's line: its runtime's, lighter on the runtime's second
/// driver or glue (compio and monoio on epoll, tokio's `LocalRuntime`), so that
/// they differ from the runtime's first within a chart.
pub fn flavour_colour(flavour: Flavour) -> RGBColor {
    let RGBColor(r, g, b) = runtime_colour(flavour.runtime()).unwrap_or(THREADS);
    let setup = |f: Flavour| (f.package(), f.driver());
    let first = Flavour::ALL.into_iter().find(|f| f.runtime() == flavour.runtime());
    match first.map(setup) == Some(setup(flavour)) {
        true => RGBColor(r, g, b),
        // Halfway to white: the same hue, still readable on white.
        false => RGBColor(r / 2 + 128, g / 2 + 128, b / 2 + 128),
    }
}

/// The colour of the `index`th Python event loop's rows.
pub fn python_colour(index: usize) -> RGBColor {
    PYTHON[index % PYTHON.len()]
}

/// A tick's value: at most three decimals, without trailing zeros, so that `1`
/// stands beside `10` (never `1.0`).
pub fn tick(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

/// Whether values from `least` to `most` need a logarithmic axis: they span 100x.
pub fn spans_decades(least: f64, most: f64) -> bool {
    least > 0.0 && most / least >= 100.0
}

/// The power of ten at or below `value`.
pub fn decade_below(value: f64) -> f64 {
    10f64.powf(value.log10().floor())
}

/// 1, 2 or 5 times a power of ten, at or below `value`: where a log axis starts.
pub fn step_below(value: f64) -> f64 {
    let power = decade_below(value);
    [5.0, 2.0, 1.0].into_iter().map(|m| m * power).find(|v| *v <= value).unwrap_or(power)
}

/// A logarithmic axis's ticks from `least` to `most`: the powers of ten, with 2 and
/// 5 times each where fewer than three powers fall in the range.
pub fn log_ticks(least: f64, most: f64) -> Vec<f64> {
    let (first, last) = (least.log10().floor() as i32, most.log10().ceil() as i32);
    let within = |v: &f64| *v >= least * (1.0 - 1e-9) && *v <= most * (1.0 + 1e-9);
    let powers: Vec<f64> = (first..=last).map(|e| 10f64.powi(e)).filter(within).collect();
    if powers.len() >= 3 {
        return powers;
    }
    let steps = (first..=last).flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)));
    steps.filter(within).collect()
}

/// A linear axis's ticks from 0 to `most`: 1, 2 or 5 times a power of ten apart,
/// four to ten of them.
pub fn linear_ticks(most: f64) -> Vec<f64> {
    if !(most > 0.0 && most.is_finite()) {
        return vec![0.0];
    }
    let rough = most / 5.0;
    let power = decade_below(rough);
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| most / s <= 10.0);
    let step = step.unwrap_or(10.0 * power);
    (0..).map(|i| i as f64 * step).take_while(|v| *v <= most * (1.0 + 1e-9)).collect()
}

/// A value axis with the ticks given, and no others.
pub struct Ticked {
    range: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    pub fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        Ticked { range: range.into(), ticks }
    }
}

impl Ranged for Ticked {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        self.range.range()
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_keep_at_most_three_decimals_and_no_trailing_zeros() {
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(20.0), "20");
        assert_eq!(tick(0.0125), "0.013");
        assert_eq!(tick(10f64.powf(1f64.log10())), "1");
        assert_eq!(tick(10f64.powf(2.0)), "100");
    }

    #[test]
    fn a_log_axis_ticks_at_powers_of_ten_all_formatted_alike() {
        let labels: Vec<String> = log_ticks(0.05, 2000.0).into_iter().map(tick).collect();
        assert_eq!(labels, ["0.1", "1", "10", "100", "1000"]);
        // Fewer than three powers in range: 2 and 5 times them too.
        let labels: Vec<String> = log_ticks(0.8, 40.0).into_iter().map(tick).collect();
        assert_eq!(labels, ["1", "2", "5", "10", "20"]);
        assert!(spans_decades(0.1, 12.0) && !spans_decades(1.0, 99.0));
    }

    #[test]
    fn a_linear_axis_steps_by_one_two_or_five() {
        assert_eq!(linear_ticks(12.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
        assert_eq!(linear_ticks(0.27).len(), 6);
        assert_eq!(linear_ticks(65_000.0)[1], 10_000.0);
    }

    #[test]
    fn every_runtime_has_a_colour_of_its_own() {
        let colours: Vec<RGBColor> =
            Flavour::runtimes().iter().map(|r| runtime_colour(r).expect("a colour")).collect();
        for (i, colour) in colours.iter().enumerate() {
            assert!(!colours[..i].contains(colour), "{colour:?} twice");
            assert!(*colour != THREADS && !PYTHON.contains(colour));
            // Readable on white: no channel sum near white's (a pale yellow's is).
            let RGBColor(r, g, b) = *colour;
            assert!(u32::from(r) + u32::from(g) + u32::from(b) < 600, "{colour:?} is pale");
        }
    }
}
