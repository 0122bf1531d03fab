//! Each generated section of the README and the docs, by name, made from the committed
//! results. A link in a section is written from the repository's root; `readme`
//! rewrites it relative to the file the section is in.

use std::{fs, path::Path, time::Duration};

use benches::{Flavour, threads::Threads};
use chain_cli::report::duration;
use chain_contract::Scheduling;

use crate::{
    compared::{AGREEMENT, ASYNCIO, Pair, Row, Stated, figure},
    criterion::Export,
    matrix, overhead_wall, serving, tables,
};

/// The CPU-bound fan-out with its work spread evenly, and with it skewed.
const WORK_EVEN: &str = "work-even-10k";
const WORK_UNEVEN: &str = "work-skew2-10k";

/// tokio's two flavours, whose joined fan-out the README explains.
const TOKIO: [Flavour; 2] = [Flavour::TokioCurrentThread, Flavour::TokioMultiThread];

/// The two committed runs of `run.sh`.
pub struct Sources<'a> {
    results: &'a Path,
    rerun: &'a Path,
}

impl<'a> Sources<'a> {
    /// The runs in `results` and `rerun`.
    pub fn new(results: &'a Path, rerun: &'a Path) -> Self {
        Sources { results, rerun }
    }

    fn pair(&self, name: &str) -> Result<Pair, String> {
        Pair::read(name, self.results, self.rerun)
    }

    /// A program's output in each run, one after the other.
    fn both_runs(&self, name: &str) -> Result<String, String> {
        let (first, second) = (read(self.results, name)?, read(self.rerun, name)?);
        Ok(format!("```text\nfirst run\n{first}second run\n{second}```"))
    }

    fn criterion(&self) -> Result<(Export, Export), String> {
        let read = |dir: &Path| Export::read(&dir.join("criterion.json"));
        Ok((read(self.results)?, read(self.rerun)?))
    }

    /// The name of every compare document of the published run.
    fn documents(&self) -> Result<Vec<String>, String> {
        let entries = fs::read_dir(self.results)
            .map_err(|e| format!("cannot read {}: {e}", self.results.display()))?;
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|entry| {
                entry.file_name().to_str()?.strip_suffix(".json").map(str::to_owned)
            })
            // The gateway's documents are of another kind, read by `serving`.
            .filter(|name| name != "criterion" && !name.starts_with("serve-"))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The body of section `name`.
    pub fn section(&self, name: &str) -> Result<String, String> {
        match name {
            "published" => self.published(),
            "fanout-join" => Ok(tables::compared(&self.pair("fanout-100k-10ms-join")?)?),
            "fanout-spawn" => Ok(tables::compared(&self.pair("fanout-100k-10ms-spawn")?)?),
            "fanout-summary" => self.fanout_summary(),
            "headline" => tables::headline(
                &self.pair("fanout-100k-10ms-spawn")?,
                &self.pair("fanout-100k-10ms-join")?,
            ),
            "faults" => tables::faults(
                &self.pair("faults-fanout-100k")?,
                &self.pair("faults-bounded-100k")?,
            ),
            "other-tables" => self.other_tables(),
            "uneven" => self.uneven(),
            "tokio-coop" => self.both_runs("tokio-coop.txt"),
            "block-on" => self.both_runs("block-on-entry.txt"),
            "adapter-cost" => self.both_runs("adapter-cost.txt"),
            "overhead" => {
                let (first, second) = self.criterion()?;
                let counted = blank_after_tables(&read(self.results, "overhead-instructions.md")?);
                Ok(format!(
                    "{}\nInstructions per iteration, counted by callgrind (`cargo run --release -p overhead -- instructions`, which CI runs):\n\n{}",
                    tables::overhead(&first, &second)?,
                    counted.trim_end()
                ))
            }
            "http-criterion" => {
                let (first, second) = self.criterion()?;
                tables::http(&first, &second)
            }
            "http-compare" => Ok(tables::compared(&self.pair("http-fanout-10k")?)?),
            "http-summary" => self.http_summary(),
            "serve-saturation" => serving::saturation(self.results, self.rerun),
            "serve-summary" => serving::summary(self.results, self.rerun),
            "serve-cost" => serving::cost(self.results, self.rerun),
            "serve-hold" => serving::hold(self.results, self.rerun),
            "serve-clients" => serving::clients(self.results, self.rerun),
            "design-driver" => matrix::design_driver(self.results, self.rerun),
            "overhead-single" => overhead_wall::single_threaded(self.results),
            tail if tail.starts_with("tail-") => {
                crate::tail::section(&self.results.join("tail"), tail)
            }
            other => Err(format!("no section called {other}")),
        }
    }

    /// Where and when the published run was made, and how far its second run was.
    fn published(&self) -> Result<String, String> {
        let first = self.pair("chain")?;
        let (criterion, _) = self.criterion()?;
        let versions: Vec<String> =
            first.first.versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let apart = self.agreement()?;
        Ok(format!(
            "Published run: {}, {} (UTC; the second run {}); versions {}; release build of {}; \
             `run.sh`'s tables, explanations and criterion groups took {} and {}. \
             Across the ratios of every table (each row against the fastest of its kind), the two runs \
             differed by {} at the median and {} at most; {} of {} differed by more than {:.0} %, and \
             those are shown as the range that covers both runs. Criterion's medians: {}.",
            first.first.machine,
            first.first.date,
            first.second.date,
            versions.join(", "),
            self.built()?,
            self.took(self.results)?,
            self.took(self.rerun)?,
            percent(apart.median),
            percent(apart.most),
            apart.over,
            apart.count,
            AGREEMENT * 100.0,
            criterion.date,
        ))
    }

    /// The commit and compiler both runs were built from, as `run.sh` recorded them.
    fn built(&self) -> Result<String, String> {
        let (first, second) = (read(self.results, "built.txt")?, read(self.rerun, "built.txt")?);
        if first != second {
            return Err(format!("the two runs were built differently: {first} and {second}"));
        }
        Ok(first.trim().to_owned())
    }

    /// How long `run.sh`'s tables, explanations and criterion groups took in `folder`
    /// (the build before them included), as it recorded.
    fn took(&self, folder: &Path) -> Result<String, String> {
        let text = read(folder, "seconds.txt")?;
        let seconds: u64 =
            text.trim().parse().map_err(|e| format!("{}/seconds.txt: {e}", folder.display()))?;
        Ok(duration(Duration::from_secs(seconds)))
    }

    /// How far apart the two runs' ratios are, over every ranked row of every table.
    fn agreement(&self) -> Result<Agreement, String> {
        let mut apart = Vec::new();
        for name in self.documents()? {
            let pair = self.pair(&name)?;
            for row in pair.rows() {
                if row.ratio.is_some() && row.ratio != Some(1.0) {
                    let again = pair.again(&row.flavour)?.ratio.unwrap_or(f64::NAN);
                    let (a, b) = (row.ratio.unwrap_or(f64::NAN), again);
                    apart.push(a.max(b) / a.min(b) - 1.0);
                }
            }
        }
        apart.sort_by(f64::total_cmp);
        let count = apart.len();
        if count == 0 {
            return Err("no ranked rows".into());
        }
        Ok(Agreement {
            median: apart[count / 2],
            most: apart[count - 1],
            over: apart.iter().filter(|a| **a > AGREEMENT).count(),
            count,
        })
    }

    fn fanout_summary(&self) -> Result<String, String> {
        let (join, spawn) =
            (self.pair("fanout-100k-10ms-join")?, self.pair("fanout-100k-10ms-spawn")?);
        let spawned = rust_rows(&spawn);
        let (fast, slow) = extremes(&spawned, |r| r.median_s);
        let faster: Vec<Stated> = spawned
            .iter()
            .map(|r| spawn.times_faster_than(&r.flavour, ASYNCIO))
            .collect::<Result<_, _>>()?;
        let tokio: Vec<Stated> =
            TOKIO.iter().map(|f| join.ratio(f.label())).collect::<Result<_, _>>()?;
        let tokio_faster: Vec<Stated> = TOKIO
            .iter()
            .map(|f| join.times_faster_than(f.label(), ASYNCIO))
            .collect::<Result<_, _>>()?;
        let futures = Flavour::FuturesThreadPool.label();
        let (futures_joined, futures_spawned) = (join.ratio(futures)?, spawn.ratio(futures)?);
        Ok(format!(
            "What they show: with a task per user, every Rust flavour finishes 100,000 chained \
             fetches in {} to {} ({} to {} per user beyond the 10 ms wait), {} times faster than \
             asyncio doing the same; joined inside one task, async-std takes {} the time of the \
             fastest of its kind, and tokio {} (current-thread) and {} (multi-thread) \
             ([explained](docs/analysis.md#why-tokio-is-slower-on-the-joined-fan-out-and-the-remedy)): \
             {} and {} times as fast as asyncio. The futures crate's \
             `ThreadPool` takes {} (joined) and {} (a task per user) the time of the fastest \
             multi-threaded flavour. The thread-per-core flavours, compared with the \
             multi-threaded ones at the same 2 threads, take {} (compio) and {} (monoio) with a \
             task per user, {} and {} joined; on one thread, compio, monoio and the futures \
             `LocalPool` take {}, {} and {} with a task per user.",
            duration(secs(fast.median_s)),
            duration(secs(slow.median_s)),
            duration(secs((fast.median_s - 0.010) / 1e5)),
            duration(secs((slow.median_s - 0.010) / 1e5)),
            span(&faster),
            join.ratio(Flavour::AsyncStd.label())?.shown(),
            tokio[0].shown(),
            tokio[1].shown(),
            tokio_faster[0].bare(),
            tokio_faster[1].bare(),
            futures_joined.shown(),
            futures_spawned.shown(),
            spawn.ratio(Flavour::CompioThreadPerCore.label())?.shown(),
            spawn.ratio(Flavour::MonoioThreadPerCore.label())?.shown(),
            join.ratio(Flavour::CompioThreadPerCore.label())?.shown(),
            join.ratio(Flavour::MonoioThreadPerCore.label())?.shown(),
            spawn.ratio(Flavour::CompioCurrentThread.label())?.shown(),
            spawn.ratio(Flavour::MonoioCurrentThread.label())?.shown(),
            spawn.ratio(Flavour::FuturesLocalPool.label())?.shown(),
        ))
    }

    /// The even and uneven CPU-bound fan-outs: the table, and what it shows by design.
    fn uneven(&self) -> Result<String, String> {
        let (even, uneven) = (self.pair(WORK_EVEN)?, self.pair(WORK_UNEVEN)?);
        let by_design = |wanted: Scheduling| -> Result<String, String> {
            let mut stated = Vec::new();
            for row in even.rows() {
                if tables::design(&row.flavour)? == wanted {
                    stated.push(tables::uneven_over_even(&even, &uneven, &row.flavour)?);
                }
            }
            Ok(span(&stated))
        };
        let stealing = even.rows().iter().filter(|r| {
            tables::design(&r.flavour).is_ok_and(|design| design == Scheduling::MultiThread)
        });
        let fastest = stealing
            .min_by(|a, b| a.median_s.total_cmp(&b.median_s))
            .ok_or("no work-stealing row")?;
        // How many times the fastest work-stealing flavour's time each one takes.
        let tpc_even: Vec<Stated> = [Flavour::CompioThreadPerCore, Flavour::MonoioThreadPerCore]
            .iter()
            .map(|f| even.times_faster_than(&fastest.flavour, f.label()))
            .collect::<Result<_, _>>()?;
        Ok(format!(
            "{}\n\nWhat it shows, across both published runs: on the uneven load the \
             work-stealing flavours take {} times their even time, and the thread-per-core \
             ones {}; the single-threaded flavours, doing the same total work, {}. On the even load, compio's and monoio's \
             thread-per-core flavours take {} and {} the time of the fastest work-stealing \
             flavour ({}).",
            tables::uneven(&even, &uneven)?,
            by_design(Scheduling::MultiThread)?,
            by_design(Scheduling::ThreadPerCore)?,
            by_design(Scheduling::CurrentThread)?,
            tpc_even[0].shown(),
            tpc_even[1].shown(),
            fastest.flavour,
        ))
    }

    fn other_tables(&self) -> Result<String, String> {
        let chain = self.pair("chain")?;
        let chains = rust_rows(&chain);
        let (fast, slow) = extremes(&chains, |r| r.median_s);
        let asyncio = chain.row(ASYNCIO)?.median_s;
        let bounded = self.pair("bounded-100k-k1000-1ms")?;
        let idle = self.pair("idle-1m")?;
        let per_task = |flavour: &str| -> Result<String, String> {
            Ok(format!("{:.0}", idle.row(flavour)?.bytes_per_task.unwrap_or(f64::NAN)))
        };
        Ok(format!(
            "The other tables: [bounded fan-out](docs/results/bounded-100k-k1000-1ms.md) (tokio \
             takes {} and {} the time of the fastest of its kind, its timer's 1 ms rounding paid \
             on each of the 100 waves), [chain](docs/results/chain.md) ({} to {} in Rust, {} in \
             asyncio), [spawn-many](docs/results/spawn-many.md), and \
             [idle](docs/results/idle-1m.md): a million sleeping tasks cost {} bytes each on smol's \
             current-thread flavour, {} on async-std and {} on tokio's current-thread flavour.",
            bounded.ratio(TOKIO[0].label())?.shown(),
            bounded.ratio(TOKIO[1].label())?.shown(),
            duration(secs(fast.median_s)),
            duration(secs(slow.median_s)),
            duration(secs(asyncio)),
            per_task(Flavour::SmolCurrentThread.label())?,
            per_task(Flavour::AsyncStd.label())?,
            per_task(TOKIO[0].label())?,
        ))
    }

    fn http_summary(&self) -> Result<String, String> {
        let instant = self.pair("http-fanout-10k")?;
        let waiting = self.pair("http-fanout-10k-10ms")?;
        let (pool_row, naive_row) = (Threads::Pool.row_label(), Threads::PerRequest.row_label());
        let pool = instant.ratio(&pool_row)?;
        let naive = instant.ratio(&naive_row)?;
        let runtimes: Vec<&Row> =
            waiting.rows().iter().filter(|r| !r.flavour.contains("std::net")).collect();
        let (fast, slow) = extremes(&runtimes, |r| r.median_s);
        let (least, most) = extremes(&runtimes, |r| r.peak_rss_bytes.unwrap_or(0) as f64);
        let threads = |label: &str| -> Result<String, String> {
            let row = waiting.row(label)?;
            Ok(format!("{} with {}", duration(secs(row.median_s)), tables::mib(row.peak_rss_bytes)))
        };
        Ok(format!(
            "On loopback, with answers that come at once, a pool of 100 threads takes {} the time \
             of the fastest multi-threaded runtime, with {} at its peak against the runtime's {}; \
             a thread per request takes {}, with {}. With the service answering after 10 ms and 1,000 connections \
             ([docs/results/http-fanout-10k-10ms.md](docs/results/http-fanout-10k-10ms.md)), the \
             runtimes take {} to {} with {} to {}, a pool of 1,000 threads {}, and a thread per \
             request {}.",
            pool.shown(),
            tables::mib(instant.row(&pool_row)?.peak_rss_bytes),
            tables::mib(fastest_multi(&instant)?.peak_rss_bytes),
            naive.shown(),
            tables::mib(instant.row(&naive_row)?.peak_rss_bytes),
            duration(secs(fast.median_s)),
            duration(secs(slow.median_s)),
            tables::mib(least.peak_rss_bytes),
            tables::mib(most.peak_rss_bytes),
            threads(&pool_row)?,
            threads(&naive_row)?,
        ))
    }
}

/// `text` with an empty line after each Markdown table, so that the line after one
/// is not read as its last row.
fn blank_after_tables(text: &str) -> String {
    let mut out = String::new();
    let mut in_table = false;
    for line in text.lines() {
        let is_row = line.starts_with('|');
        if in_table && !is_row && !line.is_empty() {
            out.push('\n');
        }
        in_table = is_row;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The text of file `name` in `folder`.
fn read(folder: &Path, name: &str) -> Result<String, String> {
    let path = folder.join(name);
    fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

struct Agreement {
    median: f64,
    most: f64,
    over: usize,
    count: usize,
}

fn percent(fraction: f64) -> String {
    format!("{:.1} %", fraction * 100.0)
}

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds.max(0.0))
}

/// The multi-threaded runtime row that the others of its kind are measured against.
fn fastest_multi(pair: &Pair) -> Result<&Row, String> {
    let runtimes =
        pair.rows().iter().filter(|r| r.kind == "multi" && !r.flavour.contains("std::net"));
    runtimes
        .min_by(|a, b| a.median_s.total_cmp(&b.median_s))
        .ok_or_else(|| format!("{}: no multi-threaded runtime", pair.name))
}

/// Every row but asyncio's.
fn rust_rows(pair: &Pair) -> Vec<&Row> {
    pair.rows().iter().filter(|row| row.flavour != ASYNCIO).collect()
}

/// The rows with the least and the most `key`.
fn extremes<'r>(rows: &[&'r Row], key: impl Fn(&Row) -> f64) -> (&'r Row, &'r Row) {
    let by = |a: &&&Row, b: &&&Row| key(a).total_cmp(&key(b));
    (rows.iter().min_by(by).expect("rows"), rows.iter().max_by(by).expect("rows"))
}

/// `12 to 70`: the least and the most of several stated figures, over both runs.
fn span(stated: &[Stated]) -> String {
    let low = stated.iter().map(|s| s.low).fold(f64::INFINITY, f64::min);
    let high = stated.iter().map(|s| s.high).fold(0.0, f64::max);
    format!("{} to {}", figure(low), figure(high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_after_a_table_is_set_apart() {
        let text = "| a |\n|---|\n| 1 |\nafter\n\n| b |\n\nend\n";
        assert_eq!(blank_after_tables(text), "| a |\n|---|\n| 1 |\n\nafter\n\n| b |\n\nend\n");
    }
}
