//! compare's JSON documents, read back, and the ratios they state checked against
//! the second run of the same command.

use std::{fs, path::Path};

pub use chain_records::record::{Document, Record as Row};

/// How far apart two runs' ratios may be before the README shows a range.
pub const AGREEMENT: f64 = 0.10;

/// The label of the Python reference row.
pub const ASYNCIO: &str = "python-asyncio (reference)";

/// A published document and the same command's second run.
pub struct Pair {
    /// The file's name, without `.json`.
    pub name: String,
    /// The published run.
    pub first: Document,
    /// The second run.
    pub second: Document,
}

impl Pair {
    /// Reads `name.json` from both folders.
    pub fn read(name: &str, results: &Path, rerun: &Path) -> Result<Pair, String> {
        let read = |dir: &Path| -> Result<Document, String> {
            let path = dir.join(format!("{name}.json"));
            let text = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let (first, second) = (read(results)?, read(rerun)?);
        if measured(&first.command) != measured(&second.command) {
            return Err(format!("{name}: the two runs are of different commands"));
        }
        Ok(Pair { name: name.to_owned(), first, second })
    }

    /// The published row called `flavour`.
    pub fn row(&self, flavour: &str) -> Result<&Row, String> {
        row(&self.first, flavour).ok_or_else(|| format!("{}: no row {flavour}", self.name))
    }

    /// The rerun's row called `flavour`.
    pub fn again(&self, flavour: &str) -> Result<&Row, String> {
        row(&self.second, flavour)
            .ok_or_else(|| format!("{}: no row {flavour} in the rerun", self.name))
    }

    /// The command, as a reader types it, without its output files.
    pub fn command(&self) -> String {
        let words = measured(&self.first.command).join(" ");
        format!("cargo run --release -p compare -- {words}")
    }

    /// The ratio of `flavour` to the best of its kind, as both runs state it.
    pub fn ratio(&self, flavour: &str) -> Result<Stated, String> {
        let of = |row: &Row| {
            let point =
                row.ratio.ok_or_else(|| format!("{}: {flavour} is not ranked", self.name))?;
            // The best row of its kind: its runs' spread is in its own columns, not in a
            // ratio to itself.
            if point == 1.0 {
                return Ok(Stated::point(1.0));
            }
            Ok::<_, String>(Stated {
                point,
                low: row.ratio_low.unwrap_or(point),
                high: row.ratio_high.unwrap_or(point),
            })
        };
        Ok(of(self.row(flavour)?)?.with(of(self.again(flavour)?)?))
    }

    /// How many times `flavour`'s median fits in `reference`'s, in both runs.
    pub fn times_faster_than(&self, flavour: &str, reference: &str) -> Result<Stated, String> {
        let first = self.row(reference)?.median_s / self.row(flavour)?.median_s;
        let second = self.again(reference)?.median_s / self.again(flavour)?.median_s;
        Ok(Stated::point(first).with(Stated::point(second)))
    }

    /// The rows of the published run, those of one kind first.
    pub fn rows(&self) -> &[Row] {
        &self.first.rows
    }
}

/// The words of a compare command that say what it measures: all but `compare`
/// itself and the files it writes.
fn measured(command: &[String]) -> Vec<&str> {
    let mut words = command.iter().skip(1).map(String::as_str);
    let mut kept = Vec::new();
    while let Some(word) = words.next() {
        match word {
            "--markdown" | "--svg" | "--json" => {
                words.next();
            }
            _ if ["--markdown=", "--svg=", "--json="].iter().any(|o| word.starts_with(o)) => {}
            _ => kept.push(word),
        }
    }
    kept
}

fn row<'a>(document: &'a Document, flavour: &str) -> Option<&'a Row> {
    document.rows.iter().find(|row| row.flavour == flavour)
}

/// A ratio as the README states it: the published point, or a range where the runs
/// (within one run, or between the two) disagree by more than [`AGREEMENT`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stated {
    /// The published run's figure.
    pub point: f64,
    /// The least figure either run allows.
    pub low: f64,
    /// The most figure either run allows.
    pub high: f64,
}

impl Stated {
    /// One figure, no spread.
    pub fn point(value: f64) -> Stated {
        Stated { point: value, low: value, high: value }
    }

    /// This published figure, widened to cover `other` run's.
    pub fn with(self, other: Stated) -> Stated {
        Stated { point: self.point, low: self.low.min(other.low), high: self.high.max(other.high) }
    }

    /// How far apart its ends are, relative to the low one.
    pub fn apart(&self) -> f64 {
        self.high / self.low - 1.0
    }

    /// `2.5x`, or `2.4–2.9x` when the runs disagree by more than [`AGREEMENT`].
    pub fn shown(&self) -> String {
        self.bare() + "x"
    }

    /// `2.5`, or `2.4–2.9` when the runs disagree by more than [`AGREEMENT`].
    pub fn bare(&self) -> String {
        if self.apart() > AGREEMENT {
            format!("{}–{}", figure(self.low), figure(self.high))
        } else {
            figure(self.point)
        }
    }
}

/// Three significant digits at most, never fewer than the integer part.
pub fn figure(value: f64) -> String {
    match value {
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 10.0 => format!("{v:.1}"),
        v => format!("{v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_that_agree_show_the_published_point() {
        let stated = Stated::point(2.0).with(Stated::point(2.15));
        assert_eq!(stated.shown(), "2.00x");
    }

    #[test]
    fn runs_that_disagree_show_a_range_covering_both() {
        let stated = Stated::point(69.4).with(Stated::point(82.0));
        assert_eq!(stated.shown(), "69.4–82.0x");
        let noisy = Stated { point: 1.3, low: 1.1, high: 1.6 }.with(Stated::point(1.2));
        assert_eq!(noisy.shown(), "1.10–1.60x");
    }

    #[test]
    fn commands_are_compared_without_their_output_files() {
        let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let first = words("compare chain --runs 5 --markdown a/chain.md --json=a/chain.json");
        let second = words("compare chain --runs 5 --markdown b/chain.md --json=b/chain.json");
        assert_eq!(measured(&first), ["chain", "--runs", "5"]);
        assert_eq!(measured(&first), measured(&second));
        assert_ne!(measured(&first), measured(&words("compare chain --runs 3")));
    }

    #[test]
    fn figures_keep_three_digits() {
        assert_eq!(figure(218.21), "218");
        assert_eq!(figure(69.45), "69.5");
        assert_eq!(figure(1.004), "1.00");
    }
}
