//! The compare tool's command line.

use std::{num::NonZeroUsize, path::PathBuf, time::Duration};

use benches::Flavour;
use benches::workloads::Expect;
use chain_cli::{
    FanOutArgs, SourceArgs, SourceKind, parse_concurrency, parse_latency, parse_limit, parse_users,
    parse_workers, report::duration,
};
use chain_lab::Work;

use crate::serve_load::ServeLoad;
use clap::{
    CommandFactory, Parser, Subcommand,
    error::{ContextKind, Error, ErrorKind},
};

/// Runs one workload under every runtime flavour, each run in a fresh process, in
/// rotated order, and prints a table (and, on request, JSON and an SVG chart).
#[derive(Debug, Parser)]
#[command(name = "compare", version)]
pub struct Args {
    /// The workload and its size.
    #[command(subcommand)]
    pub workload: Workload,

    /// Runs per flavour, each in a process of its own after a warm-up run (1 to 1000).
    #[arg(long, default_value = "5", value_parser = parse_runs, global = true, allow_negative_numbers = true)]
    pub runs: NonZeroUsize,

    /// Worker counts for the flavours of several threads (multi-thread and thread-per-core), e.g. 1,2,4 [default: the machine's cores; for serve, the server's cores, half of them]
    #[arg(long, value_delimiter = ',', value_parser = parse_workers, global = true, allow_negative_numbers = true)]
    pub workers: Vec<NonZeroUsize>,

    /// Only these flavours [default: all]
    #[arg(long, value_enum, value_delimiter = ',', global = true)]
    pub flavours: Vec<Flavour>,

    /// Also write the records as JSON to this file.
    #[arg(long, value_name = "FILE", global = true)]
    pub json: Option<PathBuf>,

    /// Also write a chart as SVG to this file: the medians as bars; for serve, p99
    /// latency against throughput.
    #[arg(long, value_name = "FILE", global = true)]
    pub svg: Option<PathBuf>,

    /// Also write the table as Markdown, with the command that made it, to this file.
    #[arg(long, value_name = "FILE", global = true)]
    pub markdown: Option<PathBuf>,

    /// Skip the Python asyncio reference rows even when python3 is available.
    #[arg(long, global = true)]
    pub no_python: bool,
}

/// What to measure.
#[derive(Clone, Debug, Subcommand)]
pub enum Workload {
    /// Redraws the chart of each JSON file compare wrote (a workload's, or serve's
    /// under load) from the records it holds, into FILE.svg beside FILE.json:
    /// nothing is measured.
    Chart {
        /// The JSON files, as `--json` wrote them.
        #[arg(value_name = "FILE.json", required = true)]
        files: Vec<PathBuf>,
    },
    /// The gateway (`serve`) under load: latency percentiles, throughput, errors, CPU
    /// and memory at each offered rate.
    Serve(ServeLoad),
    /// The article's chain for user 1.
    Chain {
        /// Simulated latency of each fetch.
        #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
        latency: Duration,
        /// Where the fetches go.
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Users 1..=N, all at once.
    #[command(name = "fanout")]
    FanOut(FanOutArgs),
    /// Users 1..=N, at most K in flight.
    Bounded {
        /// The users, their latency, the shape and the source, as for `fanout`.
        #[command(flatten)]
        fanout: FanOutArgs,
        /// The most users in flight.
        #[arg(long, value_name = "K", value_parser = parse_concurrency, allow_negative_numbers = true)]
        concurrency: NonZeroUsize,
    },
    /// N trivial tasks spawned, then awaited.
    SpawnMany {
        /// How many tasks.
        #[arg(long, value_name = "N", default_value = "10000", value_parser = parse_users, allow_negative_numbers = true)]
        tasks: NonZeroUsize,
    },
    /// A chain of spawns, each task spawning the next.
    SpawnChain {
        /// How many links.
        #[arg(long, value_name = "N", default_value = "1000", value_parser = parse_users, allow_negative_numbers = true)]
        depth: NonZeroUsize,
    },
    /// Many tasks each yielding many times.
    YieldMany {
        /// How many tasks.
        #[arg(long, value_name = "N", default_value = "200", value_parser = parse_users, allow_negative_numbers = true)]
        tasks: NonZeroUsize,
        /// Yields per task.
        #[arg(long, value_name = "N", default_value = "1000", value_parser = parse_users, allow_negative_numbers = true)]
        yields: NonZeroUsize,
    },
    /// Request/reply round trips with a spawned partner over futures' channels.
    PingPong {
        /// How many round trips.
        #[arg(long, value_name = "N", default_value = "1000", value_parser = parse_users, allow_negative_numbers = true)]
        rounds: NonZeroUsize,
    },
    /// Oversleep of one sleep: how late it wakes (p50, p99), a property of the timer.
    Timer {
        /// How long each sleep asks for.
        #[arg(long, value_name = "DURATION", default_value = "1ms", value_parser = parse_limit, allow_hyphen_values = true)]
        sleep: Duration,
        /// Sleeps measured per run.
        #[arg(long, value_name = "N", default_value = "200", value_parser = parse_users, allow_negative_numbers = true)]
        samples: NonZeroUsize,
    },
    /// N tasks all asleep at once (one per user, as a fan-out would hold): memory per
    /// idle task.
    Idle {
        /// How many tasks, one per user (`--tasks` is the same).
        #[arg(long, visible_alias = "tasks", value_name = "N", default_value = "100000", value_parser = parse_users, allow_negative_numbers = true)]
        users: NonZeroUsize,
    },
}

/// The options of a fan-out as command-line words.
fn fan_out_args(fanout: &FanOutArgs) -> Vec<String> {
    let mut words = vec![format!("--users={}", fanout.users), format!("--shape={}", fanout.shape)];
    if let Some(work) = fanout.work() {
        words.extend([format!("--work={}", work.rounds), format!("--skew={}", work.skew)]);
    }
    [words, fetch_args(&fanout.latency, &fanout.source)].concat()
}

/// The latency, source and fault options as command-line words, for the Python
/// reference and the reported parameters. With `--address`, the latency is the
/// service's own and is left out.
fn fetch_args(latency: &Duration, source: &SourceArgs) -> Vec<String> {
    let latency = format!("--latency={}ns", latency.as_nanos());
    let fetch_timeout = format!("--fetch-timeout={}ns", source.fetch_timeout.as_nanos());
    let hedge = source.hedge_after.map(|after| format!("--hedge-after={}ns", after.as_nanos()));
    let faults = [source.injected_args(), hedge.into_iter().collect()].concat();
    if source.kind == SourceKind::Memory {
        // The time limit only applies to a memory source with faults or a tail.
        let limit = (!source.injected_args().is_empty()).then_some(fetch_timeout);
        return [vec![latency], limit.into_iter().collect(), faults].concat();
    }
    let mut words = vec![
        "--source=http".to_owned(),
        format!("--connections={}", source.connections),
        fetch_timeout,
    ];
    match source.address {
        Some(address) => words.push(format!("--address={address}")),
        None => words.push(latency),
    }
    [words, faults].concat()
}

/// The workloads sized by something other than users, and what sizes them.
const SIZED_OTHERWISE: [(&str, &str); 5] = [
    ("spawn-many", "--tasks"),
    ("spawn-chain", "--depth"),
    ("yield-many", "--tasks and --yields"),
    ("ping-pong", "--rounds"),
    ("timer", "--samples"),
];

/// clap's error, with a hint where a workload sized otherwise is given `--users`
/// (`spawn-many` counts tasks): the options that size it. `words` are the arguments.
pub fn with_hint(error: Error, words: &[String]) -> Error {
    let unknown = error.get(ContextKind::InvalidArg).map(ToString::to_string);
    if error.kind() != ErrorKind::UnknownArgument
        || !unknown.is_some_and(|arg| arg.starts_with("--users"))
    {
        return error;
    }
    let sized = words.iter().find_map(|word| SIZED_OTHERWISE.iter().find(|(name, _)| name == word));
    let Some((workload, sizes)) = sized else { return error };
    let message = format!(
        "unexpected argument '--users' found: {workload} has no users, its size is {sizes}"
    );
    Args::command().error(ErrorKind::UnknownArgument, message)
}

fn parse_runs(text: &str) -> Result<NonZeroUsize, String> {
    let allowed = || "must be a whole number from 1 to 1000".to_owned();
    let n: usize = text.trim().parse().map_err(|_| allowed())?;
    NonZeroUsize::new(n).filter(|n| n.get() <= 1000).ok_or_else(allowed)
}

impl Workload {
    /// The command-line words that select this workload: the command shown with
    /// results, its parameters, and the Python reference's arguments. The Rust
    /// measuring processes get a [`Job`](crate::job::Job) instead.
    pub fn to_args(&self) -> Vec<String> {
        let nanos = |d: &Duration| format!("{}ns", d.as_nanos());
        let words: Vec<String> = match self {
            Workload::Chain { latency, source } => {
                [vec!["chain".into()], fetch_args(latency, source)].concat()
            }
            Workload::FanOut(f) => [vec!["fanout".into()], fan_out_args(f)].concat(),
            Workload::Bounded { fanout, concurrency } => [
                vec!["bounded".into(), format!("--concurrency={concurrency}")],
                fan_out_args(fanout),
            ]
            .concat(),
            Workload::SpawnMany { tasks } => vec!["spawn-many".into(), format!("--tasks={tasks}")],
            Workload::SpawnChain { depth } => {
                vec!["spawn-chain".into(), format!("--depth={depth}")]
            }
            Workload::YieldMany { tasks, yields } => {
                vec!["yield-many".into(), format!("--tasks={tasks}"), format!("--yields={yields}")]
            }
            Workload::PingPong { rounds } => vec!["ping-pong".into(), format!("--rounds={rounds}")],
            Workload::Timer { sleep, samples } => vec![
                "timer".into(),
                format!("--sleep={}", nanos(sleep)),
                format!("--samples={samples}"),
            ],
            Workload::Idle { users } => vec!["idle".into(), format!("--users={users}")],
            Workload::Serve(load) => load.to_args(),
            Workload::Chart { .. } => vec!["chart".into()],
        };
        words
    }

    /// Where the fetches go, for the workloads that fetch.
    pub fn source(&self) -> Option<&SourceArgs> {
        match self {
            Workload::Chain { source, .. } => Some(source),
            Workload::FanOut(f) | Workload::Bounded { fanout: f, .. } => Some(&f.source),
            _ => None,
        }
    }

    /// The options of `fanout` and `bounded`.
    pub fn fan_out(&self) -> Option<&FanOutArgs> {
        match self {
            Workload::FanOut(f) | Workload::Bounded { fanout: f, .. } => Some(f),
            _ => None,
        }
    }

    /// The CPU work added to each user of a fan-out, if any.
    pub fn work(&self) -> Option<Work> {
        self.fan_out()?.work()
    }

    /// What a fan-out's measuring process holds at its peak.
    pub fn footprint(&self) -> Option<chain_cli::Footprint> {
        match self {
            Workload::FanOut(f) => Some(f.footprint(None)),
            Workload::Bounded { fanout, concurrency } => {
                Some(fanout.footprint(Some(concurrency.get())))
            }
            _ => None,
        }
    }

    /// Whether faults are injected into the fetches.
    pub fn is_faulty(&self) -> bool {
        self.source().is_some_and(|s| matches!(s.faults.plan(), Ok(Some(_))))
    }

    /// The expectation every run is checked against: each user's result, or with
    /// faults injected, the outcome the seed's plan implies for each.
    pub fn expect(&self) -> Expect {
        match self.source().map(|s| s.faults.plan()) {
            Some(Ok(Some(plan))) => Expect::Faults(plan),
            _ => Expect::Results,
        }
    }

    /// Why faults cannot be checked against their plan, if they cannot: a fetch whose
    /// latency (or a tail's slow time) and jitter may take it to half its time limit
    /// may or may not time out, as the machine, not the seed, decides.
    pub fn unplanned_timeouts(&self) -> Option<String> {
        let source = self.source().filter(|s| self.is_faulty() || s.tail.is_given())?;
        let (slowest, option) = match source.tail.slow {
            Some(slow) => (slow, "--slow"),
            None => (self.ideal_latency(), "--latency"),
        };
        let (jitter, limit) = (source.faults.jitter, source.fetch_timeout);
        (2 * (slowest + jitter) > limit).then(|| {
            format!(
                "{option} {} plus --jitter {} cannot exceed half of --fetch-timeout {}: whether such a fetch times out would depend on the machine, not the seed",
                duration(slowest),
                duration(jitter),
                duration(limit)
            )
        })
    }

    /// Whether the fetches are HTTP requests to a record service.
    pub fn is_http(&self) -> bool {
        self.source().is_some_and(|s| s.kind == SourceKind::Http)
    }

    /// The simulated latency of each fetch (zero for workloads that do not fetch).
    pub fn ideal_latency(&self) -> Duration {
        match self {
            Workload::Chain { latency, .. } => *latency,
            Workload::FanOut(f) | Workload::Bounded { fanout: f, .. } => f.latency,
            _ => Duration::ZERO,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Workload::Chain { .. } => "chain",
            Workload::FanOut(_) => "fanout",
            Workload::Bounded { .. } => "bounded",
            Workload::SpawnMany { .. } => "spawn_many",
            Workload::SpawnChain { .. } => "spawn_chain",
            Workload::YieldMany { .. } => "yield_many",
            Workload::PingPong { .. } => "ping_pong",
            Workload::Timer { .. } => "timer",
            Workload::Idle { .. } => "idle",
            Workload::Serve(_) => "serve",
            Workload::Chart { .. } => "chart",
        }
    }

    /// Users served by one run, for the per-user figure; `None` where there are none.
    pub fn users(&self) -> Option<usize> {
        match self {
            Workload::Chain { .. } => Some(1),
            Workload::FanOut(f) | Workload::Bounded { fanout: f, .. } => Some(f.users.get()),
            _ => None,
        }
    }

    /// Runs per sample in the Python reference, which cannot size its samples as the
    /// Rust side does: a chain without latency is too short to time alone.
    pub fn python_iterations(&self) -> u64 {
        match self {
            Workload::Chain { latency, .. } if latency.is_zero() => 10_000,
            _ => 1,
        }
    }

    /// Whether rows are ranked: a timer's oversleep is a property, not a score.
    pub fn is_ranked(&self) -> bool {
        !matches!(self, Workload::Timer { .. })
    }

    /// Whether rows are compared by the time they took (not a timer's oversleep, nor
    /// idle's memory).
    pub fn is_timed(&self) -> bool {
        !matches!(self, Workload::Timer { .. } | Workload::Idle { .. })
    }

    /// The least a run can take: the simulated waits it cannot avoid.
    pub fn ideal(&self) -> Duration {
        match self {
            Workload::Chain { .. } | Workload::FanOut(_) => self.ideal_latency(),
            Workload::Bounded { fanout, concurrency } => {
                let waves = fanout.users.get().div_ceil(concurrency.get());
                fanout.latency * waves as u32
            }
            Workload::Timer { sleep, .. } => *sleep,
            _ => Duration::ZERO,
        }
    }
}

/// The workload a recorded command line selects (`compare fanout --users 10`, its
/// program first): how a chart is redrawn from the JSON that records it.
pub fn workload_of(command: &[String]) -> Result<Workload, String> {
    let args = Args::try_parse_from(command).map_err(|e| format!("{}: {e}", command.join(" ")))?;
    Ok(args.workload)
}

/// The workload `words` select (the words after `compare`), for tests.
#[cfg(test)]
pub fn workload(words: &[&str]) -> Workload {
    let args = Args::try_parse_from(std::iter::once("compare").chain(words.iter().copied()));
    args.expect("valid words").workload
}
