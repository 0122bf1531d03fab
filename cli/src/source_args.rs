//! Where the fetches go (`--source`), and how the record service answers: the options
//! of the runtime binaries' `chain`, `fanout` and `bounded`, and of `record-service`.

use std::{
    net::{SocketAddr, ToSocketAddrs},
    num::NonZeroUsize,
    time::Duration,
};

use clap::{Args, ValueEnum};

use super::{
    TailArgs,
    choice::{WIRE_FAULTS, choice},
    listen::{listen_address, listen_conflict},
    parse::{parse_count, parse_latency, parse_limit, parse_users, parse_workers},
};
use chain_core::UserId;
use chain_http::{DEFAULT_CONNECTIONS, WireFault, WireFaultPlan};
use chain_lab::{FaultPlan, Tail};
use record_service::ServiceConfig;

/// The most connections an HTTP source may be given.
pub const MAX_CONNECTIONS: usize = 10_000;

/// Where the fetches of `chain`, `fanout` and `bounded` go.
#[derive(Clone, Debug, Args)]
pub struct SourceArgs {
    /// In memory behind a simulated latency, or HTTP requests to a record service.
    #[arg(long = "source", value_enum, default_value_t = SourceKind::Memory)]
    pub kind: SourceKind,
    /// With --source http: the service's HOST:PORT [default: a record service started
    /// in-process, on threads of its own, answering after --latency]
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_address, conflicts_with = "latency")]
    pub address: Option<SocketAddr>,
    /// With --source http: the most connections open at once (1 to 10000).
    #[arg(long, value_name = "N", default_value_t = NonZeroUsize::new(DEFAULT_CONNECTIONS).unwrap(), value_parser = parse_connections, allow_negative_numbers = true)]
    pub connections: NonZeroUsize,
    /// The time limit of each fetch (more than 0, at most 60s). With --source http,
    /// waiting for a free connection has the same limit, on its own; with faults
    /// injected, a second limit covers the whole fetch, the wait included.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_limit, allow_hyphen_values = true)]
    pub fetch_timeout: Duration,
    /// Faults injected into the fetches, whichever the source.
    #[command(flatten)]
    pub faults: FaultArgs,
    /// The backend's tail: in memory, or in the record service started here.
    #[command(flatten)]
    pub tail: TailArgs,
    /// Hedge every fetch: one that has not answered DURATION after it left is sent
    /// once more, the first answer wins and the other copy is cancelled (more than
    /// 0, at most 60s). Each copy has its own --fetch-timeout.
    #[arg(long, value_name = "DURATION", value_parser = parse_limit, allow_hyphen_values = true)]
    pub hedge_after: Option<Duration>,
}

impl SourceArgs {
    /// Why these options cannot be used, if they cannot: options that do not fit
    /// together, a tail no slower than `latency` (the usual fetch's), or more
    /// connections than `ulimit -n` leaves this process file descriptors for (two
    /// each when the service runs in this process, `service_in_process`).
    pub fn conflict(&self, service_in_process: bool, latency: Duration) -> Option<String> {
        if self.kind == SourceKind::Memory && self.address.is_some() {
            return Some("--address names a record service: it needs --source http".to_owned());
        }
        (self.faults.plan().err())
            .or_else(|| self.tail(latency).err())
            .or_else(|| self.descriptor_shortage(service_in_process))
    }

    /// The backend's tail, on a source whose fetches usually take `latency`: in
    /// memory, or in the record service started here.
    ///
    /// # Errors
    ///
    /// As [`TailArgs::tail`] says, or a tail asked of a service at `--address`,
    /// which has its own.
    pub fn tail(&self, latency: Duration) -> Result<Tail, String> {
        if self.address.is_some() && self.tail.is_given() {
            return Err("--slow-rate and --slow make the record service started here slow: a service at --address has its own (record-service --slow-rate)".to_owned());
        }
        self.tail.tail(self.faults.seed, latency, "--latency")
    }

    /// The first option given on the command line (`given` says which were, by
    /// their ids: `connections`, `fetch_timeout`, `seed`) that these options would
    /// ignore, and what it needs: connections exist only over HTTP, a fetch in
    /// memory can only outlast a time limit with faults injected, and a seed only
    /// picks faults.
    pub fn ignored(&self, given: impl Fn(&str) -> bool) -> Option<String> {
        let http = self.kind == SourceKind::Http;
        let faults = matches!(self.faults.plan(), Ok(Some(_)));
        let tail = self.tail.is_given();
        if given("connections") && !http {
            Some("--connections limits the connections to a record service: it needs --source http")
        } else if given("fetch_timeout") && !http && !faults && !tail {
            Some(
                "--fetch-timeout limits each fetch over HTTP or with faults injected: it needs --source http, --fail-rate, --hang-rate, --jitter or --slow-rate",
            )
        } else if given("seed") && !faults && !tail {
            Some("--seed picks which fetches are faulted or slow: it needs --fail-rate, --hang-rate, --jitter or --slow-rate")
        } else {
            None
        }
        .map(str::to_owned)
    }

    /// What is injected into the fetches: the faults, and in memory the tail, on a
    /// source whose fetches usually take `latency` (over HTTP the tail is the record
    /// service's own); `None` when nothing is.
    ///
    /// # Errors
    ///
    /// As [`FaultArgs::plan`] and [`SourceArgs::tail`] say.
    pub fn plan(&self, latency: Duration) -> Result<Option<FaultPlan>, String> {
        let (faults, tail) = (self.faults.plan()?, self.tail(latency)?);
        if self.kind != SourceKind::Memory || !tail.is_some() {
            return Ok(faults);
        }
        let faults = faults.unwrap_or(FaultPlan::new(self.faults.seed));
        faults.with_tail(tail, latency).map(Some)
    }

    /// The faults' and the tail's options as command-line words, for a child
    /// process; none when nothing is injected.
    pub fn injected_args(&self) -> Vec<String> {
        let (faults, tail) = (self.faults.to_args(), self.tail.to_args());
        let seed =
            (faults.is_empty() && !tail.is_empty()).then(|| format!("--seed={}", self.faults.seed));
        [faults, tail, seed.into_iter().collect()].concat()
    }

    fn descriptor_shortage(&self, in_process: bool) -> Option<String> {
        if self.kind != SourceKind::Http {
            return None;
        }
        let connections = self.connections.get() as u64;
        let needed = connections * if in_process { 2 } else { 1 };
        let (needed, limit) = super::limits::short_of_descriptors(needed)?;
        let both_ends = if in_process { ", two each with the service in this process" } else { "" };
        Some(format!(
            "--connections {connections} needs about {needed} file descriptors{both_ends}, and `ulimit -n` allows {limit}: ask for fewer connections, or raise `ulimit -n`"
        ))
    }
}

/// Faults injected into every fetch of `chain`, `fanout` and `bounded`, chosen by
/// a seed so that every runtime gets the same ones (see [`FaultPlan`]).
#[derive(Clone, Debug, Default, Args)]
pub struct FaultArgs {
    /// Inject failures: this fraction of fetches fail, each naming its user (0 to 1).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate, allow_negative_numbers = true)]
    pub fail_rate: f64,
    /// Inject hangs: this fraction of fetches never complete; --fetch-timeout ends
    /// each as a timed-out error (0 to 1).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate, allow_negative_numbers = true)]
    pub hang_rate: f64,
    /// Inject jitter: each fetch that neither fails nor hangs first waits a further
    /// time drawn evenly from 0 to DURATION (0 to 60s).
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
    pub jitter: Duration,
    /// The seed that picks which fetches are faulted, their jitter, and which are slow.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,
}

impl FaultArgs {
    /// The plan these options ask for; `None` when they inject nothing.
    ///
    /// # Errors
    ///
    /// The two rates add up to more than 1.
    pub fn plan(&self) -> Result<Option<FaultPlan>, String> {
        if self.fail_rate == 0.0 && self.hang_rate == 0.0 && self.jitter.is_zero() {
            return Ok(None);
        }
        let plan = FaultPlan::new(self.seed).with_failures(self.fail_rate)?;
        let plan = plan.with_hangs(self.hang_rate).map_err(|_| {
            "--fail-rate and --hang-rate add up to more than 1: at most every fetch can be faulted"
                .to_owned()
        })?;
        Ok(Some(plan.with_jitter(self.jitter)))
    }

    /// The options as command-line words, for a child process; none when nothing is
    /// injected.
    pub fn to_args(&self) -> Vec<String> {
        if matches!(self.plan(), Ok(None)) {
            return Vec::new();
        }
        vec![
            format!("--fail-rate={}", self.fail_rate),
            format!("--hang-rate={}", self.hang_rate),
            format!("--jitter={}ns", self.jitter.as_nanos()),
            format!("--seed={}", self.seed),
        ]
    }
}

/// Where fetches go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SourceKind {
    /// The article's data in memory, each fetch sleeping --latency on the runtime's timer.
    Memory,
    /// GET requests to a record service over loopback TCP, through the runtime's reactor.
    Http,
}

/// How the standalone record service answers.
#[derive(Clone, Debug, Args)]
pub struct ServiceArgs {
    /// Where to listen, HOST:PORT; port 0 lets the operating system choose. 0.0.0.0
    /// (or IPv6's ::) serves other machines too: the service has no authentication
    /// [default: 127.0.0.1:0]
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_address)]
    pub listen: Option<SocketAddr>,
    /// Short for --listen 127.0.0.1:PORT; with --listen, only where both agree.
    #[arg(long, value_parser = parse_port, allow_negative_numbers = true)]
    pub port: Option<u16>,
    /// How long each answer waits: a simulated database (0 to 60s).
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
    pub delay: Duration,
    /// The answers that wait longer: --slow-rate of them, picked by --seed, wait
    /// --slow in place of --delay (the same fetches as a client's tail in memory).
    #[command(flatten)]
    pub tail: TailArgs,
    /// Know only users 1 to N (1 to 1000000) and answer 404 for others [default: every id is a user, as in memory]
    #[arg(long, value_name = "N", value_parser = parse_users, allow_negative_numbers = true)]
    pub users: Option<NonZeroUsize>,
    /// The fraction of answers that fault, from 0 to 1.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate, allow_negative_numbers = true)]
    pub fault_rate: f64,
    /// The kinds of fault to draw from, comma-separated.
    #[arg(long, value_parser = choice(WIRE_FAULTS), value_delimiter = ',', default_values_t = WireFault::ALL)]
    pub faults: Vec<WireFault>,
    /// The seed that picks which answers fault, and which are slow.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,
    /// Threads that run the service (1 to 256).
    #[arg(long, value_name = "N", default_value_t = NonZeroUsize::MIN, value_parser = parse_workers, allow_negative_numbers = true)]
    pub threads: NonZeroUsize,
}

impl ServiceArgs {
    /// The first option given on the command line (`given` says which were, by
    /// their ids) that the service would ignore, or options that do not fit
    /// together: --listen and --port naming two addresses, a tail that is not one
    /// ([`TailArgs::tail`]); the kinds of fault mean nothing without a fault rate,
    /// the seed nothing without a fault rate or a tail.
    pub fn ignored(&self, given: impl Fn(&str) -> bool) -> Option<String> {
        if let Some(conflict) = listen_conflict(self.listen, self.port) {
            return Some(conflict);
        }
        if let Err(conflict) = self.tail.tail(self.seed, self.delay, "--delay") {
            return Some(conflict);
        }
        if self.fault_rate > 0.0 {
            return None;
        }
        if given("faults") {
            return Some(
                "--faults chooses the faults of the answers: it needs a --fault-rate above 0"
                    .to_owned(),
            );
        }
        (given("seed") && !self.tail.is_given()).then(|| {
            "--seed picks the faults of the answers, and the slow ones: it needs a --fault-rate or a --slow-rate above 0".to_owned()
        })
    }

    /// The service's configuration.
    pub fn into_config(self) -> ServiceConfig {
        let faults = WireFaultPlan::new(self.fault_rate, self.seed, &self.faults)
            .expect("the rate was checked when parsed and clap gives at least one kind");
        let tail = self.tail.tail(self.seed, self.delay, "--delay");
        ServiceConfig {
            address: listen_address(self.listen, self.port, 0),
            delay: self.delay,
            tail: tail.expect("the tail was checked with the command line"),
            users: self.users.map(|n| n.get() as UserId),
            faults,
            threads: self.threads,
        }
    }
}

/// Parses `HOST:PORT`, e.g. `127.0.0.1:8080` or `localhost:8080`.
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
    let allowed = "must be HOST:PORT, e.g. 127.0.0.1:8080";
    let mut addresses = text.trim().to_socket_addrs().map_err(|e| format!("{e}; {allowed}"))?;
    addresses.next().ok_or_else(|| format!("names no address; {allowed}"))
}

/// Parses a seed: any whole number from 0 to `u64::MAX`.
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| format!("must be a whole number from 0 to {}", u64::MAX))
}

/// Parses a port: 0 (the operating system chooses) to 65535.
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_port(text: &str) -> Result<u16, String> {
    text.trim().parse().map_err(|_| "must be a port from 0 to 65535 (0: any free port)".to_owned())
}

/// Parses a connection limit: 1 to [`MAX_CONNECTIONS`].
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_connections(text: &str) -> Result<NonZeroUsize, String> {
    parse_count(text, MAX_CONNECTIONS)
}

/// Parses a fault rate: a fraction from 0 to 1.
///
/// # Errors
///
/// A message saying what is allowed.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let allowed = "must be a fraction from 0 to 1, e.g. 0.01";
    let rate: f64 = text.trim().parse().map_err(|_| allowed.to_owned())?;
    if (0.0..=1.0).contains(&rate) { Ok(rate) } else { Err(allowed.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_need_a_host_and_a_port() {
        assert_eq!(parse_address("127.0.0.1:8080"), Ok("127.0.0.1:8080".parse().unwrap()));
        for bad in ["127.0.0.1", "8080", "127.0.0.1:99999", "", "no such host:1"] {
            let error = parse_address(bad).expect_err(bad);
            assert!(error.contains("must be HOST:PORT"), "{error}");
        }
    }

    #[test]
    fn rates_are_fractions() {
        assert_eq!(parse_rate("0.25"), Ok(0.25));
        for bad in ["-0.1", "1.5", "NaN", "half"] {
            assert!(parse_rate(bad).unwrap_err().contains("from 0 to 1"), "{bad}");
        }
    }

    #[test]
    fn the_services_fault_options_need_a_fault_rate() {
        let parsed = |args: &[&str]| {
            #[derive(clap::Parser)]
            struct Service {
                #[command(flatten)]
                service: ServiceArgs,
            }
            let matches = <Service as clap::CommandFactory>::command()
                .try_get_matches_from(std::iter::once("record-service").chain(args.iter().copied()))
                .unwrap();
            let service = <Service as clap::FromArgMatches>::from_arg_matches(&matches).unwrap();
            service.service.ignored(|id| super::super::given(&matches, id))
        };
        assert_eq!(parsed(&["--fault-rate", "0.1", "--seed", "3", "--faults", "drop"]), None);
        assert_eq!(parsed(&["--delay", "1ms"]), None);
        for args in
            [&["--seed", "3"][..], &["--faults", "drop"], &["--fault-rate", "0", "--seed", "1"]]
        {
            let message = parsed(args).expect("refused");
            assert!(message.contains("it needs a --fault-rate"), "{message}");
        }
        assert_eq!(parsed(&["--slow-rate", "0.1", "--slow", "50ms", "--seed", "3"]), None);
        let tail_refused = [
            &["--slow-rate", "0.1"][..],
            &["--slow", "50ms"],
            &["--slow-rate", "0.1", "--slow", "5ms", "--delay", "5ms"],
        ];
        for args in tail_refused {
            assert!(parsed(args).is_some(), "{args:?}");
        }
    }

    #[test]
    fn connection_limits_are_bounded() {
        assert!(parse_connections("0").is_err());
        assert!(parse_connections("10001").is_err());
        assert_eq!(parse_connections("64").unwrap().get(), 64);
    }
}
