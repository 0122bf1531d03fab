//! `compare serve`: the gateway under each flavour, each measurement in a server
//! process of its own, driven at each offered rate by the project's open-loop load
//! generator (`load`) in another, the two pinned to cores of their own.

use std::{
    num::NonZeroUsize,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use benches::Flavour;
use chain_cli::report::say;
use chain_records::{
    load::Report,
    serve_record::{Held, Point, Saturation},
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{
    args::Args,
    holding, interrupt, python, search,
    serve_load::ServeLoad,
    serve_report,
    served::{Launch, Served},
    server_process::{Server, pinned},
};

/// The cores the server and the load generator run on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cores {
    pub server: Vec<usize>,
    pub generator: Vec<usize>,
}

impl Cores {
    /// The cores this process may run on, split in two: the first half (at least one)
    /// for the server, the rest for the generator; one core only is shared.
    pub fn split(allowed: &[usize]) -> Cores {
        let half = (allowed.len() / 2).max(1);
        let (server, generator) = allowed.split_at(half.min(allowed.len()));
        let generator = if generator.is_empty() { server } else { generator };
        Cores { server: server.to_vec(), generator: generator.to_vec() }
    }

    /// How the cores were shared, in words.
    pub fn described(&self) -> String {
        let list =
            |cores: &[usize]| cores.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        match self.server == self.generator {
            true => format!("server and load generator share core {}", list(&self.server)),
            false => format!(
                "server pinned to core(s) {}, load generator to core(s) {}",
                list(&self.server),
                list(&self.generator)
            ),
        }
    }
}

/// The cores this process may run on.
fn allowed_cores() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills the set, plain data, for this process.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
        set
    };
    (0..libc::CPU_SETSIZE as usize).filter(|&core| unsafe { libc::CPU_ISSET(core, &set) }).collect()
}

/// Where the binaries are: beside this one, checked before anything runs.
fn binaries(rows: &[Served]) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let folder = me.parent().map(Path::to_path_buf).unwrap_or_default();
    let needed = rows.iter().filter_map(Served::binary).chain(["load"]);
    for name in needed {
        if !folder.join(name).is_file() {
            return Err(format!(
                "{} is not built: `cargo build --release --workspace` builds it beside compare",
                folder.join(name).display()
            ));
        }
    }
    Ok(folder)
}

/// The loads measured for every flavour: the same offered rates, or fractions of
/// each flavour's own saturation rate.
pub enum Levels {
    /// Requests a second, the same for every flavour.
    Rates(Vec<f64>),
    /// Fractions of each flavour's saturation rate, found first.
    Fractions { fractions: Vec<f64>, saturation: Vec<Saturation> },
}

impl Levels {
    /// How many loads each flavour is measured at.
    pub fn count(&self) -> usize {
        match self {
            Levels::Rates(rates) => rates.len(),
            Levels::Fractions { fractions, .. } => fractions.len(),
        }
    }

    /// The rate offered to flavour number `f` at load number `level`.
    pub fn rate(&self, f: usize, level: usize) -> f64 {
        match self {
            Levels::Rates(rates) => rates[level],
            Levels::Fractions { fractions, saturation } => {
                (saturation[f].rate * fractions[level]).max(1.0).round()
            }
        }
    }

    /// Load number `level` in words.
    pub fn described(&self, level: usize) -> String {
        match self {
            Levels::Rates(rates) => format!("offered {} requests/s", rates[level]),
            Levels::Fractions { fractions, .. } => {
                format!(
                    "offered {:.0} % of each flavour's saturation rate",
                    fractions[level] * 100.0
                )
            }
        }
    }
}

/// What every measurement shares.
pub struct Setup<'a> {
    folder: PathBuf,
    pub load: &'a ServeLoad,
    pub cores: Cores,
    pub workers: NonZeroUsize,
}

impl Setup<'_> {
    /// `served` serving, in a fresh process pinned to the server's cores.
    fn server(&self, served: Served) -> Result<Server, String> {
        let in_flight = self.load.connections.get().max(1_000).to_string();
        let latency = format!("{}ns", self.load.latency.as_nanos());
        let common = ["--port", "0", "--latency", &latency, "--max-in-flight", &in_flight];
        let launch = Launch {
            folder: &self.folder,
            workers: self.workers,
            connections: self.load.connections.get(),
            common: common.map(str::to_owned).to_vec(),
        };
        Server::start(pinned(&mut served.command(&launch), &self.cores.server))
    }

    /// One measurement of `served` at `rate`, in fresh processes.
    fn measure(&self, served: Served, rate: f64) -> Result<Point, String> {
        let server = self.server(served)?;
        let before = server.cpu_time()?;
        let report = self.load_on(&server, rate)?;
        let server_cpu_seconds = (server.cpu_time()? - before).as_secs_f64();
        let peak_memory_bytes = server.peak_memory()?;
        server.stop()?;
        Ok(Point { load: report, server_cpu_seconds, peak_memory_bytes })
    }

    fn load_on(&self, server: &Server, rate: f64) -> Result<Report, String> {
        let mut load = Command::new(self.folder.join("load"));
        load.args([
            "--address".to_owned(),
            server.address.to_string(),
            format!("--rate={rate}"),
            format!("--connections={}", self.load.connections),
            format!("--duration={}", humantime::format_duration(self.load.duration)),
            format!("--warmup={}", humantime::format_duration(self.load.warmup)),
            // A thread per core, but not more than there are connections to run.
            format!("--threads={}", self.cores.generator.len().min(self.load.connections.get())),
            "--json".to_owned(),
        ]);
        let output = interrupt::output(pinned(&mut load, &self.cores.generator))
            .map_err(|e| format!("the load generator cannot start: {e}"))?;
        let report: Report = serde_json::from_slice(&output.stdout).map_err(|e| {
            format!(
                "the load generator said no report ({e}): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )
        })?;
        match report.failure() {
            Some(failure) => Err(format!("at {rate} requests/s: {failure}")),
            None => Ok(report),
        }
    }
}

/// Why `args` do not fit `compare serve`, if they do not: options it would ignore
/// (`given` says which were on the command line).
pub fn refused(args: &Args, given: impl Fn(&str) -> bool) -> Option<String> {
    let crate::args::Workload::Serve(load) = &args.workload else { return None };
    if load.search.is_none() {
        let searching = ["sweep", "search_from"].into_iter().find(|id| given(id));
        if let Some(id) = searching {
            let option = id.replace('_', "-");
            return Some(format!("--{option} belongs to the saturation search: it needs --search"));
        }
    }
    if let Some(n) = load.hold {
        let loading =
            ["connections", "duration", "warmup", "latency"].into_iter().find(|id| given(id));
        if let Some(id) = loading {
            return Some(format!("--{id} shapes the load, which --hold sends none of"));
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
    let rows = Served::rows(&flavours, !load.no_baselines, &python);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_are_split_in_two_and_a_single_one_is_shared() {
        let two = Cores::split(&[0, 1]);
        assert_eq!((two.server, two.generator), (vec![0], vec![1]));
        let sixteen = Cores::split(&(0..16).collect::<Vec<_>>());
        assert_eq!((sixteen.server.len(), sixteen.generator[0]), (8, 8));
        let one = Cores::split(&[3]);
        assert_eq!((one.server.clone(), one.generator.clone()), (vec![3], vec![3]));
        assert!(one.described().contains("share core 3"));
    }
}
