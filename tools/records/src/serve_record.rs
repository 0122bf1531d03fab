//! What `compare serve` writes as JSON and the `results` tool reads back: each
//! measurement, each saturation rate, each server's memory with connections held.

use serde::{Deserialize, Serialize};

use chain_lab::{HedgeTotals, Percentiles};

use crate::load::Report;

/// One measurement: what the load saw, and what the server spent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    /// The load generator's report.
    pub load: Report,
    /// The server's CPU time over the whole load, warm-up and drain included.
    pub server_cpu_seconds: f64,
    /// The server's peak resident memory.
    pub peak_memory_bytes: u64,
    /// With a hedge: what it sent, as the server said at its stop.
    #[serde(default)]
    pub hedge: Option<HedgeTotals>,
    /// With a tail or a hedge: each fetch's latency as the server's chains met it,
    /// over its whole run, as it said at its stop (`serve --report`).
    #[serde(default)]
    pub fetches: Option<Percentiles>,
}

impl Point {
    /// The server's CPU time per 1,000 answers, in milliseconds.
    pub fn cpu_ms_per_thousand(&self) -> f64 {
        self.server_cpu_seconds * 1e6 / self.load.answered_in_all.max(1) as f64
    }
}

/// A server's saturation rate: the highest offered rate it sustained, and how.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Saturation {
    /// Requests a second.
    pub rate: f64,
    /// The measurement at that rate.
    pub at: Point,
    /// Whether the first rate it did not sustain was one the load generator could
    /// not keep pace with: then the server's limit may lie higher.
    pub generator_limited: bool,
}

/// One server's resident memory before and with connections held open.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Held {
    /// Connections held, each after one request.
    pub connections: usize,
    /// Resident memory before the first.
    pub resident_before_bytes: u64,
    /// Resident memory with all of them open.
    pub resident_holding_bytes: u64,
}

impl Held {
    /// The memory each open connection added, in bytes.
    pub fn bytes_per_connection(&self) -> f64 {
        self.resident_holding_bytes.saturating_sub(self.resident_before_bytes) as f64
            / self.connections as f64
    }
}

/// A `compare serve` document: under load (`rows`), or holding (`held`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServeDocument {
    /// `compare serve ...`, as run.
    pub command: String,
    /// When, in UTC (RFC 3339).
    pub date: String,
    /// Runs per measurement.
    pub runs: usize,
    /// What ran, on what, how.
    pub header: String,
    /// Each server under load; empty when holding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<ServedRow>,
    /// Each server's memory with `--hold` connections; empty under load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<HeldRow>,
}

/// One server under load.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServedRow {
    /// The row's label (`tokio-current-thread`, `... native`, `threads (tiny_http)`).
    pub server: String,
    /// Its threads that answer, in words.
    pub workers: String,
    /// Each load it was measured at, with each run.
    pub loads: Vec<Loaded>,
    /// Its saturation rate, when searched for.
    pub saturation: Option<Saturation>,
}

/// One offered rate's runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Loaded {
    /// Requests a second offered.
    pub offered_rate: f64,
    /// Each run's measurement.
    pub runs: Vec<Point>,
}

/// One server's memory with connections held, or why it could not hold them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeldRow {
    /// The row's label.
    pub server: String,
    /// Its threads that answer, in words.
    pub workers: String,
    /// Each run.
    pub runs: Vec<Held>,
    /// Why it could not hold them all, if it could not.
    pub failure: Option<String>,
}
