//! `compare serve`'s options: the offered rates, and the load at each.

use std::{num::NonZeroUsize, time::Duration};

use benches::load::{parse_connections, parse_rate, parse_warmup, parse_window};
use chain_cli::parse_latency;
use clap::Args;

/// The gateway under each flavour, each in a process of its own, driven by the
/// project's open-loop load generator (`load`) in another.
#[derive(Clone, Debug, Args)]
pub struct ServeLoad {
    /// Offered rates, requests a second, each measured in turn (e.g. 2000,8000).
    #[arg(long, value_name = "PER_SECOND,...", value_delimiter = ',', required = true, value_parser = parse_rate)]
    pub rates: Vec<f64>,
    /// Kept-alive connections the load is spread over (1 to 100000).
    #[arg(long, value_name = "N", default_value = "50", value_parser = parse_connections)]
    pub connections: NonZeroUsize,
    /// The measured window at each rate (100ms to 10m).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_window)]
    pub duration: Duration,
    /// Load sent before the window, not recorded (0 to 10m).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_warmup)]
    pub warmup: Duration,
    /// Simulated latency of each fetch from the gateway's in-memory source.
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
    pub latency: Duration,
}

impl ServeLoad {
    /// The options as command-line words, as the results show them.
    pub fn to_args(&self) -> Vec<String> {
        let rates: Vec<String> = self.rates.iter().map(|r| r.to_string()).collect();
        vec![
            "serve".into(),
            format!("--rates={}", rates.join(",")),
            format!("--connections={}", self.connections),
            format!("--duration={}", humantime::format_duration(self.duration)),
            format!("--warmup={}", humantime::format_duration(self.warmup)),
            format!("--latency={}", humantime::format_duration(self.latency)),
        ]
    }
}
