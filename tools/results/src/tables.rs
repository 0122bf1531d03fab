//! The README's tables, as Markdown, from compare's documents and criterion's export.

use benches::{
    Flavour,
    overhead::{CASES, Side},
    threads::Threads,
};

use chain_contract::Scheduling;

use crate::{
    compared::{AGREEMENT, ASYNCIO, Pair, Row, Stated},
    criterion::Export,
};

/// Resident memory in MiB, or `-` where it was not measured.
pub fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("-".into(), |b| format!("{:.1} MiB", b as f64 / (1 << 20) as f64))
}

fn time(seconds: f64) -> String {
    chain_cli::report::seconds(seconds).unwrap_or_else(|| "-".into())
}

/// A compare table: each row's median, its runs' range, its memory, its ratio to the
/// fastest of its kind and, where asyncio ran, how many times faster than asyncio.
pub fn compared(pair: &Pair) -> Result<String, String> {
    let asyncio = pair.rows().iter().any(|row| row.flavour == ASYNCIO);
    let mut out = String::from(
        "| flavour | workers | median | runs: least – most | peak RSS | time vs fastest of its kind |",
    );
    out += if asyncio { " times faster than asyncio |\n" } else { "\n" };
    out += "|---|---:|---:|---:|---:|---:|";
    out += if asyncio { "---:|\n" } else { "\n" };
    for row in pair.rows() {
        out += &format!(
            "| {} | {} | {} | {} – {} | {} | {} ({}) |",
            row.flavour,
            row.workers,
            time(row.median_s),
            time(row.min_s),
            time(row.max_s),
            mib(row.peak_rss_bytes),
            pair.ratio(&row.flavour)?.shown(),
            row.kind,
        );
        if asyncio {
            out += &format!(" {} |", faster_than_asyncio(pair, row)?);
        }
        out.push('\n');
    }
    Ok(out + &format!("\n`{}`", pair.command()))
}

/// The README's headline: each flavour's 100,000-user fan-out with a task per user
/// (`spawn`) and joined in one task (`join`), its median and its time against the
/// fastest of its kind, in both runs.
pub fn headline(spawn: &Pair, join: &Pair) -> Result<String, String> {
    let mut out = String::from(
        "| flavour | workers | a task per user: median | vs fastest of its kind | joined in one task: median | vs fastest of its kind |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for row in spawn.rows() {
        let joined = join.row(&row.flavour)?;
        out += &format!(
            "| {} | {} | {} | {} ({}) | {} | {} ({}) |\n",
            row.flavour,
            row.workers,
            time(row.median_s),
            spawn.ratio(&row.flavour)?.shown(),
            row.kind,
            time(joined.median_s),
            join.ratio(&row.flavour)?.shown(),
            joined.kind,
        );
    }
    Ok(out + &format!("\n`{}`\n\n`{}`", spawn.command(), join.command()))
}

fn faster_than_asyncio(pair: &Pair, row: &Row) -> Result<String, String> {
    if row.flavour == ASYNCIO {
        return Ok("(itself)".into());
    }
    let stated = pair.times_faster_than(&row.flavour, ASYNCIO)?;
    Ok(stated.shown())
}

/// How many times its `even` median a flavour's `uneven` one is, in each run.
pub fn uneven_over_even(even: &Pair, uneven: &Pair, flavour: &str) -> Result<Stated, String> {
    let first = uneven.row(flavour)?.median_s / even.row(flavour)?.median_s;
    let second = uneven.again(flavour)?.median_s / even.again(flavour)?.median_s;
    Ok(Stated::point(first).with(Stated::point(second)))
}

/// The scheduling design of the flavour labelled `label`.
pub fn design(label: &str) -> Result<Scheduling, String> {
    let flavour = Flavour::ALL.iter().find(|f| f.label() == label);
    flavour.map(|f| f.scheduling()).ok_or_else(|| format!("no flavour labelled {label}"))
}

/// The same CPU work spread evenly and unevenly: each flavour's two medians and how
/// many times the even one the uneven one is, in both runs.
pub fn uneven(even: &Pair, uneven: &Pair) -> Result<String, String> {
    let mut out = String::from(
        "| flavour | design | workers | even: median (least – most) | uneven: median (least – most) | uneven / even |\n|---|---|---:|---:|---:|---:|\n",
    );
    for row in even.rows() {
        let skewed = uneven.row(&row.flavour)?;
        out += &format!(
            "| {} | {} | {} | {} ({} – {}) | {} ({} – {}) | {} |\n",
            row.flavour,
            design(&row.flavour)?,
            row.workers,
            time(row.median_s),
            time(row.min_s),
            time(row.max_s),
            time(skewed.median_s),
            time(skewed.min_s),
            time(skewed.max_s),
            uneven_over_even(even, uneven, &row.flavour)?.shown(),
        );
    }
    Ok(out + &format!("\n`{}`\n\n`{}`", even.command(), uneven.command()))
}

/// The faults table: each flavour's accounting, the same in every row, and its
/// time in both fan-outs.
pub fn faults(joined: &Pair, bounded: &Pair) -> Result<String, String> {
    let mut out = String::from(
        "| flavour | workers | users requested | results | errors | lost | fan-out, joined: median (least – most) | bounded at 1,000, a task per user: median (least – most) |\n|---|---:|---:|---:|---|---:|---:|---:|\n",
    );
    for row in joined.rows() {
        let other = bounded.row(&row.flavour)?;
        let tally = row.tally.as_ref().ok_or_else(|| format!("{}: no tally", row.flavour))?;
        if other.tally.as_ref() != Some(tally) {
            return Err(format!("{}: the two fan-outs counted different users", row.flavour));
        }
        let causes: Vec<String> =
            tally.errors_by_cause.iter().map(|(cause, n)| format!("{n} {cause}")).collect();
        out += &format!(
            "| {} | {} | {} | {} | {} ({}) | {} | {} ({} – {}) | {} ({} – {}) |\n",
            row.flavour,
            row.workers,
            tally.requested,
            tally.results,
            tally.errors(),
            causes.join(", "),
            tally.lost,
            time(row.median_s),
            time(row.min_s),
            time(row.max_s),
            time(other.median_s),
            time(other.min_s),
            time(other.max_s),
        );
    }
    Ok(out)
}

/// generic / native per overhead case and flavour, from criterion's medians of both
/// runs.
pub fn overhead(first: &Export, second: &Export) -> Result<String, String> {
    let mut out = String::from(
        "| workload | flavour | generic | native | generic / native |\n|---|---|---:|---:|---:|\n",
    );
    let twins = || Flavour::ALL.into_iter().filter(|f| f.has_native_twin());
    for case in CASES {
        for flavour in twins().filter(|f| first.measured(*f)) {
            let id = |side: Side| format!("{}/{}/{flavour}", case.group(), side.label());
            let ratio = |export: &Export| -> Result<(f64, f64), String> {
                let generic = export.median(&id(Side::Generic))?.median_ns;
                let native = export.median(&id(Side::Native))?.median_ns;
                Ok((generic, native))
            };
            let ((generic, native), (g2, n2)) = (ratio(first)?, ratio(second)?);
            let stated = Stated::point(generic / native).with(Stated::point(g2 / n2));
            out += &format!(
                "| {} | {flavour} | {} | {} | {} |\n",
                case.name,
                nanos(generic),
                nanos(native),
                stated.shown().trim_end_matches('x'),
            );
        }
    }
    Ok(out + &first.not_measured(twins()))
}

fn nanos(ns: f64) -> String {
    time(ns / 1e9)
}

/// The HTTP groups' medians: the chain and each fan-out size, every flavour and
/// both thread baselines, and the gateway's unloaded latency (`http_serve`, the
/// flavours only); the published run's median, or the range covering both runs'
/// medians where they are more than [`AGREEMENT`] apart.
pub fn http(first: &Export, second: &Export) -> Result<String, String> {
    let measured = || Flavour::ALL.into_iter().filter(|f| first.measured(*f));
    let labels: Vec<String> = measured()
        .map(|f| f.label().to_owned())
        .chain(Threads::ALL.iter().map(|t| t.label().to_owned()))
        .collect();
    let mut out =
        format!("| users | {} |\n|---:|{}\n", labels.join(" | "), "---:|".repeat(labels.len()));
    let cells = |ids: Vec<String>| -> Result<String, String> {
        let medians: Vec<String> = ids
            .iter()
            .map(|id| Ok(both_runs(first.median(id)?.median_ns, second.median(id)?.median_ns)))
            .collect::<Result<_, String>>()?;
        Ok(medians.join(" | "))
    };
    out += &format!(
        "| chain (1 user, 2 requests) | {} |\n",
        cells(labels.iter().map(|l| format!("http_chain/{l}")).collect())?
    );
    for users in [100, 1_000, 10_000] {
        let ids = labels.iter().map(|l| format!("http_fanout/{l}/{users}")).collect();
        out += &format!("| {users} | {} |\n", cells(ids)?);
    }
    // The gateway asked one request at a time: the flavours only, no thread baseline.
    let served = measured().map(|f| format!("http_serve/{}", f.label())).collect();
    let no_gateway = vec![" |"; Threads::ALL.len()].concat();
    out += &format!("| served (1 request to the gateway) | {} |{no_gateway}\n", cells(served)?);
    Ok(out + &first.not_measured(Flavour::ALL.into_iter()))
}

/// A median in nanoseconds from the published run, or `low – high` over both runs
/// when they are more than [`AGREEMENT`] apart.
fn both_runs(published: f64, again: f64) -> String {
    let stated = Stated::point(published).with(Stated::point(again));
    if stated.apart() > AGREEMENT {
        format!("{} – {}", nanos(stated.low), nanos(stated.high))
    } else {
        nanos(published)
    }
}
