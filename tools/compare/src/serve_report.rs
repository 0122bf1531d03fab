//! `compare serve`'s report: a table per offered rate (medians, with the spread of
//! the runs beside the p99), notes, and the JSON, Markdown and chart asked for.

use std::{num::NonZeroUsize, time::Duration};

use chain_core::readable::duration;
use chain_lab::Percentiles;

use benches::Flavour;
use chain_cli::report::{machine, say};
use chain_cli::versions;
use chain_records::{
    load::us,
    serve_record::{Held, HeldRow, Loaded, Point, Saturation, ServeDocument, ServedRow},
};

use crate::{
    args::Args,
    outputs,
    python::Versions,
    serve_chart,
    serve_load::ServeLoad,
    served::Served,
    setup::{Levels, Setup},
    stats::Spread,
    table::{self, Column},
};

/// The header: what ran, on what machine, with which versions, how the cores were
/// shared, and the baselines.
pub fn header(
    args: &Args,
    load: &ServeLoad,
    setup: &Setup,
    rows: &[Served],
    python: &Versions,
) -> String {
    let workers = setup.workers;
    let s = if workers.get() == 1 { "" } else { "s" };
    let client = match load.hold {
        Some(_) => {
            "compare itself opening the connections (blocking std::net), one request on each"
                .to_owned()
        }
        None => format!(
            "a fresh load process (`load`, open loop: each latency from the request's due time), {}",
            setup.cores.described()
        ),
    };
    let mut header = format!(
        "workload: serve ({})\nversions: {}\nmachine: {}; {}\nmethod: each measurement a fresh server process and {client}; multi-thread and thread-per-core flavours with {workers} worker{s}; runs: {}",
        load.to_args()[1..].join(" "),
        versions::summary(&Flavour::runtimes()),
        machine(),
        crate::report::profile(),
        args.runs,
    );
    let baselines = baselines(rows, python);
    if !baselines.is_empty() {
        header += &format!("\nbaselines: {}", baselines.join("; "));
    }
    header
}

/// The baselines among `rows`, each said once.
fn baselines(rows: &[Served], python: &Versions) -> Vec<String> {
    let mut said = Vec::new();
    if rows.iter().any(|row| matches!(row, Served::Native(_))) {
        let glue = versions::summary(&[
            "hyper",
            "hyper-util",
            "smol-hyper",
            "cyper-core",
            "monoio-compat",
        ]);
        said.push(format!("`native`: hyper on the runtime's own listener, spawn, sleep and timer, through its usual hyper glue ({glue}; compio's and monoio's an accept loop per thread), the gateway's route without the contract (serve-baseline native)"));
    }
    if rows.contains(&Served::Threads) {
        let tiny_http = versions::locked_version("tiny_http").unwrap_or("unknown");
        said.push(format!("`threads`: tiny_http {tiny_http}, a thread per connection reading and a handler thread per connection of the load, blocking std::net (serve-baseline threads)"));
    }
    if rows.iter().any(|row| matches!(row, Served::Python(_))) {
        let python: Vec<_> = python.iter().map(|(name, v)| format!("{name} {v}")).collect();
        said.push(format!("`(Python)`: {}, asyncio's streams and the article's coroutines (tools/compare/python/serve.py), one thread", python.join(", ")));
    }
    said
}

/// Now, in UTC, to the second: when the results were made.
fn date() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The columns that name each row: what serves, and its threads.
fn subject_columns(rows: &[Served], setup: &Setup) -> [Column; 2] {
    let connections = setup.load.connections.get();
    [
        Column::text("server", rows.iter().map(Served::label).collect()),
        Column::figures(
            "workers",
            rows.iter().map(|row| row.workers(setup.workers, connections)).collect(),
        ),
    ]
}

/// `points[flavour][rate][run]`, one figure of each run.
fn spread(points: &[Point], figure: impl Fn(&Point) -> f64) -> Spread {
    Spread::of(points.iter().map(figure).collect())
}

/// The saturation rate found for each row, the measurement at it, and for a
/// gateway with a native twin, the twin's rate over its own.
fn saturation_columns(rows: &[Served], setup: &Setup, levels: &Levels) -> Option<Vec<Column>> {
    let Levels::Fractions { saturation, .. } = levels else { return None };
    let (rate, cpu) = contract_cost(rows, saturation);
    let [server, workers] = subject_columns(rows, setup);
    Some(vec![
        server,
        workers,
        Column::figures(
            "saturation /s",
            saturation.iter().map(|s| format!("{:.0}", s.rate)).collect(),
        ),
        Column::figures(RATE_COST, rate),
        Column::figures(CPU_COST, cpu),
        Column::figures(
            "CPU / 1,000 there",
            saturation.iter().map(|s| format!("{:.1} ms", s.at.cpu_ms_per_thousand())).collect(),
        ),
        Column::figures(
            "p50 there",
            saturation.iter().map(|s| us(s.at.load.latency_us.p50)).collect(),
        ),
        Column::figures(
            "p99 there",
            saturation.iter().map(|s| us(s.at.load.latency_us.p99)).collect(),
        ),
        Column::text(
            "limited by",
            saturation
                .iter()
                .map(|s| {
                    if s.generator_limited { "the load generator" } else { "the server" }.to_owned()
                })
                .collect(),
        ),
    ])
}

/// The contract's cost at saturation, as the native twin's rate over the gateway's.
const RATE_COST: &str = "native ÷ gateway, rate";
/// The contract's cost at saturation, as the gateway's CPU per answer over its twin's.
const CPU_COST: &str = "gateway ÷ native, CPU";

/// For each gateway row with a native twin: the twin's saturation rate over the
/// gateway's (only where the server limited both: a rate the load generator
/// limited says nothing of the server), and the gateway's CPU per answer over the
/// twin's, each at its saturation rate. Empty for the other rows.
fn contract_cost(rows: &[Served], saturation: &[Saturation]) -> (Vec<String>, Vec<String>) {
    rows.iter()
        .zip(saturation)
        .map(|(row, gateway)| {
            let Served::Gateway(flavour) = row else { return Default::default() };
            let twin = rows.iter().position(|r| *r == Served::Native(*flavour));
            let Some(native) = twin.map(|i| &saturation[i]) else { return Default::default() };
            let rate = match gateway.generator_limited || native.generator_limited {
                true => "generator-limited".to_owned(),
                false => format!("{:.2}", native.rate / gateway.rate),
            };
            let cpu = gateway.at.cpu_ms_per_thousand() / native.at.cpu_ms_per_thousand();
            (rate, format!("{cpu:.2}"))
        })
        .unzip()
}

/// The table of every row at load number `r`.
fn columns(rows: &[Served], setup: &Setup, points: &[Vec<Vec<Point>>], r: usize) -> Vec<Column> {
    let at = |f: usize| &points[f][r];
    let cells =
        |figure: &dyn Fn(&[Point]) -> String| (0..rows.len()).map(|f| figure(at(f))).collect();
    let micros = |pick: fn(&Point) -> u64| {
        move |runs: &[Point]| us(spread(runs, |p| pick(p) as f64).median as u64)
    };
    let offered = cells(&|runs| {
        let rate = runs.first().and_then(|p| p.load.offered_rate);
        rate.map_or_else(String::new, |r| format!("{r:.0}"))
    });
    let [server, workers] = subject_columns(rows, setup);
    vec![
        server,
        workers,
        Column::figures("offered /s", offered),
        Column::figures(
            "achieved /s",
            cells(&|runs| format!("{:.0}", spread(runs, |p| p.load.achieved_rate).median)),
        ),
        Column::figures("p50", cells(&micros(|p| p.load.latency_us.p50))),
        Column::figures("p90", cells(&micros(|p| p.load.latency_us.p90))),
        Column::figures(
            "p99 (runs' range)",
            cells(&|runs| match p99_range(runs) {
                Some(range) => format!("{} ({range})", p99_median(runs)),
                None => p99_median(runs),
            }),
        ),
        Column::figures("p99.9", cells(&micros(|p| p.load.latency_us.p999))),
        Column::figures(
            "max",
            cells(&|runs| us(runs.iter().map(|p| p.load.latency_us.max).max().unwrap_or(0))),
        ),
        Column::figures(
            "errors",
            cells(&|runs| runs.iter().map(|p| p.load.errors()).sum::<u64>().to_string()),
        ),
        Column::figures(
            "server CPU / 1,000",
            cells(&|runs| format!("{:.1} ms", spread(runs, Point::cpu_ms_per_thousand).median)),
        ),
        Column::figures(
            "peak memory",
            cells(&|runs| {
                format!(
                    "{:.1} MiB",
                    spread(runs, |p| p.peak_memory_bytes as f64).median / 1048576.0
                )
            }),
        ),
        Column::text("load kept pace", cells(&kept_pace)),
    ]
    .into_iter()
    .chain(fetch_column((0..rows.len()).map(|f| &at(f)[..])))
    .chain(hedge_column((0..rows.len()).map(|f| &at(f)[..])))
    .collect()
}

/// The heading of [`fetch_column`].
const FETCH_HEADING: &str = "server's fetches p50 / p99";

/// The note that says what [`fetch_column`] holds, where it is shown.
const FETCH_NOTE: &str = "server's fetches: each fetch's latency as the server's own chains met it (a hedged fetch's first answer), over its whole run, warm-up included, as the server counted it in an HDR histogram (`serve --report`), the median over the runs: the backend's tail beside the requests'";

/// With a tail or a hedge, each fetch's latency as the server's chains met it (the
/// median over the runs), the backend's tail beside the requests' own.
fn fetch_column<'p>(each_row: impl Iterator<Item = &'p [Point]>) -> Option<Column> {
    let said: Vec<String> = each_row
        .map(|runs| {
            let fetches: Vec<_> = runs.iter().filter_map(|p| p.fetches).collect();
            if fetches.is_empty() {
                return String::new();
            }
            let median = |at: fn(&Percentiles) -> Duration| {
                let seconds: Vec<f64> = fetches.iter().map(|f| at(f).as_secs_f64()).collect();
                duration(Duration::from_secs_f64(crate::stats::median(&seconds)))
            };
            format!("{} / {}", median(|f| f.p50), median(|f| f.p99))
        })
        .collect();
    said.iter().any(|cell| !cell.is_empty()).then(|| Column::figures(FETCH_HEADING, said))
}

/// The heading of [`hedge_column`].
const HEDGE_HEADING: &str = "hedge left after (sent / needed)";

/// With a hedge, how late its extra copies left after their first, on average
/// (the median over the runs), beside what it sent for what was needed.
fn hedge_column<'p>(each_row: impl Iterator<Item = &'p [Point]>) -> Option<Column> {
    let said: Vec<String> = each_row
        .map(|runs| {
            let hedges: Vec<_> = runs.iter().filter_map(|p| p.hedge).collect();
            let Some(last) = hedges.last() else { return String::new() };
            let late: Vec<f64> = hedges
                .iter()
                .filter_map(|h| h.extra_after_mean)
                .map(|d| d.as_secs_f64() * 1e6)
                .collect();
            let late = match late.is_empty() {
                true => "none sent".to_owned(),
                false => us(crate::stats::median(&late) as u64),
            };
            format!("{late} ({} / {})", last.sent, last.needed)
        })
        .collect();
    said.iter().any(|cell| !cell.is_empty()).then(|| Column::figures(HEDGE_HEADING, said))
}

/// The median over `runs` of each run's p99.
fn p99_median(runs: &[Point]) -> String {
    us(spread(runs, |p| p.load.latency_us.p99 as f64).median as u64)
}

/// The range of the runs' p99s, `None` for a single run (a range of one value).
fn p99_range(runs: &[Point]) -> Option<String> {
    let p99 = spread(runs, |p| p.load.latency_us.p99 as f64);
    (runs.len() > 1).then(|| format!("{} to {}", us(p99.min as u64), us(p99.max as u64)))
}

/// The most a terminal table may take, in characters, where it can be split.
const TERMINAL_WIDTH: usize = 120;

/// The table of every row at load number `r` for a terminal, as narrower ones: the
/// latencies; then the runs (the offered rate where it differs by row, the p99s'
/// range, whether the load kept pace, each "no" a footnote) and the server's costs,
/// in one table or two, whichever fits [`TERMINAL_WIDTH`]. The Markdown keeps
/// [`columns`]' one table.
fn terminal_tables(rows: &[Served], setup: &Setup, points: &[Vec<Vec<Point>>], r: usize) -> String {
    let mut all = columns(rows, setup, points, r);
    let mut optional =
        |heading| all.iter().position(|c| c.heading == heading).map(|i| all.remove(i));
    let (fetches, hedge) = (optional(FETCH_HEADING), optional(HEDGE_HEADING));
    let mut take = |heading: &str| {
        let index = all.iter().position(|c| c.heading == heading).expect("a column of columns()");
        all.remove(index)
    };
    let runs = |f: usize| &points[f][r][..];
    let server = take("server");
    let workers = take("workers");
    let mut offered = take("offered /s");
    if offered.cells.windows(2).all(|pair| pair[0] == pair[1]) {
        // The same for every row: the title says it.
        offered.cells.fill(table::NONE.to_owned());
    }
    let p99 = Column::figures("p99", (0..rows.len()).map(|f| p99_median(runs(f))).collect());
    let range = (0..rows.len()).map(|f| p99_range(runs(f)).unwrap_or(table::NONE.to_owned()));
    let latency = vec![
        server.clone(),
        take("achieved /s"),
        take("p50"),
        take("p90"),
        p99,
        take("p99.9"),
        take("max"),
        take("errors"),
    ];
    let mut footnotes: Vec<String> = Vec::new();
    let kept = take("load kept pace").cells.into_iter().map(|kept| {
        if kept == "yes" {
            return kept;
        }
        let n = match footnotes.iter().position(|why| *why == kept) {
            Some(i) => i + 1,
            None => {
                footnotes.push(kept);
                footnotes.len()
            }
        };
        format!("no [{n}]")
    });
    let the_runs = vec![
        server.clone(),
        offered,
        Column::figures("p99, runs' range", range.collect()),
        Column::text("load kept pace", kept.collect()),
    ];
    let mut costs = vec![server, workers, take("server CPU / 1,000"), take("peak memory")];
    costs.extend(fetches.into_iter().chain(hedge));
    let both = [the_runs.clone(), costs[1..].to_vec()].concat();
    let mut tables = vec![table::terminal(latency), table::terminal(both)];
    if width(&tables[1]) > TERMINAL_WIDTH {
        tables.splice(1.., [table::terminal(the_runs), table::terminal(costs)]);
    }
    let footnotes = footnotes.iter().enumerate().map(|(i, why)| format!("[{}] {why}", i + 1));
    tables.into_iter().chain(footnotes).collect::<Vec<_>>().join("\n")
}

/// The widest line of `text`, in characters.
fn width(text: &str) -> usize {
    text.lines().map(|line| line.chars().count()).max().unwrap_or(0)
}

/// The saturation table for a terminal: whole where it fits [`TERMINAL_WIDTH`], else
/// the rates and the contract's cost, then the measurement at each rate.
fn terminal_saturation(mut columns: Vec<Column>) -> String {
    let whole = table::terminal(columns.clone());
    let Some(split) = columns.iter().position(|c| c.heading == "CPU / 1,000 there") else {
        return whole;
    };
    if width(&whole) <= TERMINAL_WIDTH {
        return whole;
    }
    let mut there = columns.split_off(split);
    there.insert(0, columns[0].clone());
    format!("{}\n{}", table::terminal(columns), table::terminal(there))
}

/// Whether the load generator kept pace in each of `runs`, and where not, why: it
/// sent requests late, or it kept its schedule but was over 90 % busy.
fn kept_pace(runs: &[Point]) -> String {
    let limited: Vec<&Point> =
        runs.iter().filter(|p| p.load.generator_warning().is_some()).collect();
    let late =
        limited.iter().filter(|p| p.load.pace == "open" && !p.load.generator.kept_schedule).count();
    let busy = limited.len() - late;
    let why = match (late, busy) {
        (0, 0) => return "yes".to_owned(),
        (_, 0) => "sent late".to_owned(),
        (0, _) => "over 90 % busy".to_owned(),
        (late, busy) => format!("{late} sent late, {busy} over 90 % busy"),
    };
    format!("no, in {} of {}: {why}", limited.len(), runs.len())
}

/// What `compare serve` measured: the rows, how, the loads, and
/// `points[row][load][run]`.
pub struct ServeResults<'a> {
    pub rows: &'a [Served],
    pub setup: &'a Setup<'a>,
    pub levels: &'a Levels,
    pub points: &'a [Vec<Vec<Point>>],
}

/// Prints a table per load and the notes, and writes the files asked for.
pub fn report(
    args: &Args,
    load: &ServeLoad,
    header: &str,
    measured: &ServeResults,
) -> Result<(), String> {
    let ServeResults { rows, setup, levels, points } = *measured;
    let mut markdown = format!("```text\n{header}\n```\n");
    if let (Some(columns), Some(bound)) = (saturation_columns(rows, setup, levels), load.search) {
        let title = format!(
            "saturation: the highest offered rate answered in full, without an error, with p99 within {} (a rate that failed was measured again, after the other rows, and failed twice)",
            us(bound.as_micros() as u64)
        );
        say(format_args!("\n{title}\n{}", terminal_saturation(columns.clone())));
        markdown += &format!("\n**{title}**\n\n{}\n", table::markdown(columns));
    }
    for r in 0..levels.count() {
        let title = format!(
            "{} over {} connections{}",
            levels.described(r),
            load.connections,
            load.route()
        );
        say(format_args!("\n{title}\n{}", terminal_tables(rows, setup, points, r)));
        markdown +=
            &format!("\n**{title}**\n\n{}\n", table::markdown(columns(rows, setup, points, r)));
    }
    let mut notes = vec![
        "latencies are medians over the runs of each run's percentile, from each request's due time, in an HDR histogram; max is the largest of any run",
        "errors: answers other than 200, failed connections, and requests of the window unanswered or never sent 5 s after it",
        "server CPU / 1,000: the server process's CPU time over the whole load (warm-up included) per 1,000 answers; peak memory: its VmHWM",
        "load kept pace: the generator sent 99 % of its requests within 1 ms of their time and was under 90 % busy; where not, the figures are the generator's limit as much as the server's",
    ];
    if load.has_tail_or_hedge() {
        notes.push(FETCH_NOTE);
    }
    if matches!(levels, Levels::Fractions { .. }) {
        notes.push("the contract's cost, for each gateway with a native twin: `native ÷ gateway, rate`, the twin's saturation rate over the gateway's, where the server limited both (target: 1.10 or less); `gateway ÷ native, CPU`, the gateway's CPU per answer over the twin's, each at its own saturation rate, which holds where the load generator was the limit too");
    }
    for note in notes {
        say(format_args!("note: {note}"));
        markdown += &format!("\n- {note}");
    }
    if let Some(path) = &args.json {
        outputs::write(path, &json(args, load, header, measured))?;
    }
    if let Some(path) = &args.svg {
        let connections = setup.load.connections.get();
        let lines: Vec<serve_chart::Line> = rows
            .iter()
            .zip(points)
            .map(|(row, by_rate)| {
                let workers = row.workers(setup.workers, connections);
                serve_chart::Line::of_served(row, workers, by_rate)
            })
            .collect();
        outputs::write(path, &serve_chart::latency_against_throughput(load, &lines))?;
    }
    if let Some(path) = &args.markdown {
        outputs::write(path, &(markdown + "\n"))?;
    }
    Ok(())
}

fn json(args: &Args, load: &ServeLoad, header: &str, measured: &ServeResults) -> String {
    let ServeResults { rows, setup, levels, points } = *measured;
    let connections = setup.load.connections.get();
    let rows = rows
        .iter()
        .zip(points)
        .enumerate()
        .map(|(f, (row, by_level))| ServedRow {
            server: row.label(),
            workers: row.workers(setup.workers, connections),
            loads: by_level
                .iter()
                .enumerate()
                .map(|(r, runs)| Loaded { offered_rate: levels.rate(f, r), runs: runs.clone() })
                .collect(),
            saturation: match levels {
                Levels::Fractions { saturation, .. } => Some(saturation[f].clone()),
                Levels::Rates(_) => None,
            },
        })
        .collect();
    document(args, load, header, rows, Vec::new())
}

/// The command that repeats the run, as `compare`'s words: the options that change
/// what is measured, without the files written.
fn command(args: &Args, load: &ServeLoad) -> String {
    use clap::ValueEnum;
    let listed = |names: Vec<String>| names.join(",");
    let mut words = load.to_args();
    words.push(format!("--runs={}", args.runs));
    if !args.flavours.is_empty() {
        let names = args.flavours.iter().filter_map(|f| f.to_possible_value());
        words.push(format!("--flavours={}", listed(names.map(|v| v.get_name().into()).collect())));
    }
    if !args.workers.is_empty() {
        words.push(format!(
            "--workers={}",
            listed(args.workers.iter().map(|w| w.to_string()).collect())
        ));
    }
    if args.no_python && !load.no_baselines {
        words.push("--no-python".to_owned());
    }
    format!("compare {}", words.join(" "))
}

/// The JSON document of a run of `compare serve`.
fn document(
    args: &Args,
    load: &ServeLoad,
    header: &str,
    rows: Vec<ServedRow>,
    held: Vec<HeldRow>,
) -> String {
    let document = ServeDocument {
        command: command(args, load),
        date: date(),
        runs: args.runs.get(),
        header: header.to_owned(),
        rows,
        held,
    };
    serde_json::to_string_pretty(&document).expect("plain data serialises")
}

/// `compare serve --hold`'s report: the memory each open connection adds.
pub fn report_held(
    args: &Args,
    header: &str,
    rows: &[Served],
    setup: &Setup,
    held: &[Result<Vec<Held>, String>],
) -> Result<(), String> {
    let n = setup.load.hold.map_or(0, NonZeroUsize::get);
    let mib = |bytes: f64| format!("{:.1} MiB", bytes / 1048576.0);
    // A row that failed shows `failed` in each figure, and why in a note.
    let cells = |figure: &dyn Fn(&[Held]) -> String| -> Vec<String> {
        held.iter()
            .map(|r| r.as_ref().map_or_else(|_| "failed".to_owned(), |r| figure(r)))
            .collect()
    };
    let median =
        |runs: &[Held], figure: fn(&Held) -> f64| Spread::of(runs.iter().map(figure).collect());
    let [server, workers] = subject_columns(rows, setup);
    let columns = vec![
        server,
        workers,
        Column::figures(
            "resident before",
            cells(&|r| mib(median(r, |h| h.resident_before_bytes as f64).median)),
        ),
        Column::figures(
            format!("with {n} open"),
            cells(&|r| mib(median(r, |h| h.resident_holding_bytes as f64).median)),
        ),
        Column::figures(
            "per connection (runs' range)",
            cells(&|r| {
                let per = median(r, Held::bytes_per_connection);
                format!("{:.0} B ({:.0} to {:.0})", per.median, per.min, per.max)
            }),
        ),
    ];
    let title =
        format!("memory per open connection: {n} kept-alive connections, each after one request");
    let failures: Vec<String> =
        held.iter().filter_map(|r| r.as_ref().err()).map(|why| format!("failed: {why}")).collect();
    say(format_args!("\n{title}\n{}", table::terminal(columns.clone())));
    for failure in &failures {
        say(format_args!("note: {failure}"));
    }
    if let Some(path) = &args.json {
        let connections = setup.load.connections.get();
        let held = rows
            .iter()
            .zip(held)
            .map(|(row, runs)| HeldRow {
                server: row.label(),
                workers: row.workers(setup.workers, connections),
                runs: runs.as_ref().map_or_else(|_| Vec::new(), Vec::clone),
                failure: runs.as_ref().err().cloned(),
            })
            .collect();
        outputs::write(path, &document(args, setup.load, header, Vec::new(), held))?;
    }
    if let Some(path) = &args.markdown {
        let notes: String = failures.iter().map(|f| format!("\n- {f}")).collect();
        outputs::write(
            path,
            &format!(
                "```text\n{header}\n```\n\n**{title}**\n\n{}\n{notes}\n",
                table::markdown(columns)
            ),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::{
        args::{Workload, workload},
        search::tests::point,
        setup::Cores,
    };

    /// Every row compare serve has, `runs` runs each at 30,000 requests a second,
    /// with figures as wide as they come (hundreds of milliseconds, every run late).
    fn wide(runs: usize) -> (Vec<Served>, Vec<Vec<Vec<Point>>>) {
        let rows = Served::rows(&Flavour::ALL, true, &["asyncio", "uvloop"]);
        let mut run = point(30_000.0, 20_000.0);
        run.load.latency_us = chain_records::load::Percentiles {
            p50: 123_456,
            p90: 234_567,
            p99: 345_678,
            p999: 456_789,
            max: 567_890,
        };
        run.load.generator.kept_schedule = false;
        run.load.unanswered = 12_345;
        run.peak_memory_bytes = 1234 << 20;
        (rows.clone(), rows.iter().map(|_| vec![vec![run.clone(); runs]]).collect())
    }

    #[test]
    fn the_terminal_tables_fit_120_columns_and_a_single_run_has_no_range() {
        let Workload::Serve(load) = workload(&["serve", "--rates=30000"]) else { panic!() };
        let cores = Cores::split(&[0, 1]);
        let workers = NonZeroUsize::new(16).unwrap();
        let setup = Setup { folder: PathBuf::new(), load: &load, cores, workers };
        for runs in [1, 3] {
            let (rows, points) = wide(runs);
            let text = terminal_tables(&rows, &setup, &points, 0);
            assert!(width(&text) <= 120, "{} columns:\n{text}", width(&text));
            assert_eq!(text.contains("runs' range"), runs > 1, "{text}");
            assert!(text.contains("\n[1] no, in "), "{text}");
            assert!(!text.contains("[2]"), "one footnote for one reason: {text}");
            let markdown = table::markdown(columns(&rows, &setup, &points, 0));
            assert_eq!(markdown.contains(" to "), runs > 1, "{markdown}");
        }
    }

    #[test]
    fn kept_pace_says_in_how_many_runs_the_generator_was_late_or_busy() {
        let kept = point(1000.0, 2000.0);
        let mut late = kept.clone();
        late.load.generator.kept_schedule = false;
        let mut busy = kept.clone();
        busy.load.generator.cpu_share = 0.95;
        assert_eq!(kept_pace(&[kept.clone(), kept.clone()]), "yes");
        assert_eq!(kept_pace(&[kept.clone(), late.clone()]), "no, in 1 of 2: sent late");
        assert_eq!(kept_pace(&[busy.clone(), kept]), "no, in 1 of 2: over 90 % busy");
        assert_eq!(
            kept_pace(&[late, busy.clone(), busy]),
            "no, in 3 of 3: 1 sent late, 2 over 90 % busy"
        );
    }
}
