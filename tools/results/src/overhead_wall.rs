//! The contract's cost on the single-threaded flavours, counted and timed: each
//! pair's instruction ratio (what CI holds) beside criterion's wall-time medians
//! from two runs of `docs/results/overhead-wall.sh` on a quiet machine.

use std::{fs, path::Path};

use benches::{
    Flavour,
    overhead::{CASES, Side, limit},
};

use crate::criterion::Export;

/// The most a single-threaded pair may cost in wall time, as a multiple of its twin.
pub const WALL_LIMIT: f64 = 1.10;

/// The folder of `overhead-wall.sh`'s set, under the results.
const FOLDER: &str = "overhead-wall";

/// The section: a row per single-threaded pair, then a sentence on those above
/// [`WALL_LIMIT`] in either run.
pub fn single_threaded(results: &Path) -> Result<String, String> {
    let set = results.join(FOLDER);
    let runs = [Export::read(&set.join("criterion.json"))?, Export::read(&set.join("rerun.json"))?];
    let counted = counted_ratios(
        &fs::read_to_string(results.join("overhead-instructions.md"))
            .map_err(|e| format!("cannot read overhead-instructions.md: {e}"))?,
    );
    let built = fs::read_to_string(set.join("built.txt"))
        .map_err(|e| format!("cannot read {FOLDER}/built.txt: {e}"))?;
    let mut out = String::from(
        "| workload | flavour | instructions (limit) | wall, generic | wall, native | wall ratio, two runs |\n\
         |---|---|---:|---:|---:|---:|\n",
    );
    let mut over = Vec::new();
    for case in CASES {
        for flavour in
            Flavour::ALL.into_iter().filter(|f| f.has_native_twin() && !f.is_multi_thread())
        {
            let id = |side: Side| format!("{}/{}/{flavour}", case.group(), side.label());
            let medians = |run: &Export| -> Result<(f64, f64), String> {
                Ok((
                    run.median(&id(Side::Generic))?.median_ns,
                    run.median(&id(Side::Native))?.median_ns,
                ))
            };
            let [(generic, native), (g2, n2)] = [medians(&runs[0])?, medians(&runs[1])?];
            let ratios = [generic / native, g2 / n2];
            let instructions = counted
                .iter()
                .find(|(c, f, _)| c == case.name && f == flavour.label())
                .map(|(_, _, ratio)| ratio.as_str())
                .ok_or_else(|| {
                    format!("overhead-instructions.md has no {} on {flavour}", case.name)
                })?;
            if ratios.iter().any(|r| *r > WALL_LIMIT) {
                over.push(format!("{} on {flavour}", case.name));
            }
            out += &format!(
                "| {} | {flavour} | {instructions} ({}) | {} | {} | {:.2} / {:.2} |\n",
                case.name,
                limit(case.name, flavour),
                nanos(generic),
                nanos(native),
                ratios[0],
                ratios[1],
            );
        }
    }
    let verdict = match over.is_empty() {
        true => {
            format!("Every single-threaded pair is within {WALL_LIMIT} in wall time, in both runs.")
        }
        false => {
            format!("Above {WALL_LIMIT} in wall time in at least one run: {}.", over.join("; "))
        }
    };
    Ok(format!(
        "{out}\n{verdict} Wall time: criterion's medians, {} ({}), {}; two runs of \
         `docs/results/overhead-wall.sh`, each pair measured one side after the other on one \
         thread.\n",
        runs[0].machine,
        runs[0].date,
        built.trim(),
    ))
}

/// Each row of `overhead instructions`' table: case, flavour and ratio.
fn counted_ratios(table: &str) -> Vec<(String, String, String)> {
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            match cells.as_slice() {
                ["", case, flavour, _, _, ratio, ..] if ratio.parse::<f64>().is_ok() => {
                    Some((case.to_string(), flavour.to_string(), ratio.to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

fn nanos(ns: f64) -> String {
    chain_cli::report::seconds(ns / 1e9).unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counted_table_is_read_row_by_row_and_nothing_else() {
        let table = "| workload | flavour | generic | native | generic / native | k | u |\n\
                     |---|---|---:|---:|---:|---:|---:|\n\
                     | chain | smol-current-thread | 1145 | 1124 | 1.019 | 0.0 / 0.0 | 0.1 / 0.1 |\n\
                     \nevery ratio is at most 1.05\n";
        let rows = counted_ratios(table);
        assert_eq!(rows, [("chain".into(), "smol-current-thread".into(), "1.019".into())]);
    }
}
