//! What every measurement of `compare serve` shares: the cores the server and the
//! load generator run on, the loads offered, where the binaries are, and one
//! measurement (a server process, and the load generator against it).

use std::{
    num::NonZeroUsize,
    path::{Path, PathBuf},
    process::Command,
};

use chain_lab::FetchReport;
use chain_records::{
    load::Report,
    serve_record::{Point, Saturation},
};

use crate::{
    interrupt,
    serve_load::ServeLoad,
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
pub fn allowed_cores() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills the set, plain data, for this process.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
        set
    };
    (0..libc::CPU_SETSIZE as usize).filter(|&core| unsafe { libc::CPU_ISSET(core, &set) }).collect()
}

/// Where the binaries are: beside this one, checked before anything runs.
pub fn binaries(rows: &[Served]) -> Result<PathBuf, String> {
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
    /// Where the binaries are ([`binaries`]).
    pub folder: PathBuf,
    pub load: &'a ServeLoad,
    pub cores: Cores,
    pub workers: NonZeroUsize,
}

impl Setup<'_> {
    /// `served` serving, in a fresh process pinned to the server's cores.
    pub fn server(&self, served: Served) -> Result<Server, String> {
        self.server_reporting(served, None)
    }

    /// `served` serving, writing what its fetches met to `report` at its stop.
    fn server_reporting(&self, served: Served, report: Option<&Path>) -> Result<Server, String> {
        let in_flight = self.load.connections.get().max(1_000).to_string();
        let latency = format!("{}ns", self.load.latency.as_nanos());
        let common = ["--port", "0", "--latency", &latency, "--max-in-flight", &in_flight];
        let launch = Launch {
            folder: &self.folder,
            workers: self.workers,
            connections: self.load.connections.get(),
            common: common.map(str::to_owned).to_vec(),
            source: self.load.source_args(),
            report,
        };
        Server::start(pinned(&mut served.command(&launch), &self.cores.server))
    }

    /// One measurement of `served` at `rate`, in fresh processes; with a tail or a
    /// hedge, what the server's fetches met, as it wrote it at its stop (the
    /// baselines, which have neither, are not run then).
    pub fn measure(&self, served: Served, rate: f64) -> Result<Point, String> {
        let path = std::env::temp_dir().join(format!("compare-serve-{}.json", std::process::id()));
        let report = self.load.has_tail_or_hedge().then_some(path.as_path());
        let server = self.server_reporting(served, report)?;
        let before = server.cpu_time()?;
        let load = self.load_on(&server, rate)?;
        let server_cpu_seconds = (server.cpu_time()? - before).as_secs_f64();
        let peak_memory_bytes = server.peak_memory()?;
        server.stop()?;
        let report = report.map(read_report).transpose()?;
        Ok(Point {
            load,
            server_cpu_seconds,
            peak_memory_bytes,
            hedge: report.and_then(|r| r.hedge),
            fetches: report.and_then(|r| r.fetches),
        })
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
        load.args(self.load.batch.map(|n| format!("--batch={n}")));
        // With a tail, the share of requests that met a slow fetch.
        let slow = self.load.tail.slow.filter(|_| self.load.tail.is_given());
        load.args(slow.map(|slow| format!("--over={}ns", slow.as_nanos())));
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

/// What a server's fetches met, as it wrote it to `path` at its stop; the file is
/// removed once read.
fn read_report(path: &Path) -> Result<FetchReport, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("the server wrote no report to {}: {e}", path.display()))?;
    let _ = std::fs::remove_file(path);
    serde_json::from_slice(&text).map_err(|e| format!("an unreadable report from the server: {e}"))
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
