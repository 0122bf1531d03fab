//! `compare serve`: the gateway under each flavour, each measurement in a server
//! process of its own, driven at each offered rate by the project's open-loop load
//! generator (`load`) in another, the two pinned to cores of their own.

use std::{
    num::NonZeroUsize,
    path::{Path, PathBuf},
    process::Command,
};

use benches::{Flavour, load::Report};
use chain_cli::report::say;
use indicatif::{ProgressBar, ProgressStyle};

use crate::{
    args::Args,
    interrupt,
    serve_load::ServeLoad,
    serve_report,
    server_process::{Server, pinned},
};

/// One measurement: what the load saw, and what the server spent.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Point {
    /// The load generator's report.
    pub load: Report,
    /// The server's CPU time over the whole load, warm-up and drain included.
    pub server_cpu_seconds: f64,
    /// The server's peak resident memory.
    pub peak_memory_bytes: u64,
}

impl Point {
    /// The server's CPU time per 1,000 answers, in milliseconds.
    pub fn cpu_ms_per_thousand(&self) -> f64 {
        self.server_cpu_seconds * 1e6 / self.load.answered_in_all.max(1) as f64
    }
}

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

/// The binary that serves `flavour`'s runtime, beside this one.
fn binary(flavour: Flavour) -> &'static str {
    match flavour.runtime() {
        "tokio" => "runtime-tokio",
        "smol" => "runtime-smol",
        "async-std" => "runtime-async-std",
        "futures-executor" => "runtime-futures",
        "compio" => "runtime-compio",
        "monoio" => "runtime-monoio",
        other => unreachable!("a runtime without a binary: {other}"),
    }
}

/// Where the binaries are: beside this one, checked before anything runs.
fn binaries(flavours: &[Flavour]) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let folder = me.parent().map(Path::to_path_buf).unwrap_or_default();
    let needed = flavours.iter().map(|f| binary(*f)).chain(["load"]);
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

/// What every measurement shares.
struct Setup<'a> {
    folder: PathBuf,
    load: &'a ServeLoad,
    cores: Cores,
    workers: NonZeroUsize,
}

impl Setup<'_> {
    /// One measurement of `flavour` at `rate`, in fresh processes.
    fn measure(&self, flavour: Flavour, rate: f64) -> Result<Point, String> {
        let mut serve = Command::new(self.folder.join(binary(flavour)));
        serve.args(["--flavour", flavour.scheduling().name()]);
        if flavour.is_multi_thread() {
            serve.args(["--workers", &self.workers.to_string()]);
        }
        let in_flight = self.load.connections.get().max(1_000).to_string();
        let latency = format!("{}ns", self.load.latency.as_nanos());
        serve.args(["serve", "--port", "0", "--latency", &latency, "--max-in-flight", &in_flight]);
        let server = Server::start(pinned(&mut serve, &self.cores.server))?;
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
            format!("--threads={}", self.cores.generator.len()),
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
    if !matches!(args.workload, crate::args::Workload::Serve(_)) {
        return None;
    }
    if args.workers.len() > 1 {
        return Some("compare serve measures one worker count: give --workers once".to_owned());
    }
    given("no_python").then(|| "--no-python: compare serve has no Python row".to_owned())
}

/// Every measurement of `load` asked for by `args`, then the report.
pub fn compare(args: &Args, load: &ServeLoad) -> Result<(), String> {
    let flavours =
        if args.flavours.is_empty() { Flavour::ALL.to_vec() } else { args.flavours.clone() };
    let cores = Cores::split(&allowed_cores());
    let workers = args.workers.first().copied();
    let workers =
        workers.unwrap_or(NonZeroUsize::new(cores.server.len()).unwrap_or(NonZeroUsize::MIN));
    let setup = Setup { folder: binaries(&flavours)?, load, cores, workers };
    let header = serve_report::header(args, load, &setup.cores, workers);
    say(format_args!("{header}"));
    let points = measure_all(&setup, &flavours, args.runs)?;
    serve_report::report(args, load, &header, &flavours, workers, &points)
}

/// Every run: `points[flavour][rate]` holds each run's measurement. Each round
/// measures every rate, each with the flavours in an order rotated by one.
fn measure_all(
    setup: &Setup,
    flavours: &[Flavour],
    runs: NonZeroUsize,
) -> Result<Vec<Vec<Vec<Point>>>, String> {
    let rates = &setup.load.rates;
    let total = (flavours.len() * rates.len() * runs.get()) as u64;
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs, {elapsed} elapsed, ~{eta} left: {msg}",
        )
        .expect("a valid template"),
    );
    let mut points = vec![vec![Vec::new(); rates.len()]; flavours.len()];
    for round in 0..runs.get() {
        for (r, &rate) in rates.iter().enumerate() {
            for offset in 0..flavours.len() {
                let f = (offset + round + r) % flavours.len();
                progress.set_message(format!("{} at {rate}/s", flavours[f]));
                let point = setup
                    .measure(flavours[f], rate)
                    .map_err(|e| format!("{}: {e}", flavours[f]))?;
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
