//! The README's sections on the gateway, from `docs/results/serve.sh`'s files in
//! both committed runs: the saturation table, the memory per connection, and the
//! clients compared (wrk beside the project's own load, with and without a stall).

use std::{fs, path::Path};

use chain_records::{
    load::Report,
    serve_record::{Held, Point, ServeDocument, ServedRow},
};

use crate::compared::{Stated, figure};

/// The gateway's saturation search and sweep.
const SATURATION: &str = "serve-saturation";
/// Every server at one offered rate: the contract's cost.
const COST: &str = "serve-cost";
/// Its memory per connection held.
const HOLD: &str = "serve-hold";
/// The sweep's load whose figures the table shows, as a fraction of saturation.
const SHOWN_FRACTION: f64 = 0.75;
/// How far wrk and `load --closed` may be apart in throughput and still agree.
const CLIENTS_AGREE: f64 = 0.20;

/// A document of each run.
pub(crate) struct Both {
    pub(crate) first: ServeDocument,
    pub(crate) second: ServeDocument,
}

impl Both {
    pub(crate) fn read(results: &Path, rerun: &Path, name: &str) -> Result<Both, String> {
        let read = |dir: &Path| -> Result<ServeDocument, String> {
            let path = dir.join(format!("{name}.json"));
            let text = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let both = Both { first: read(results)?, second: read(rerun)? };
        if both.first.command != both.second.command {
            return Err(format!("{name}: the two runs are of different commands"));
        }
        Ok(both)
    }

    /// The machine both runs were made on, as their headers name it.
    fn machine(&self) -> Result<&str, String> {
        fn of(doc: &ServeDocument) -> Option<&str> {
            let line = doc.header.lines().find_map(|l| l.strip_prefix("machine: "))?;
            line.split(';').next()
        }
        match (of(&self.first), of(&self.second)) {
            (Some(first), Some(second)) if first == second => Ok(first),
            (Some(first), Some(second)) => {
                Err(format!("the two runs were made on different machines: {first} and {second}"))
            }
            _ => Err("a run's header names no machine".to_owned()),
        }
    }

    /// `figure` of the row named `server` in each run, stated together.
    pub(crate) fn stated(
        &self,
        server: &str,
        figure: impl Fn(&ServedRow) -> Option<f64>,
    ) -> Option<Stated> {
        let of =
            |doc: &ServeDocument| doc.rows.iter().find(|r| r.server == server).and_then(&figure);
        Some(Stated::point(of(&self.first)?).with(Stated::point(of(&self.second)?)))
    }
}

/// The median of `figure` over `runs`.
pub(crate) fn median<T>(runs: &[T], figure: impl Fn(&T) -> f64) -> f64 {
    let mut values: Vec<f64> = runs.iter().map(figure).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The runs of the sweep's load nearest [`SHOWN_FRACTION`] of the row's saturation.
fn shown_load(row: &ServedRow) -> Option<&[Point]> {
    let rate = row.saturation.as_ref()?.rate;
    let distance = |offered: f64| (offered / rate - SHOWN_FRACTION).abs();
    let nearest = row
        .loads
        .iter()
        .min_by(|a, b| distance(a.offered_rate).total_cmp(&distance(b.offered_rate)))?;
    Some(&nearest.runs)
}

/// The native twin's label of a gateway row's, if the document has one.
fn twin<'d>(doc: &'d ServeDocument, row: &ServedRow) -> Option<&'d ServedRow> {
    let wanted = format!("{} native", row.server);
    doc.rows.iter().find(|r| r.server == wanted)
}

/// For a gateway row with a twin in `doc`: the twin's saturation rate over the
/// row's, where the server limited both (a rate the load generator limited says
/// nothing of the server).
fn rate_cost(doc: &ServeDocument, server: &str) -> Option<Option<f64>> {
    let row = doc.rows.iter().find(|r| r.server == server)?;
    let (own, native) = (row.saturation.as_ref()?, twin(doc, row)?.saturation.as_ref()?);
    let limited = own.generator_limited || native.generator_limited;
    Some((!limited).then(|| native.rate / own.rate))
}

/// For a gateway row with a twin in `doc`: its CPU per answer over the twin's, at
/// the document's one offered rate: the median over the rounds of each round's
/// ratio. compare measures every row once a round, so a gateway and its twin are
/// measured within one round of each other, and a shared machine's slower minutes
/// weigh on both sides alike, as they do not on a ratio of two medians.
fn cpu_cost(doc: &ServeDocument, server: &str) -> Option<f64> {
    let row = doc.rows.iter().find(|r| r.server == server)?;
    let (own, native) = (first_runs(row)?, first_runs(twin(doc, row)?)?);
    if own.len() != native.len() {
        return None;
    }
    let rounds: Vec<(&Point, &Point)> = own.iter().zip(native).collect();
    Some(median(&rounds, |(own, native)| own.cpu_ms_per_thousand() / native.cpu_ms_per_thousand()))
}

/// The runs of a row's first load, one a round.
fn first_runs(row: &ServedRow) -> Option<&[Point]> {
    Some(&row.loads.first()?.runs)
}

/// The least and the most of `values`, as "least–most" (one figure when they are
/// the same); `None` when there are none.
fn span(values: &[f64]) -> Option<String> {
    let least = values.iter().copied().reduce(f64::min)?;
    let most = values.iter().copied().reduce(f64::max)?;
    Some(match figure(least) == figure(most) {
        true => figure(least),
        false => format!("{}–{}", figure(least), figure(most)),
    })
}

/// The median memory per open connection of the server named `server` in `doc`, in
/// bytes, if it held them.
fn held_per_connection(doc: &ServeDocument, server: &str) -> Option<f64> {
    let row = doc.held.iter().find(|r| r.server == server && r.failure.is_none())?;
    Some(median(&row.runs, Held::bytes_per_connection)).filter(|bytes| !bytes.is_nan())
}

/// For a gateway row with a twin that held its connections too: the gateway's memory
/// per open connection over the twin's.
fn memory_cost(doc: &ServeDocument, server: &str) -> Option<f64> {
    let own = held_per_connection(doc, server)?;
    Some(own / held_per_connection(doc, &format!("{server} native"))?)
}

/// The text of `file` in `dir`, trimmed.
fn read_trimmed(dir: &Path, file: &str) -> Result<String, String> {
    let path = dir.join(file);
    fs::read_to_string(&path)
        .map(|t| t.trim().to_owned())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// What `file` in `results` and `rerun` says, the same in both (how a run was built).
pub(crate) fn same_in_both(results: &Path, rerun: &Path, file: &str) -> Result<String, String> {
    let (first, second) = (read_trimmed(results, file)?, read_trimmed(rerun, file)?);
    if first != second {
        return Err(format!("{file}: the two runs differ: {first} and {second}"));
    }
    Ok(first)
}

/// A document's command as a reader types it.
pub(crate) fn typed(command: &str) -> String {
    let words = command.strip_prefix("compare ").unwrap_or(command);
    format!("`cargo run --release -p compare -- {words}`")
}

/// The saturation table.
pub fn saturation(results: &Path, rerun: &Path) -> Result<String, String> {
    let both = Both::read(results, rerun, SATURATION)?;
    let mut table = format!(
        "| server | workers | saturation /s | limited by | native ÷ gateway, rate | p50 at {pct} % | p99 at {pct} % | server CPU / 1,000 at {pct} % | peak memory at {pct} % |\n|---|---:|---:|---|---:|---:|---:|---:|---:|\n",
        pct = SHOWN_FRACTION * 100.0
    );
    for row in &both.first.rows {
        let name = row.server.as_str();
        let missing = || format!("{SATURATION}: {name} has no saturation in both runs");
        let rate = both.stated(name, |r| Some(r.saturation.as_ref()?.rate)).ok_or_else(missing)?;
        let limited = |doc: &ServeDocument| {
            let row = doc.rows.iter().find(|r| r.server == name)?;
            Some(if row.saturation.as_ref()?.generator_limited {
                "load generator"
            } else {
                "server"
            })
        };
        let limited = match (limited(&both.first), limited(&both.second)) {
            (Some(a), Some(b)) if a == b => a.to_owned(),
            (a, b) => format!("{} / {}", a.unwrap_or("?"), b.unwrap_or("?")),
        };
        let rate_cost = match (rate_cost(&both.first, name), rate_cost(&both.second, name)) {
            (Some(Some(a)), Some(Some(b))) => Stated::point(a).with(Stated::point(b)).bare(),
            (Some(_), Some(_)) => "generator-limited".to_owned(),
            _ => String::new(),
        };
        let at = |figure: fn(&Point) -> f64| {
            both.stated(name, |r| Some(median(shown_load(r)?, figure))).ok_or_else(missing)
        };
        let p50 = at(|p| p.load.latency_us.p50 as f64 / 1000.0)?;
        let p99 = at(|p| p.load.latency_us.p99 as f64 / 1000.0)?;
        let cpu = at(Point::cpu_ms_per_thousand)?;
        let memory = at(|p| p.peak_memory_bytes as f64 / 1048576.0)?;
        table += &format!(
            "| {name} | {} | {} | {limited} | {rate_cost} | {} ms | {} ms | {} ms | {} MiB |\n",
            row.workers,
            rate.bare(),
            p50.bare(),
            p99.bare(),
            cpu.bare(),
            memory.bare(),
        );
    }
    let built_first = same_in_both(results, rerun, "serve-built.txt")?;
    let machine = both.machine()?;
    let minutes = |dir: &Path| -> Result<String, String> {
        let seconds: f64 = read_trimmed(dir, "serve-seconds.txt")?
            .parse()
            .map_err(|e| format!("serve-seconds.txt: {e}"))?;
        Ok(format!("{:.0} min", seconds / 60.0))
    };
    Ok(table
        + &format!(
            "\n{}, by `docs/results/serve.sh` on {machine}, {} (UTC; the second run {}), release build of {built_first}; it took {} and {}.",
            typed(&both.first.command),
            both.first.date,
            both.second.date,
            minutes(results)?,
            minutes(rerun)?,
        ))
}

/// Every server at one offered rate, and each gateway's CPU per answer over its
/// native twin's: the contract's cost as a server.
pub fn cost(results: &Path, rerun: &Path) -> Result<String, String> {
    let both = Both::read(results, rerun, COST)?;
    let mut table = "| server | workers | server CPU / 1,000 | gateway ÷ native, CPU | p50 | p99 | peak memory |\n|---|---:|---:|---:|---:|---:|---:|\n".to_owned();
    for row in &both.first.rows {
        let name = row.server.as_str();
        let at = |figure: fn(&Point) -> f64| {
            both.stated(name, |r| Some(median(first_runs(r)?, figure)))
                .ok_or_else(|| format!("{COST}: {name} is not in both runs"))
        };
        let ratio = match (cpu_cost(&both.first, name), cpu_cost(&both.second, name)) {
            (Some(a), Some(b)) => Stated::point(a).with(Stated::point(b)).bare(),
            _ => String::new(),
        };
        table += &format!(
            "| {name} | {} | {} ms | {ratio} | {} ms | {} ms | {} MiB |\n",
            row.workers,
            at(Point::cpu_ms_per_thousand)?.bare(),
            at(|p| p.load.latency_us.p50 as f64 / 1000.0)?.bare(),
            at(|p| p.load.latency_us.p99 as f64 / 1000.0)?.bare(),
            at(|p| p.peak_memory_bytes as f64 / 1048576.0)?.bare(),
        );
    }
    let built = same_in_both(results, rerun, "serve-cost-built.txt")?;
    Ok(table
        + &format!(
            "\n{}, by `docs/results/serve-cost.sh`, release build of {built}.",
            typed(&both.first.command)
        ))
}

/// The memory per connection held.
pub fn hold(results: &Path, rerun: &Path) -> Result<String, String> {
    let both = Both::read(results, rerun, HOLD)?;
    let kib = |doc: &ServeDocument, name: &str| held_per_connection(doc, name).map(|b| b / 1024.0);
    let mut table = "| server | workers | per open connection |\n|---|---:|---:|\n".to_owned();
    for row in &both.first.held {
        let cell =
            match (&row.failure, kib(&both.first, &row.server), kib(&both.second, &row.server)) {
                (Some(why), ..) => format!("failed: {why}"),
                (None, Some(a), Some(b)) => {
                    format!("{} KiB", Stated::point(a).with(Stated::point(b)).bare())
                }
                _ => return Err(format!("{HOLD}: {} was not held in both runs", row.server)),
            };
        table += &format!("| {} | {} | {cell} |\n", row.server, row.workers);
    }
    let ratios: Vec<f64> = [&both.first, &both.second]
        .into_iter()
        .flat_map(|doc| doc.held.iter().filter_map(|row| memory_cost(doc, &row.server)))
        .collect();
    let ratio = span(&ratios).ok_or(format!("{HOLD}: no gateway has a native twin"))?;
    Ok(table
        + &format!(
            "\n{}\n\nPer open connection, a gateway held {ratio} times the memory of its native twin (medians of {} runs, both published runs).",
            typed(&both.first.command),
            both.first.runs
        ))
}

/// One client's figures: requests a second, and p50, p99 and max in ms.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Seen {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Seen {
    fn of_load(report: &Report) -> Seen {
        let ms = |us: u64| us as f64 / 1000.0;
        let latency = &report.latency_us;
        Seen {
            rate: report.achieved_rate,
            p50_ms: ms(latency.p50),
            p99_ms: ms(latency.p99),
            max_ms: ms(latency.max),
        }
    }

    /// wrk's report (with `--latency`): its requests a second, its distribution's
    /// 50 % and 99 %, and its maximum.
    fn of_wrk(text: &str) -> Result<Seen, String> {
        let value = |prefix: &str, field: usize| {
            text.lines()
                .map(str::trim)
                .find(|line| line.starts_with(prefix))
                .and_then(|line| line.split_whitespace().nth(field).map(str::to_owned))
                .ok_or_else(|| format!("no `{prefix}` line in wrk's report"))
        };
        let rate = value("Requests/sec:", 1)?;
        let rate = rate.parse().map_err(|_| format!("wrk's rate {rate:?} is not a number"))?;
        Ok(Seen {
            rate,
            p50_ms: wrk_ms(&value("50%", 1)?)?,
            p99_ms: wrk_ms(&value("99%", 1)?)?,
            max_ms: wrk_ms(&value("Latency", 3)?)?,
        })
    }
}

/// A wrk duration (`412.00us`, `1.25ms`, `2.00s`, `1.00m`) in ms.
fn wrk_ms(text: &str) -> Result<f64, String> {
    // `ms` before `s`, and `us` before `s`: the first unit that ends the text.
    let units = [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)];
    let (number, scale) = units
        .iter()
        .find_map(|(unit, scale)| Some((text.strip_suffix(unit)?, *scale)))
        .ok_or_else(|| format!("wrk's duration {text:?} has no unit"))?;
    let value: f64 =
        number.parse().map_err(|_| format!("wrk's duration {text:?} is not a number"))?;
    Ok(value * scale)
}

/// The clients compared, as (gateway, client, how it loads, file's name).
const CLIENTS: [(&str, &str, &str, &str); 5] = [
    (
        "as it is",
        "wrk -t1 -c50 -d5s",
        "closed; its histogram corrected afterwards",
        "plain-wrk.txt",
    ),
    ("as it is", "load --closed --connections 50", "closed", "plain-closed.json"),
    ("stalls 100 ms once a second", "load --rate 5000 --connections 50", "open", "stall-open.json"),
    (
        "stalls 100 ms once a second",
        "load --closed --connections 50",
        "closed",
        "stall-closed.json",
    ),
    (
        "stalls 100 ms once a second",
        "wrk -t1 -c50 -d5s",
        "closed; its histogram corrected afterwards",
        "stall-wrk.txt",
    ),
];

fn seen(dir: &Path, file: &str) -> Result<Seen, String> {
    let path = dir.join(format!("serve-clients-{file}"));
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if file.ends_with(".txt") {
        return Seen::of_wrk(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let report: Report =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Seen::of_load(&report))
}

/// The clients' table, and what it shows.
pub fn clients(results: &Path, rerun: &Path) -> Result<String, String> {
    let mut table = "| gateway | client | loop | requests/s | p50 | p99 | max |\n|---|---|---|---:|---:|---:|---:|\n".to_owned();
    let mut found = Vec::new();
    for (gateway, client, pace, file) in CLIENTS {
        let (a, b) = (seen(results, file)?, seen(rerun, file)?);
        let both = |f: fn(&Seen) -> f64| Stated::point(f(&a)).with(Stated::point(f(&b))).bare();
        table += &format!(
            "| {gateway} | `{client}` | {pace} | {} | {} ms | {} ms | {} ms |\n",
            both(|s| s.rate),
            both(|s| s.p50_ms),
            both(|s| s.p99_ms),
            both(|s| s.max_ms),
        );
        found.push((a, b));
    }
    let apart = |wrk: &Seen, ours: &Seen| (wrk.rate - ours.rate).abs() / wrk.rate.min(ours.rate);
    let (first, second) = (apart(&found[0].0, &found[1].0), apart(&found[0].1, &found[1].1));
    let verdict = if first.max(second) <= CLIENTS_AGREE { "within" } else { "beyond" };
    Ok(format!(
        "{table}\nwrk and the project's closed loop are {} and {} apart in throughput in the two runs, {verdict} the {} % by which they must agree. With the stall, the open loop's p99 is {} ms, the closed loop's {} ms: each stalled connection waits, and sends nothing meanwhile, so the closed loop records one slow request per connection where the open loop records every request that fell due during the stall. wrk's p99 ({} ms) shows the stall too, because wrk corrects its histogram after the run (`stats_correct`: it adds the samples that requests due at its average interval would have given), an estimate rather than a measurement.",
        percent(first),
        percent(second),
        CLIENTS_AGREE * 100.0,
        figure(found[2].0.p99_ms),
        figure(found[3].0.p99_ms),
        figure(found[4].0.p99_ms),
    ))
}

/// What the saturation table says, in sentences: the contract's cost, and the
/// threads and Python beside the gateways.
pub fn summary(results: &Path, rerun: &Path) -> Result<String, String> {
    let both = Both::read(results, rerun, SATURATION)?;
    let same = Both::read(results, rerun, COST)?;
    let of_both = |f: &dyn Fn(&ServeDocument, &str) -> Option<f64>, both: &Both| -> Vec<f64> {
        [&both.first, &both.second]
            .into_iter()
            .flat_map(|doc| doc.rows.iter().filter_map(|row| f(doc, &row.server)))
            .collect()
    };
    let cpu =
        span(&of_both(&cpu_cost, &same)).ok_or(format!("{COST}: no gateway has a native twin"))?;
    let rates = of_both(&|doc, server| rate_cost(doc, server).flatten(), &both);
    let rate = match span(&rates) {
        Some(span) => format!("where the server, not the load generator, limited both searches, the twin sustained {span} times the gateway's rate"),
        None => "the load generator, not the server, limited every gateway's search or its twin's, so the saturation rates say nothing of the contract on this machine".to_owned(),
    };
    // A rate found where the load generator was the limit is a floor, not the limit.
    let saturation = |server: &str| {
        let rate = both.stated(server, |r| Some(r.saturation.as_ref()?.rate))?;
        let floor = [&both.first, &both.second].into_iter().any(|doc| {
            let row = doc.rows.iter().find(|r| r.server == server);
            row.and_then(|r| r.saturation.as_ref()).is_some_and(|s| s.generator_limited)
        });
        Some(format!("{}/s{}", rate.bare(), if floor { " or more" } else { "" }))
    };
    // A gateway's label is its flavour's, one word; the baselines' have two.
    let gateways: Vec<&ServedRow> =
        both.first.rows.iter().filter(|r| !r.server.contains(' ')).collect();
    let rate_of = |r: &ServedRow| r.saturation.as_ref().map_or(0.0, |s| s.rate);
    let most = gateways.iter().map(|r| rate_of(r)).fold(f64::NAN, f64::max);
    let best: Vec<&str> =
        gateways.iter().filter(|r| rate_of(r) == most).map(|r| r.server.as_str()).collect();
    let Some(first_best) = best.first().copied() else {
        return Err(format!("{SATURATION}: no gateway rows"));
    };
    let best_said = match best.as_slice() {
        [one] => format!("The best gateway, {one},"),
        [init @ .., last] => format!("The best gateways, tied, {} and {last},", init.join(", ")),
        [] => unreachable!("there is a first"),
    };
    let mut said = format!(
        "At {} requests a second, a gateway spent {cpu} times the CPU per answer of its native twin (hyper on the same runtime without the contract; the median of {} rounds' ratios, both published runs); {rate}. {best_said} sustained {} (\"or more\": the load generator was the limit in a run)",
        figure(
            same.first
                .rows
                .first()
                .and_then(|r| r.loads.first())
                .map_or(f64::NAN, |l| l.offered_rate)
        ),
        same.first.runs,
        saturation(first_best).unwrap_or_default(),
    );
    for (server, what) in [
        ("threads (tiny_http)", "OS threads with blocking I/O"),
        ("asyncio (Python)", "Python's asyncio"),
    ] {
        if let Some(rate) = saturation(server) {
            said += &format!("; {what}, {rate}");
        }
    }
    Ok(said + ".")
}

fn percent(fraction: f64) -> String {
    format!("{:.1} %", fraction * 100.0)
}

#[cfg(test)]
mod tests {
    use chain_records::serve_record::{HeldRow, Loaded};

    use super::*;

    #[test]
    fn wrk_durations_are_read_in_their_units() {
        let near = |text: &str, ms: f64| (wrk_ms(text).unwrap() - ms).abs() < 1e-9;
        assert!(near("412.00us", 0.412) && near("89.55ms", 89.55) && near("2.00s", 2000.0));
        assert!(near("1.00m", 60_000.0));
        assert!(wrk_ms("12").is_err());
    }

    #[test]
    fn a_wrk_report_gives_its_rate_and_percentiles() {
        let report = "Running 5s test @ http://127.0.0.1:1/users/1/with-orders
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.82ms   16.74ms 100.79ms   92.97%
    Req/Sec   140.18k    43.43k  159.51k    90.20%
  Latency Distribution
     50%  314.00us
     75%  326.00us
     90%  413.00us
     99%   89.55ms
  710791 requests in 5.10s, 116.59MB read
Requests/sec: 139376.41
Transfer/sec:     22.86MB
";
        let seen = Seen::of_wrk(report).unwrap();
        assert_eq!(seen.rate, 139376.41);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(seen.p50_ms, 0.314) && near(seen.p99_ms, 89.55) && near(seen.max_ms, 100.79));
    }

    fn held(server: &str, per_connection: &[u64], failure: Option<&str>) -> HeldRow {
        let runs = per_connection
            .iter()
            .map(|&bytes| Held {
                connections: 10,
                resident_before_bytes: 1000,
                resident_holding_bytes: 1000 + 10 * bytes,
            })
            .collect();
        HeldRow {
            server: server.to_owned(),
            workers: "1".to_owned(),
            runs,
            failure: failure.map(str::to_owned),
        }
    }

    /// A row measured once a round at one rate, spending `cpu_ms` per 1,000 answers
    /// in each round.
    fn served(server: &str, cpu_ms: &[f64]) -> ServedRow {
        let point = |ms: f64| {
            let report = serde_json::json!({
                "pace": "open", "offered_rate": 1000.0, "connections": 1, "window_seconds": 1.0,
                "sent": 1000, "answered": 1000, "answered_in_all": 1000, "achieved_rate": 1000.0,
                "latency_us": {"p50": 1, "p90": 1, "p99": 1, "p999": 1, "max": 1},
                "statuses": {"200": 1000}, "connection_errors": 0, "unanswered": 0,
                "wrong_answers": 0,
                "generator": {"threads": 1, "cpu_seconds": 0.1, "cpu_share": 0.1,
                    "lag_us": {"p50": 1, "p90": 1, "p99": 1, "p999": 1, "max": 1},
                    "kept_schedule": true},
            });
            let load = serde_json::from_value(report).expect("a report");
            Point {
                load,
                server_cpu_seconds: ms / 1000.0,
                peak_memory_bytes: 1,
                hedge: None,
                fetches: None,
            }
        };
        ServedRow {
            server: server.to_owned(),
            workers: "1".to_owned(),
            loads: vec![Loaded {
                offered_rate: 1000.0,
                runs: cpu_ms.iter().map(|&ms| point(ms)).collect(),
            }],
            saturation: None,
        }
    }

    #[test]
    fn a_gateways_cpu_cost_is_the_median_of_each_rounds_ratio_to_its_twin() {
        let doc = |rows| ServeDocument {
            command: "compare serve --rates 1000".to_owned(),
            date: String::new(),
            runs: 3,
            header: String::new(),
            rows,
            held: Vec::new(),
        };
        // Equal in two rounds of three, the second slower for both: the medians of
        // the runs alone would give 20 over 10.
        let paired = doc(vec![
            served("tokio-current-thread", &[10.0, 40.0, 20.0]),
            served("tokio-current-thread native", &[10.0, 40.0, 10.0]),
        ]);
        let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(near(cpu_cost(&paired, "tokio-current-thread"), 1.0));
        let uneven = doc(vec![
            served("smol-current-thread", &[10.0, 10.0]),
            served("smol-current-thread native", &[10.0]),
        ]);
        assert_eq!(cpu_cost(&uneven, "smol-current-thread"), None, "rounds do not pair");
    }

    #[test]
    fn a_gateways_memory_is_its_median_over_its_twins() {
        let doc = ServeDocument {
            command: "compare serve --hold 10".to_owned(),
            date: String::new(),
            runs: 3,
            header: String::new(),
            rows: Vec::new(),
            held: vec![
                held("tokio-current-thread", &[900, 100, 300], None),
                held("tokio-current-thread native", &[200, 150, 400], None),
                held("smol-current-thread", &[100], None),
                held("smol-current-thread native", &[100], Some("refused")),
                held("threads (tiny_http)", &[100], None),
            ],
        };
        assert_eq!(memory_cost(&doc, "tokio-current-thread"), Some(300.0 / 200.0));
        assert_eq!(memory_cost(&doc, "smol-current-thread"), None, "its twin failed");
        assert_eq!(memory_cost(&doc, "threads (tiny_http)"), None, "it has no twin");
    }
}
