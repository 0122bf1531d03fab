//! What one row of `compare serve` serves with: the gateway on a flavour, or one of
//! its baselines, and the command that starts it.

use std::{fmt, num::NonZeroUsize, path::Path, process::Command};

use benches::Flavour;
use clap::ValueEnum;

/// The Python server, shipped in the repository beside this tool.
const PYTHON_SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/serve.py");

/// The baselines' binary.
pub const BASELINE_BINARY: &str = "serve-baseline";

/// One row's server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// The gateway, written once against the contract (`runtime-* serve`).
    Gateway(Flavour),
    /// hyper on the flavour's runtime's own API, without the contract.
    Native(Flavour),
    /// OS threads and blocking I/O (tiny_http).
    Threads,
    /// The article's chain on this Python event loop (asyncio's streams).
    Python(&'static str),
}

/// What starts the server of a row, and with what.
pub struct Launch<'a> {
    pub folder: &'a Path,
    pub workers: NonZeroUsize,
    /// The connections the load opens: the threads baseline gets a handler each.
    pub connections: usize,
    /// Options every server takes: port 0, the latency, the in-flight limit.
    pub common: Vec<String>,
    /// The source's tail and hedge, which the gateways and Python's take.
    pub source: Vec<String>,
    /// Where a server with a tail or a hedge writes what its fetches met, at its
    /// stop (`serve --report`).
    pub report: Option<&'a Path>,
}

impl Served {
    /// Every row for `flavours`: their gateways, then (with `natives`) the native
    /// twins of those that have one and the threads, then the `python` loops.
    pub fn rows(flavours: &[Flavour], natives: bool, python: &[&'static str]) -> Vec<Served> {
        let mut rows: Vec<Served> = flavours.iter().map(|&f| Served::Gateway(f)).collect();
        if natives {
            let twins = flavours.iter().filter(|f| f.has_native_server());
            rows.extend(twins.map(|&f| Served::Native(f)));
            rows.push(Served::Threads);
        }
        rows.extend(python.iter().map(|&event_loop| Served::Python(event_loop)));
        rows
    }

    /// The name in tables and charts.
    pub fn label(&self) -> String {
        match self {
            Served::Gateway(flavour) => flavour.label().to_owned(),
            Served::Native(flavour) => format!("{} native", flavour.label()),
            Served::Threads => "threads (tiny_http)".to_owned(),
            Served::Python(event_loop) => format!("{event_loop} (Python)"),
        }
    }

    /// Its threads that run requests, in words: a count, or how they are had.
    pub fn workers(&self, workers: NonZeroUsize, connections: usize) -> String {
        match self {
            Served::Gateway(f) | Served::Native(f) if f.is_multi_thread() => workers.to_string(),
            Served::Threads => format!("{connections} + 1 per connection"),
            _ => "1".to_owned(),
        }
    }

    /// The binary it needs beside compare, if any.
    pub fn binary(&self) -> Option<&'static str> {
        match self {
            Served::Gateway(flavour) => Some(flavour.package()),
            Served::Native(_) | Served::Threads => Some(BASELINE_BINARY),
            Served::Python(_) => None,
        }
    }

    /// The command that starts it.
    pub fn command(&self, launch: &Launch) -> Command {
        let workers = launch.workers.to_string();
        let mut command = match self {
            Served::Gateway(flavour) => {
                let mut serve = Command::new(launch.folder.join(flavour.package()));
                serve.args(["--flavour", flavour.scheduling().name()]);
                serve.args(["--driver", flavour.driver().name()]);
                if flavour.is_multi_thread() {
                    serve.args(["--workers", &workers]);
                }
                serve.arg("serve");
                serve
            }
            Served::Native(flavour) => {
                let mut serve = Command::new(launch.folder.join(BASELINE_BINARY));
                let name = flavour.to_possible_value().expect("every flavour has a name");
                serve.args(["native", "--flavour", name.get_name()]);
                if flavour.is_multi_thread() {
                    serve.args(["--workers", &workers]);
                }
                serve
            }
            Served::Threads => {
                let mut serve = Command::new(launch.folder.join(BASELINE_BINARY));
                serve.args(["threads", "--threads", &launch.connections.max(1).to_string()]);
                serve
            }
            Served::Python(event_loop) => {
                let mut serve = Command::new("python3");
                serve.arg(PYTHON_SERVER).arg(format!("--loop={event_loop}"));
                serve
            }
        };
        command.args(&launch.common);
        if matches!(self, Served::Gateway(_) | Served::Python(_)) {
            command.args(&launch.source);
            if let Some(path) = launch.report {
                command.arg("--report").arg(path);
            }
        }
        command
    }
}

impl fmt::Display for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_follow_the_gateways_with_a_native_twin_only_where_one_exists() {
        let flavours = [Flavour::TokioMultiThread, Flavour::FuturesLocalPool];
        let rows = Served::rows(&flavours, true, &["asyncio"]);
        assert_eq!(
            rows,
            [
                Served::Gateway(Flavour::TokioMultiThread),
                Served::Gateway(Flavour::FuturesLocalPool),
                Served::Native(Flavour::TokioMultiThread),
                Served::Threads,
                Served::Python("asyncio"),
            ]
        );
        assert_eq!(Served::rows(&flavours, false, &[]).len(), 2);
        let with_a_tail = Served::rows(&flavours, false, &["asyncio"]);
        assert_eq!(with_a_tail.last(), Some(&Served::Python("asyncio")));
    }
}
