//! `compare serve`'s options: the offered rates, and the load at each.

use std::{num::NonZeroUsize, time::Duration};

use chain_cli::{TailArgs, parse_batch, parse_latency, parse_limit, parse_seed};
use chain_records::load::{parse_connections, parse_rate, parse_warmup, parse_window};
use clap::{ArgGroup, Args};

/// The gateway under each flavour, each in a process of its own, driven by the
/// project's open-loop load generator (`load`) in another.
#[derive(Clone, Debug, Args)]
#[command(group(ArgGroup::new("levels").required(true).args(["rates", "search", "hold"])))]
pub struct ServeLoad {
    /// Offered rates, requests a second, each measured in turn (e.g. 2000,8000).
    #[arg(long, value_name = "PER_SECOND,...", value_delimiter = ',', value_parser = parse_rate, conflicts_with_all = ["search", "hold"])]
    pub rates: Vec<f64>,
    /// Instead of --rates: find each flavour's saturation rate, the highest offered
    /// rate it answers in full, without an error, with p99 within this bound (e.g.
    /// 10ms), a rate failing only if a second try fails too, made after every
    /// other flavour's next measurement; then measure the --sweep fractions of it.
    #[arg(long, value_name = "P99_BOUND", value_parser = parse_limit, allow_hyphen_values = true, conflicts_with = "hold")]
    pub search: Option<Duration>,
    /// Instead: hold N kept-alive connections open, each after one request, and
    /// report the server's memory per open connection (1 to 100000).
    #[arg(long, value_name = "N", value_parser = parse_connections)]
    pub hold: Option<NonZeroUsize>,
    /// With --search: the rate the search starts from, doubling from there.
    #[arg(long, value_name = "PER_SECOND", default_value = "1000", value_parser = parse_rate)]
    pub search_from: f64,
    /// With --search: the fractions of each flavour's saturation rate measured after
    /// the search (each above 0, at most 1).
    #[arg(long, value_name = "FRACTION,...", value_delimiter = ',', default_value = "0.25,0.5,0.75,0.9", value_parser = parse_fraction)]
    pub sweep: Vec<f64>,
    /// Kept-alive connections the load is spread over (1 to 100000).
    #[arg(long, value_name = "N", default_value = "50", value_parser = parse_connections)]
    pub connections: NonZeroUsize,
    /// The measured window at each rate (100ms to 10m).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_window)]
    pub duration: Duration,
    /// Load sent before the window, not recorded (0 to 10m).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_warmup)]
    pub warmup: Duration,
    /// Each request asks the batch route, GET /users/with-orders?ids=..., for this
    /// many users in turn (1 to 1000): a fan-out per request, answered when the
    /// slowest of its users' fetches is.
    #[arg(long, value_name = "N", value_parser = parse_batch)]
    pub batch: Option<NonZeroUsize>,
    /// Simulated latency of each fetch from the gateway's in-memory source.
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
    pub latency: Duration,
    /// The in-memory source's tail, the same in every gateway and in asyncio's.
    #[command(flatten)]
    pub tail: TailArgs,
    /// With --slow-rate: the seed that picks the slow fetches.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,
    /// Every gateway (and asyncio's) hedges each fetch after DURATION (more than
    /// 0, at most 60s).
    #[arg(long, value_name = "DURATION", value_parser = parse_limit, allow_hyphen_values = true)]
    pub hedge_after: Option<Duration>,
    /// Leave out the baselines: hyper on each runtime's own API, OS threads
    /// (tiny_http), and Python's asyncio (also left out by --no-python).
    #[arg(long)]
    pub no_baselines: bool,
}

impl ServeLoad {
    /// The tail and the hedge, as the words a gateway's `serve` (and asyncio's
    /// server) take; none without them.
    pub fn source_args(&self) -> Vec<String> {
        let seed = self.tail.is_given().then(|| format!("--seed={}", self.seed));
        let hedge = self.hedge_after.map(|after| format!("--hedge-after={}ns", after.as_nanos()));
        [self.tail.to_args(), seed.into_iter().chain(hedge).collect()].concat()
    }

    /// Whether the source differs from the plain one the baselines without a tail
    /// or a hedge have (hyper's on each runtime, the threads').
    pub fn has_tail_or_hedge(&self) -> bool {
        self.tail.is_given() || self.hedge_after.is_some()
    }

    /// The route the load asks, in words to follow a title: nothing for the one-user
    /// route, `, N users a request (batch route)` for a batch.
    pub fn route(&self) -> String {
        self.batch.map_or_else(String::new, |n| format!(", {n} users a request (batch route)"))
    }

    /// The options as command-line words, as the results show them.
    pub fn to_args(&self) -> Vec<String> {
        let listed =
            |values: &[f64]| values.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
        let without = self.no_baselines.then(|| "--no-baselines".to_owned());
        let levels = match (self.search, self.hold) {
            (_, Some(n)) => {
                return ["serve".into(), format!("--hold={n}")]
                    .into_iter()
                    .chain(without)
                    .collect();
            }
            (None, None) => vec![format!("--rates={}", listed(&self.rates))],
            (Some(bound), None) => vec![
                format!("--search={}", humantime::format_duration(bound)),
                format!("--search-from={}", self.search_from),
                format!("--sweep={}", listed(&self.sweep)),
            ],
        };
        let mut words = vec!["serve".into()];
        words.extend(levels);
        words.extend([
            format!("--connections={}", self.connections),
            format!("--duration={}", humantime::format_duration(self.duration)),
            format!("--warmup={}", humantime::format_duration(self.warmup)),
            format!("--latency={}", humantime::format_duration(self.latency)),
        ]);
        words.extend(self.batch.map(|n| format!("--batch={n}")));
        words.extend(self.source_args());
        words.extend(without);
        words
    }
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(fraction) if fraction > 0.0 && fraction <= 1.0 => Ok(fraction),
        _ => Err(format!("{text:?} is not a fraction above 0 and at most 1")),
    }
}
