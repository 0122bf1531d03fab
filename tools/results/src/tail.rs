//! docs/tail.md's sections, from `docs/results/tail.sh`'s files: the fan-out over
//! HTTP against a backend with a tail, unhedged and hedged, per flavour; the batch
//! route at N = 1, 10 and 100 users a request under open-loop load, per runtime;
//! what the hedge bought and what it cost; and the share of requests that met a
//! slow fetch beside what chance gives, 1 − (1 − F)^(2N).

use std::{fs, path::Path, time::Duration};

use chain_cli::report::duration;
use chain_records::{
    record::{Document, Record},
    serve_record::{Point, ServeDocument, ServedRow},
};

/// The fan-out of 10,000 users over HTTP, without and with the hedge.
pub const FANOUT: [&str; 2] = ["tail-fanout-10k", "tail-fanout-10k-hedged"];
/// The batch route's sizes, users a request.
pub const BATCHES: [usize; 3] = [1, 10, 100];

/// The document of the batch route at `n` users a request, hedged or not.
pub fn batch_name(n: usize, hedged: bool) -> String {
    format!("tail-batch-{n}{}", if hedged { "-hedged" } else { "" })
}

/// Section `name` of docs/tail.md, from the files in `folder`.
pub fn section(folder: &Path, name: &str) -> Result<String, String> {
    match name {
        "tail-built" => built(folder),
        "tail-fanout" => fanout(&Fanout::read(folder)?),
        "tail-fanout-bought" => fanout_bought(&Fanout::read(folder)?),
        "tail-batch" => batch(&Batches::read(folder)?),
        "tail-batch-bought" => batch_bought(&Batches::read(folder)?),
        other => Err(format!("no section called {other}")),
    }
}

fn read<T: serde::de::DeserializeOwned>(folder: &Path, name: &str) -> Result<T, String> {
    let path = folder.join(format!("{name}.json"));
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// What was measured, where and when.
fn built(folder: &Path) -> Result<String, String> {
    let path = folder.join("built.txt");
    let built =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let document: Document = read(folder, FANOUT[0])?;
    Ok(format!("Measured on {}, {}, {}.", document.machine, document.date, built.trim()))
}

/// The fan-out's two documents.
struct Fanout {
    plain: Document,
    hedged: Document,
}

impl Fanout {
    fn read(folder: &Path) -> Result<Fanout, String> {
        Ok(Fanout { plain: read(folder, FANOUT[0])?, hedged: read(folder, FANOUT[1])? })
    }

    /// Each flavour's row in both documents, in the unhedged one's order.
    fn pairs(&self) -> Vec<(&Record, &Record)> {
        let hedged = |plain: &Record| self.hedged.rows.iter().find(|r| r.flavour == plain.flavour);
        self.plain.rows.iter().filter_map(|plain| Some((plain, hedged(plain)?))).collect()
    }

    fn hedge_after(&self) -> Result<Duration, String> {
        let after = self.hedged.parameters.get("hedge_after_s").and_then(serde_json::Value::as_f64);
        after
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("{}: no hedge_after_s among its parameters", FANOUT[1]))
    }
}

fn secs(seconds: Option<f64>) -> String {
    seconds.map_or("–".to_owned(), |s| duration(Duration::from_secs_f64(s)))
}

/// The fan-out's table: each flavour's users at p50, p99 and p99.9, without and with
/// the hedge, what the hedge sent, how late, and the wall time.
fn fanout(fanout: &Fanout) -> Result<String, String> {
    let mut table = String::from(
        "| flavour | workers | user p50 | user p99 | user p99.9 | hedged p50 | hedged p99 | hedged p99.9 | fetches sent / needed | hedge left after | wall time, hedged |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (plain, hedged) in fanout.pairs() {
        let sent = match (hedged.fetches_sent, hedged.fetches_needed) {
            (Some(sent), Some(needed)) => format!("{sent} / {needed}"),
            _ => "–".to_owned(),
        };
        table += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {sent} | {} | {} → {} |\n",
            plain.flavour,
            plain.workers,
            secs(plain.user_p50_s),
            secs(plain.user_p99_s),
            secs(plain.user_p999_s),
            secs(hedged.user_p50_s),
            secs(hedged.user_p99_s),
            secs(hedged.user_p999_s),
            secs(hedged.hedge_late_s),
            secs(Some(plain.median_s)),
            secs(Some(hedged.median_s)),
        );
    }
    Ok(table)
}

/// What the hedge bought in the fan-out (p99 before and after) and what it cost
/// (extra fetches), over the flavours: the least and the most of each.
fn fanout_bought(fanout: &Fanout) -> Result<String, String> {
    let pairs = fanout.pairs();
    let p99s: Vec<(f64, f64)> =
        pairs.iter().filter_map(|(p, h)| Some((p.user_p99_s?, h.user_p99_s?))).collect();
    let extra: Vec<f64> = pairs
        .iter()
        .filter_map(|(_, h)| Some(h.fetches_sent? as f64 / h.fetches_needed? as f64 - 1.0))
        .collect();
    if p99s.is_empty() || extra.is_empty() {
        return Err(format!("{}: no row with both runs' user p99", FANOUT[0]));
    }
    let ratios: Vec<f64> = p99s.iter().map(|(plain, hedged)| hedged / plain).collect();
    let (least, most) = extremes(&ratios);
    let (fewest, most_extra) = extremes(&extra);
    Ok(format!(
        "Hedged after {}, each user's p99 became {:.2} to {:.2} times what it was unhedged, over the {} flavours; the hedge sent {:.1} % to {:.1} % more fetches than the chains needed.",
        duration(fanout.hedge_after()?),
        least,
        most,
        p99s.len(),
        fewest * 100.0,
        most_extra * 100.0,
    ))
}

fn extremes(values: &[f64]) -> (f64, f64) {
    let least = values.iter().copied().fold(f64::INFINITY, f64::min);
    let most = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (least, most)
}

/// The batch route's documents, unhedged and hedged, at each size.
pub struct Batches {
    /// At each of [`BATCHES`]: (unhedged, hedged).
    pub sizes: Vec<(usize, ServeDocument, ServeDocument)>,
}

impl Batches {
    /// The documents in `folder`.
    pub fn read(folder: &Path) -> Result<Batches, String> {
        let sizes = BATCHES.iter().map(|&n| {
            Ok((n, read(folder, &batch_name(n, false))?, read(folder, &batch_name(n, true))?))
        });
        Ok(Batches { sizes: sizes.collect::<Result<_, String>>()? })
    }
}

/// The median over a row's runs at its first load of `figure`.
pub fn median_of(row: &ServedRow, figure: impl Fn(&Point) -> Option<f64>) -> Option<f64> {
    let mut values: Vec<f64> = row.loads.first()?.runs.iter().filter_map(figure).collect();
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 0 => Some((values[middle - 1] + values[middle]) / 2.0),
        _ => Some(values[middle]),
    }
}

/// A point's p99 latency, in seconds.
pub fn p99_s(point: &Point) -> Option<f64> {
    Some(point.load.latency_us.p99 as f64 / 1e6)
}

/// A point's p99 fetch, as the server's own chains met it, in seconds.
fn fetch_p99_s(point: &Point) -> Option<f64> {
    Some(point.fetches?.p99.as_secs_f64())
}

/// How late a point's extra copies left after their first, on average, in seconds.
fn hedge_late_s(point: &Point) -> Option<f64> {
    Some(point.hedge?.extra_after_mean?.as_secs_f64())
}

fn met_slow(point: &Point) -> Option<f64> {
    point.load.over.map(|over| over.share)
}

fn cpu(point: &Point) -> Option<f64> {
    Some(point.cpu_ms_per_thousand())
}

/// The tail's rate, as the unhedged document's command gives it.
fn slow_rate(document: &ServeDocument) -> Result<f64, String> {
    let word = document.command.split_whitespace().find_map(|w| w.strip_prefix("--slow-rate="));
    word.and_then(|rate| rate.parse().ok())
        .ok_or_else(|| format!("{}: no --slow-rate=F in its command", document.command))
}

/// The batch route's table: each runtime at each size, p50 and p99 without and with
/// the hedge, the server's own fetches' p99 (the backend's tail as it met it), the share of requests that met a slow fetch beside chance, and the
/// CPU per answer.
fn batch(batches: &Batches) -> Result<String, String> {
    let mut table = String::from(
        "| server | users a request | p50 | p99 | hedged p50 | hedged p99 | server's fetch p99 (hedged) | hedge left after | met a slow fetch | by chance | CPU per 1,000 answers | hedged |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (n, plain, hedged) in &batches.sizes {
        let chance = 1.0 - (1.0 - slow_rate(plain)?).powi(2 * *n as i32);
        for row in &plain.rows {
            let twin = hedged.rows.iter().find(|r| r.server == row.server);
            let of = |row: Option<&ServedRow>, figure: fn(&Point) -> Option<f64>| {
                row.and_then(|row| median_of(row, figure))
            };
            let p50 = |point: &Point| Some(point.load.latency_us.p50 as f64 / 1e6);
            let ms = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.1} ms"));
            table += &format!(
                "| {} | {n} | {} | {} | {} | {} | {} ({}) | {} | {} | {:.1} % | {} | {} |\n",
                row.server,
                secs(of(Some(row), p50)),
                secs(of(Some(row), p99_s)),
                secs(of(twin, p50)),
                secs(of(twin, p99_s)),
                secs(of(Some(row), fetch_p99_s)),
                secs(of(twin, fetch_p99_s)),
                secs(of(twin, hedge_late_s)),
                of(Some(row), met_slow).map_or("–".to_owned(), |s| format!("{:.1} %", s * 100.0)),
                chance * 100.0,
                ms(of(Some(row), cpu)),
                ms(of(twin, cpu)),
            );
        }
    }
    Ok(table)
}

/// What the hedge bought on the batch route at its largest size, and what it cost
/// in CPU: over the Rust servers, the least and the most of each, then asyncio's.
fn batch_bought(batches: &Batches) -> Result<String, String> {
    let (n, plain, hedged) = batches.sizes.last().ok_or("no batch size measured")?;
    let pairs: Vec<(&ServedRow, &ServedRow)> = plain
        .rows
        .iter()
        .filter_map(|row| Some((row, hedged.rows.iter().find(|r| r.server == row.server)?)))
        .collect();
    let ratio = |pair: &(&ServedRow, &ServedRow), figure: fn(&Point) -> Option<f64>| {
        Some(median_of(pair.1, figure)? / median_of(pair.0, figure)?)
    };
    let python = |pair: &&(&ServedRow, &ServedRow)| pair.0.server.ends_with("(Python)");
    let rust: Vec<_> = pairs.iter().filter(|pair| !python(pair)).collect();
    let p99: Vec<f64> = rust.iter().filter_map(|pair| ratio(pair, p99_s)).collect();
    let cost: Vec<f64> = rust.iter().filter_map(|pair| ratio(pair, cpu)).collect();
    if p99.is_empty() || cost.is_empty() {
        return Err(format!("{}: no Rust server measured both ways", batch_name(*n, false)));
    }
    let extra: Vec<f64> = rust.iter().filter_map(|pair| median_of(pair.1, extra_share)).collect();
    let ((least, most), (cheapest, dearest)) = (extremes(&p99), extremes(&cost));
    let (fewest, most_extra) = extremes(&extra);
    let chance = 1.0 - (1.0 - slow_rate(plain)?).powi(2 * *n as i32);
    let mut said = format!(
        "At {n} users a request, {:.0} % of requests meet a slow fetch by chance; the hedge made the p99 {least:.2} to {most:.2} times what it was, over the {} Rust servers, for {cheapest:.2} to {dearest:.2} times the CPU per answer and {} % more fetches.",
        chance * 100.0,
        rust.len(),
        span(fewest * 100.0, most_extra * 100.0),
    );
    for pair in pairs.iter().filter(python) {
        let extra = median_of(pair.1, extra_share);
        if let (Some(p99), Some(cost), Some(extra)) = (ratio(pair, p99_s), ratio(pair, cpu), extra)
        {
            said += &format!(
                " {}: {p99:.2} times the p99, for {cost:.2} times the CPU per answer and {:.1} % more fetches.",
                pair.0.server,
                extra * 100.0
            );
        }
    }
    Ok(said)
}

/// "least to most" to a tenth, or the one figure where both read the same.
fn span(least: f64, most: f64) -> String {
    let (least, most) = (format!("{least:.1}"), format!("{most:.1}"));
    if least == most { least } else { format!("{least} to {most}") }
}

/// The share of fetches a point's hedge sent beyond those its chains needed.
fn extra_share(point: &Point) -> Option<f64> {
    let hedge = point.hedge?;
    Some(hedge.sent.checked_sub(hedge.needed)? as f64 / hedge.needed.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed results set.
    fn folder() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/results/tail")
    }

    #[test]
    fn chance_is_one_minus_the_share_of_quick_fetches_to_the_power_of_two_n() {
        let table = section(&folder(), "tail-batch").unwrap();
        for (n, chance) in [(1, "2.0 %"), (10, "18.2 %"), (100, "86.6 %")] {
            let rows: Vec<&str> =
                table.lines().filter(|l| l.contains(&format!("| {n} |"))).collect();
            assert!(
                !rows.is_empty() && rows.iter().all(|row| row.contains(&format!("| {chance} |"))),
                "{n}: {rows:?}"
            );
        }
    }

    #[test]
    fn a_hedged_row_is_paired_with_its_own_flavour_and_the_sentence_spans_them_all() {
        let fanout = Fanout::read(&folder()).unwrap();
        let pairs = fanout.pairs();
        assert!(pairs.iter().all(|(plain, hedged)| plain.flavour == hedged.flavour));
        // The threads baselines send each fetch once: measured unhedged only.
        assert!(pairs.len() < fanout.plain.rows.len(), "the baselines have no hedged twin");
        let ratios: Vec<f64> =
            pairs.iter().map(|(p, h)| h.user_p99_s.unwrap() / p.user_p99_s.unwrap()).collect();
        let (least, most) = extremes(&ratios);
        let said = section(&folder(), "tail-fanout-bought").unwrap();
        assert!(said.contains(&format!("{least:.2} to {most:.2} times")), "{said}");
        assert!(said.contains(&format!("over the {} flavours", pairs.len())), "{said}");
    }

    #[test]
    fn the_batch_sentence_says_what_each_hedge_sent_beyond_what_was_needed() {
        let batches = Batches::read(&folder()).unwrap();
        let (_, _, hedged) = batches.sizes.last().unwrap();
        let said = section(&folder(), "tail-batch-bought").unwrap();
        for row in &hedged.rows {
            let runs = &row.loads[0].runs;
            let shares: Vec<f64> = runs
                .iter()
                .map(|p| p.hedge.unwrap())
                .map(|h| (h.sent - h.needed) as f64 / h.needed as f64 * 100.0)
                .collect();
            let mean = shares.iter().sum::<f64>() / shares.len() as f64;
            assert_eq!(runs.len(), 2, "the median of two is their mean");
            if row.server.ends_with("(Python)") {
                assert!(said.contains(&format!("{mean:.1} % more fetches.")), "{said}");
            }
        }
    }

    #[test]
    fn a_median_is_the_middle_run_or_the_mean_of_the_two_middle_ones() {
        let batches = Batches::read(&folder()).unwrap();
        let row = &batches.sizes[0].1.rows[0];
        let mut p99: Vec<f64> = row.loads[0].runs.iter().map(|p| p99_s(p).unwrap()).collect();
        p99.sort_by(f64::total_cmp);
        let middle = p99.len() / 2;
        let expected =
            if p99.len() % 2 == 0 { (p99[middle - 1] + p99[middle]) / 2.0 } else { p99[middle] };
        assert_eq!(median_of(row, p99_s), Some(expected));
    }
}
