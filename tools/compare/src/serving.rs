//! `compare serve`: the gateway under each flavour, each measurement in a server
//! process of its own, driven at each offered rate by the project's open-loop load
//! generator (`load`) in another, the two pinned to cores of their own.

use std::{num::NonZeroUsize, time::Duration};

use benches::Flavour;
use chain_cli::report::say;
use chain_records::serve_record::{Held, Point, Saturation};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{
    args::Args,
    holding, python, search,
    serve_load::ServeLoad,
    serve_report,
    served::Served,
    setup::{Cores, Levels, Setup, allowed_cores, binaries},
};

/// Why `args` do not fit `compare serve`, if they do not: options it would ignore
/// (`given` says which were on the command line).
pub fn refused(args: &Args, given: impl Fn(&str) -> bool) -> Option<String> {
    let crate::args::Workload::Serve(load) = &args.workload else { return None };
    if let Err(tail) = load.tail.tail(load.seed, load.latency, "--latency") {
        return Some(tail);
    }
    if given("seed") && !load.tail.is_given() {
        return Some("--seed picks which fetches are slow: it needs --slow-rate".to_owned());
    }
    if load.search.is_none() {
        let searching = ["sweep", "search_from"].into_iter().find(|id| given(id));
        if let Some(id) = searching {
            let option = id.replace('_', "-");
            return Some(format!("--{option} belongs to the saturation search: it needs --search"));
        }
    }
    if let Some(n) = load.hold {
        let loading = [
            "connections",
            "duration",
            "warmup",
            "latency",
            "batch",
            "slow_rate",
            "slow",
            "hedge_after",
        ]
        .into_iter()
        .find(|id| given(id));
        if let Some(id) = loading {
            let option = id.replace('_', "-");
            return Some(format!("--{option} shapes the load, which --hold sends none of"));
        }
        if given("svg") {
            return Some("--svg: --hold's report is a table, with no chart".to_owned());
        }
        if let Some(shortage) = holding::descriptor_shortage(n) {
            return Some(shortage);
        }
    }
    if args.workers.len() > 1 {
        return Some("compare serve measures one worker count: give --workers once".to_owned());
    }
    let several = |f: &Flavour| f.is_multi_thread();
    if !args.workers.is_empty() && !args.flavours.is_empty() && !args.flavours.iter().any(several) {
        return Some(
            "--workers sets the threads of multi-thread and thread-per-core flavours, and --flavours names none"
                .to_owned(),
        );
    }
    (load.no_baselines && given("no_python"))
        .then(|| "--no-python: --no-baselines leaves Python out already".to_owned())
}

/// Every measurement of `load` asked for by `args`, then the report.
pub fn compare(args: &Args, load: &ServeLoad) -> Result<(), String> {
    let flavours =
        if args.flavours.is_empty() { Flavour::ALL.to_vec() } else { args.flavours.clone() };
    let (python, python_versions) = match (load.no_baselines || args.no_python, python::loops()) {
        (true, _) => Default::default(),
        (false, Ok(found)) => found,
        (false, Err(note)) => {
            say(format_args!("note: {note}"));
            Default::default()
        }
    };
    // hyper's baselines and the threads' have neither a tail nor a hedge.
    let natives = !load.no_baselines && !load.has_tail_or_hedge();
    if !load.no_baselines && !natives {
        say(format_args!(
            "note: with a tail or a hedge, the native and threads baselines are not run: they have neither"
        ));
    }
    let rows = Served::rows(&flavours, natives, &python);
    let cores = Cores::split(&allowed_cores());
    let workers = args.workers.first().copied();
    let workers =
        workers.unwrap_or(NonZeroUsize::new(cores.server.len()).unwrap_or(NonZeroUsize::MIN));
    let setup = Setup { folder: binaries(&rows)?, load, cores, workers };
    let header = serve_report::header(args, load, &setup, &rows, &python_versions);
    say(format_args!("{header}"));
    if let Some(n) = load.hold {
        let held = hold_all(&setup, &rows, n, args.runs)?;
        return serve_report::report_held(args, &header, &rows, &setup, &held);
    }
    let levels = match load.search {
        None => Levels::Rates(load.rates.clone()),
        Some(bound) => {
            let saturation = search_all(&setup, &rows, bound)?;
            Levels::Fractions { fractions: load.sweep.clone(), saturation }
        }
    };
    let points = measure_all(&setup, &rows, &levels, args.runs)?;
    let measured =
        serve_report::ServeResults { rows: &rows, setup: &setup, levels: &levels, points: &points };
    serve_report::report(args, load, &header, &measured)
}

/// Each row's memory per open connection, each run in a fresh server, the rows in
/// an order rotated by one each round. A row that cannot hold them all (a server
/// that stops accepting) keeps the reason, and is not run again.
fn hold_all(
    setup: &Setup,
    rows: &[Served],
    n: NonZeroUsize,
    runs: NonZeroUsize,
) -> Result<Vec<Result<Vec<Held>, String>>, String> {
    let progress = ProgressBar::new((rows.len() * runs.get()) as u64);
    let mut held = vec![Ok(Vec::new()); rows.len()];
    for round in 0..runs.get() {
        for offset in 0..rows.len() {
            let f = (offset + round) % rows.len();
            progress.inc(1);
            let Ok(runs) = &mut held[f] else { continue };
            progress.set_message(format!("{} holding {n}", rows[f]));
            let server = setup.server(rows[f]).map_err(|e| format!("{}: {e}", rows[f]))?;
            match holding::hold(&server, &rows[f], n) {
                Ok(one) => {
                    runs.push(one);
                    server.stop()?;
                }
                // Dropping the server kills it: it may have ended already.
                Err(failure) => held[f] = Err(failure),
            }
        }
    }
    progress.finish_and_clear();
    Ok(held)
}

/// Each flavour's saturation rate, the rows' searches taking turns
/// ([`search::search_rows`]).
fn search_all(setup: &Setup, rows: &[Served], bound: Duration) -> Result<Vec<Saturation>, String> {
    let progress = ProgressBar::new_spinner();
    progress.enable_steady_tick(Duration::from_millis(200));
    let measure = |row: usize, rate: f64| {
        progress.set_message(format!("searching: {} at {rate:.0}/s", rows[row]));
        setup.measure(rows[row], rate)
    };
    let found = search::search_rows(rows.len(), setup.load.search_from, bound, measure)
        .map_err(|(row, e)| format!("{}: {e}", rows[row]));
    progress.finish_and_clear();
    found
}

/// Every run: `points[flavour][level]` holds each run's measurement. Each round
/// measures every level, each with the rows in an order rotated by one.
fn measure_all(
    setup: &Setup,
    rows: &[Served],
    levels: &Levels,
    runs: NonZeroUsize,
) -> Result<Vec<Vec<Vec<Point>>>, String> {
    let total = (rows.len() * levels.count() * runs.get()) as u64;
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs, {elapsed} elapsed, ~{eta} left: {msg}",
        )
        .expect("a valid template"),
    );
    let mut points = vec![vec![Vec::new(); levels.count()]; rows.len()];
    for round in 0..runs.get() {
        #[allow(clippy::needless_range_loop, reason = "the level also rotates the rows")]
        for r in 0..levels.count() {
            for offset in 0..rows.len() {
                let f = (offset + round + r) % rows.len();
                let rate = levels.rate(f, r);
                progress.set_message(format!("{} at {rate}/s", rows[f]));
                let point =
                    setup.measure(rows[f], rate).map_err(|e| format!("{}: {e}", rows[f]))?;
                points[f][r].push(point);
                progress.inc(1);
            }
        }
    }
    progress.finish_and_clear();
    Ok(points)
}
