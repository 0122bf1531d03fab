//! The options of `serve`: where the gateway listens, its limits, and its source.

use std::{net::SocketAddr, num::NonZeroUsize, path::PathBuf, sync::Arc, time::Duration};

use clap::Args;

use super::{
    SourceArgs,
    listen::{listen_address, listen_conflict},
    parse::{parse_concurrency, parse_latency, parse_limit},
    source_args::{parse_address, parse_port},
};
use chain_http::gateway::{GatewayConfig, Stall};

/// The port `serve` listens on, on 127.0.0.1, unless told: the one the README's
/// `curl` lines use.
pub const DEFAULT_PORT: u16 = 8080;

/// The options of `serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Where to listen, HOST:PORT; port 0 picks a free one, printed at start. 0.0.0.0
    /// (or IPv6's ::) serves other machines too: the gateway has no authentication, so
    /// anyone who reaches the port may use it [default: 127.0.0.1:8080]
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_address)]
    pub listen: Option<SocketAddr>,
    /// Short for --listen 127.0.0.1:PORT; with --listen, only where both agree.
    #[arg(long, value_parser = parse_port)]
    pub port: Option<u16>,
    /// Simulated latency of each fetch from memory; with --source http and no
    /// --address, the in-process record service's delay instead.
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
    pub latency: Duration,
    /// The most requests answered at once, on every thread together; beyond it, the
    /// answer is 503 at once (1 to 1000000).
    #[arg(long, value_name = "N", default_value_t = GatewayConfig::default().max_in_flight, value_parser = parse_concurrency, allow_negative_numbers = true)]
    pub max_in_flight: NonZeroUsize,
    /// How long a client may take to send a request's head, or sit idle between
    /// requests, before its connection is closed (more than 0, at most 60s).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_limit, allow_hyphen_values = true)]
    pub header_timeout: Duration,
    /// At Ctrl-C or SIGTERM, how long the requests in flight may take to finish
    /// before their connections are cut off (0 to 60s). A second signal stops at once.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_latency, allow_hyphen_values = true)]
    pub grace: Duration,
    /// Inject a stall: the first request in each --stall-every blocks its thread this
    /// long, as a blocking call would (0 for none; at most 60s).
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = parse_latency, allow_hyphen_values = true)]
    pub stall: Duration,
    /// How often the --stall comes (more than 0, at most 60s).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_limit, allow_hyphen_values = true)]
    pub stall_every: Duration,
    /// Where each request's two fetches go. --fetch-timeout limits each request's
    /// chain: past it, the answer is 504.
    #[command(flatten)]
    pub source: SourceArgs,
    /// At the stop, write what the gateway's fetches met as JSON to FILE, for
    /// compare serve: their latency percentiles (timed only when this is given)
    /// and, with --hedge-after, what the hedge sent (fetches needed and sent, extra
    /// copies that answered first, how late they left).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

impl ServeArgs {
    /// Where the gateway listens: --listen, or --port on 127.0.0.1, or
    /// 127.0.0.1:[`DEFAULT_PORT`].
    pub fn address(&self) -> SocketAddr {
        listen_address(self.listen, self.port, DEFAULT_PORT)
    }

    /// The gateway's configuration.
    pub fn config(&self) -> GatewayConfig {
        GatewayConfig {
            fetch_timeout: self.source.fetch_timeout,
            max_in_flight: self.max_in_flight,
            header_timeout: self.header_timeout,
            grace: self.grace,
            stall: (!self.stall.is_zero())
                .then(|| Arc::new(Stall::new(self.stall, self.stall_every))),
        }
    }

    /// The first option given (`given` says which were, by id) that `serve` would
    /// ignore, a stall as long as its period, or --listen and --port naming two
    /// addresses: as [`SourceArgs::ignored`] says, except that --fetch-timeout always
    /// limits a request's chain.
    pub fn ignored(&self, given: impl Fn(&str) -> bool) -> Option<String> {
        if let Some(conflict) = listen_conflict(self.listen, self.port) {
            return Some(conflict);
        }
        if given("stall_every") && self.stall.is_zero() {
            return Some(
                "--stall-every says how often --stall comes: it needs --stall above 0".to_owned(),
            );
        }
        if self.stall >= self.stall_every {
            return Some(format!(
                "--stall {} would last the whole of each --stall-every {}: make it shorter than its period",
                humantime::format_duration(self.stall),
                humantime::format_duration(self.stall_every)
            ));
        }
        self.source.ignored(|id| id != "fetch_timeout" && given(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cli;
    use clap::Parser;

    fn serve(args: &[&str]) -> ServeArgs {
        let cli = Cli::try_parse_from(["runtime", "serve"].iter().chain(args)).unwrap();
        match cli.command {
            Some(crate::Command::Serve(serve)) => serve,
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn the_defaults_are_the_gateways() {
        let (args, default) = (serve(&[]), GatewayConfig::default());
        assert_eq!(args.address(), SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)));
        let config = args.config();
        assert_eq!(config.fetch_timeout, default.fetch_timeout);
        assert_eq!(config.max_in_flight, default.max_in_flight);
        assert_eq!(config.header_timeout, default.header_timeout);
        assert_eq!(config.grace, default.grace);
        assert!(config.stall.is_none() && default.stall.is_none());
    }

    #[test]
    fn a_fetch_timeout_is_never_ignored_but_connections_in_memory_are() {
        let args = serve(&["--fetch-timeout", "1s"]);
        assert_eq!(args.config().fetch_timeout, Duration::from_secs(1));
        assert_eq!(args.ignored(|id| id == "fetch_timeout"), None);
        let message = args.ignored(|id| id == "connections").unwrap();
        assert!(message.contains("--source http"), "{message}");
    }

    #[test]
    fn a_stall_comes_as_asked_and_its_period_alone_is_refused() {
        let stall = serve(&["--stall", "100ms", "--stall-every", "2s"]).config().stall.unwrap();
        assert_eq!(stall.pause_and_period(), (Duration::from_millis(100), Duration::from_secs(2)));
        let message = serve(&["--stall-every", "2s"]).ignored(|id| id == "stall_every").unwrap();
        assert!(message.contains("needs --stall"), "{message}");
        let endless = serve(&["--stall", "1s"]).ignored(|_| false).unwrap();
        assert!(endless.contains("shorter than its period"), "{endless}");
        assert_eq!(serve(&["--stall", "999ms"]).ignored(|_| false), None);
    }

    #[test]
    fn limits_out_of_range_are_refused() {
        for bad in [
            ["--max-in-flight", "0"],
            ["--header-timeout", "0s"],
            ["--grace", "61s"],
            ["--stall-every", "0s"],
        ] {
            let parsed = Cli::try_parse_from(["runtime", "serve"].iter().chain(&bad));
            assert!(parsed.is_err(), "{bad:?} was accepted");
        }
    }
}
