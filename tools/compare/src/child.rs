//! One measurement in a fresh process: build the runtime, warm up, measure, report.

use std::{
    fs, io,
    process::Output,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use benches::{Measurer, Spec, Via, Visitor, threads};
use chain_contract::{Launch, run_on_worker};
use chain_lab::{Latencies, Tally};
use serde::{Deserialize, Serialize};

use crate::job::{Action, Job, Measured};

/// How long a sample of a short workload lasts: its runs repeated back to back.
const SAMPLE_TIME: Duration = Duration::from_millis(10);

/// What a child process prints, as one line of JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct Measurement {
    /// Seconds per measured run (per sleep, for the timer).
    pub samples_s: Vec<f64>,
    /// The process's peak resident memory.
    pub peak_rss_bytes: Option<u64>,
    /// For `idle`: resident memory added per sleeping task.
    pub bytes_per_task: Option<f64>,
    /// For the workloads that fetch: the last run's accounting of its users.
    #[serde(default)]
    pub tally: Option<Tally>,
    /// For a runtime: its timer and the I/O driver it used, as it reports them.
    #[serde(default)]
    pub described: Option<Described>,
    /// For a fan-out timed (over HTTP, with a tail or a hedge): the latencies the last
    /// run's users met, and what its hedge sent.
    #[serde(default)]
    pub latencies: Option<Latencies>,
}

/// A runtime's timer and I/O driver, as its [`chain_contract::RuntimeInfo`] says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Described {
    /// The timer's precision, as the runtime documents it.
    pub timer: String,
    /// The I/O driver it used (io_uring, or epoll and why).
    pub io: String,
}

/// Reads a runtime's description (built, like the measured one, on this thread).
struct Describe;

impl Visitor for Describe {
    type Output = Described;

    fn visit<R: Launch>(self, rt: R) -> Described {
        let info = rt.info();
        Described { timer: info.timer.to_owned(), io: info.io.to_string() }
    }
}

/// The measurement a measuring process (a child, or the Python script) printed, or
/// why there is none; `what` names the process in the message.
pub fn read(what: &str, output: std::io::Result<Output>) -> Result<Measurement, String> {
    let output = output.map_err(|e| format!("{what} could not start: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{what} failed: {}", stderr.trim()));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("{what}: unreadable output: {e}"))
}

/// Runs `job` in this process.
///
/// # Errors
///
/// The runtime could not be built, the threads baselines were asked for work they
/// do not do, or the idle tasks did not all start.
pub fn run(job: Job) -> io::Result<Measurement> {
    let subject = job.subject;
    let mut measurement = measured(job)?;
    if let Measured::Rust { flavour, workers } = subject {
        measurement.described = Some(flavour.visit(workers, Describe)?);
    }
    Ok(measurement)
}

fn measured(job: Job) -> io::Result<Measurement> {
    match (job.subject, job.action) {
        (Measured::Rust { flavour, workers }, Action::Idle { tasks }) => {
            let (took, bytes_per_task) = flavour.visit(workers, Idle { tasks })??;
            Ok(Measurement {
                samples_s: vec![took.as_secs_f64()],
                peak_rss_bytes: memory("VmHWM:"),
                bytes_per_task: Some(bytes_per_task),
                tally: None,
                described: None,
                latencies: None,
            })
        }
        (Measured::Rust { flavour, workers }, Action::Measure { spec, samples, repeat }) => {
            sample(samples, repeat, spec.prepare(flavour, workers)?)
        }
        (Measured::Threads(threads), Action::Measure { spec, .. }) => {
            let (users, via) = match spec {
                Spec::Chain { via, faults: None } => (1, via),
                Spec::FanOut { users, via, limit: None, faults: None, work: None, .. } => {
                    (users, via)
                }
                _ => return Err(unsupported()),
            };
            let Via::Http { address, connections, timeout } = via else {
                return Err(unsupported());
            };
            sample(1, true, threads::measurer(address, connections, timeout, threads, users))
        }
        (Measured::Threads(_), Action::Idle { .. }) => Err(unsupported()),
    }
}

fn unsupported() -> io::Error {
    io::Error::other("the threads baselines run chain and fanout over HTTP, without faults")
}

/// The warm-up, then `samples` samples of `measurer`, each of a run repeated back to
/// back to about 10 ms when `repeat`.
fn sample(samples: usize, repeat: bool, mut measurer: Measurer) -> io::Result<Measurement> {
    // The warm-up (lazily started threads, allocator pools, timer wheels) also sizes
    // the sample: a run shorter than the clock can time well is repeated back to
    // back, about 10 ms in all, and the sample is their mean. Sleeps are never
    // repeated: each is its own sample.
    let warm_up = measurer(1).took.max(Duration::from_nanos(1));
    let iterations = match repeat {
        false => 1,
        true => (SAMPLE_TIME.as_nanos() / warm_up.as_nanos()).clamp(1, 1_000_000) as u64,
    };
    let (mut tally, mut latencies) = (None, None);
    let samples_s = (0..samples)
        .map(|_| {
            let sample = measurer(iterations);
            (tally, latencies) = (sample.tally, sample.latencies);
            sample.took.as_secs_f64() / iterations as f64
        })
        .collect();
    drop(measurer);
    let peak_rss_bytes = memory("VmHWM:");
    let described = None;
    Ok(Measurement { samples_s, peak_rss_bytes, bytes_per_task: None, tally, described, latencies })
}

/// A line of `/proc/self/status` in bytes (Linux), e.g. `VmHWM:` or `VmRSS:`.
fn memory(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: u64 = line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// `tasks` tasks that each start and then sleep for an hour: the time to get them all
/// asleep, and the resident memory each adds.
struct Idle {
    tasks: usize,
}

impl Visitor for Idle {
    type Output = io::Result<(Duration, f64)>;

    fn visit<R: Launch>(self, rt: R) -> Self::Output {
        let tasks = self.tasks;
        let before = memory("VmRSS:").unwrap_or(0);
        let task_rt = rt.clone();
        let (took, after) = run_on_worker(&rt, async move {
            let started = Arc::new(AtomicUsize::new(0));
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let (rt, started) = (task_rt.clone(), started.clone());
                    task_rt.spawn(async move {
                        started.fetch_add(1, Relaxed);
                        rt.sleep(Duration::from_secs(3600)).await;
                    })
                })
                .collect();
            let give_up = Instant::now() + Duration::from_secs(120);
            while started.load(Relaxed) < tasks && Instant::now() < give_up {
                task_rt.sleep(Duration::from_millis(1)).await;
            }
            let took = start.elapsed();
            let asleep = started.load(Relaxed);
            let after = memory("VmRSS:").unwrap_or(0);
            drop(handles); // cancels them all
            if asleep < tasks {
                return Err(io::Error::other(format!("only {asleep} of {tasks} tasks started")));
            }
            Ok((took, after))
        })?;
        Ok((took, after.saturating_sub(before) as f64 / tasks as f64))
    }
}
