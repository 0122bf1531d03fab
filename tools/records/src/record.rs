//! compare's JSON document: what ran, where, when and how, and a record per row with
//! every run's figure. compare writes it; the results tool reads it back to write
//! the README.

use std::collections::BTreeMap;

use chain_lab::Tally;
use serde::{Deserialize, Serialize};

/// The whole comparison.
#[derive(Debug, Serialize, Deserialize)]
pub struct Document {
    /// The command line, its program named `compare`.
    pub command: Vec<String>,
    /// When the comparison ended, UTC, ISO 8601.
    pub date: String,
    /// CPU and cores of the machine that ran it.
    pub machine: String,
    /// The cores the machine has.
    pub cores: usize,
    /// How compare (and so every Rust row) was compiled: `release` or `debug`.
    pub profile: String,
    /// The workload's name, as on compare's command line.
    pub workload: String,
    /// The workload's parameters: numbers where numeric, durations in seconds (`*_s`).
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// Runs of each row, each in a fresh process after a warm-up run.
    pub runs_per_row: usize,
    /// The row field that rows are ranked by, and noise and ratios computed on.
    pub figure: String,
    /// What `ratio` compares, or `null` when rows are not ranked (the timer).
    pub ranked_by: Option<String>,
    /// A row is noisy when (max - min) / median of its figure's runs exceeds this.
    pub noise_limit: f64,
    /// What the figures mean, as the table notes say it.
    pub definitions: Vec<String>,
    /// What else the table says beside its rows.
    pub notes: Vec<String>,
    /// The runtimes' versions, and Python's and uvloop's when reference rows ran.
    pub versions: BTreeMap<String, String>,
    /// One record per row, in the table's order.
    pub rows: Vec<Record>,
}

/// One row.
#[derive(Debug, Serialize, Deserialize)]
pub struct Record {
    /// The row's label: a flavour, a threads baseline, or a Python reference.
    pub flavour: String,
    /// The runtime crate, `python` or `std::thread`.
    pub runtime: String,
    /// Worker threads (for the threads baselines, the threads that make requests).
    pub workers: usize,
    /// `single` or `multi`: the kind of rows this one is ranked among.
    pub kind: String,
    /// Each run's wall time (the median of its samples), in the order measured.
    pub runs_s: Vec<f64>,
    /// The median of `runs_s`.
    pub median_s: f64,
    /// The least of `runs_s`.
    pub min_s: f64,
    /// The most of `runs_s`.
    pub max_s: f64,
    /// The 99th percentile of every sample of every run.
    pub p99_s: f64,
    /// Samples per run.
    pub samples: usize,
    /// Each run's figure (the field `figure` names), in the order measured.
    pub figure_runs: Vec<f64>,
    /// (max - min) / median of `figure_runs`.
    pub spread: f64,
    /// Whether `spread` exceeds the document's `noise_limit`.
    pub noisy: bool,
    /// The figure's median over the best Rust row's of its kind; `null` unranked.
    pub ratio: Option<f64>,
    /// The least ratio any run allows: this row's least run over the best row's most.
    pub ratio_low: Option<f64>,
    /// The most ratio any run allows: this row's most run over the best row's least.
    pub ratio_high: Option<f64>,
    /// Which rows the ratio is among: `single`, `multi` or `any Rust`.
    pub ratio_versus: Option<String>,
    /// Whether the row the ratio is against is noisy (the table then shows the range).
    pub baseline_noisy: Option<bool>,
    /// The measuring process's peak resident memory.
    pub peak_rss_bytes: Option<u64>,
    /// Time per user beyond the simulated latency, for the workloads that fetch.
    pub per_user_overhead_s: Option<f64>,
    /// Resident memory per sleeping task (`idle` only).
    pub bytes_per_task: Option<f64>,
    /// How late the median sleep woke (`timer` only).
    pub oversleep_p50_s: Option<f64>,
    /// How late the 99th percentile sleep woke (`timer` only).
    pub oversleep_p99_s: Option<f64>,
    /// The accounting of the users of the row's last run, for the workloads that fetch.
    pub tally: Option<Tally>,
    /// Whether every run of the row accounted for its users the same way.
    pub tallies_agree: bool,
    /// A Rust row's timer, as its runtime documents it.
    #[serde(default)]
    pub timer: Option<String>,
    /// A Rust row's I/O driver, as its runtime reported it: io_uring, or epoll (and
    /// why, where io_uring was refused).
    #[serde(default)]
    pub io_driver: Option<String>,
    /// For a fan-out timed (over HTTP, with a tail or a hedge): each user's chain at
    /// the median, the 99th and the 99.9th percentile (nearest rank over the users of
    /// a run; the median of the runs).
    #[serde(default)]
    pub user_p50_s: Option<f64>,
    /// See [`Record::user_p50_s`].
    #[serde(default)]
    pub user_p99_s: Option<f64>,
    /// See [`Record::user_p50_s`].
    #[serde(default)]
    pub user_p999_s: Option<f64>,
    /// The slowest user's chain (the median of the runs' slowest).
    #[serde(default)]
    pub user_max_s: Option<f64>,
    /// Each fetch as the chains met it, at the 95th percentile (where a hedge is
    /// sent), the same way.
    #[serde(default)]
    pub fetch_p95_s: Option<f64>,
    /// Each fetch as the chains met it, at the 99th percentile, the same way: the
    /// backend's tail beside the users'.
    #[serde(default)]
    pub fetch_p99_s: Option<f64>,
    /// With a hedge: the copies the last run sent, against the fetches it needed.
    #[serde(default)]
    pub fetches_sent: Option<u64>,
    /// See [`Record::fetches_sent`].
    #[serde(default)]
    pub fetches_needed: Option<u64>,
    /// With a hedge: how late its extra copies left after their first, on average
    /// (the median of the runs): the timer's precision at work.
    #[serde(default)]
    pub hedge_late_s: Option<f64>,
    /// How the row was measured.
    pub method: String,
}
