//! Instructions per iteration of each side of each overhead case, counted by
//! `valgrind --tool=callgrind`: the same count on every run of the same binary,
//! whatever else the machine is doing, so a ratio above the target is the code's.

use std::{
    io::IsTerminal,
    num::NonZeroUsize,
    process::{Command, ExitCode},
};

use benches::{
    Flavour,
    overhead::{CASES, Case, EXCEPTIONS, Side, TARGET, limit},
};
use chain_cli::report::say;

use crate::kernel;
use indicatif::{ProgressBar, ProgressStyle};

/// Workers of the multi-thread flavours: fixed, so that counts do not depend on the
/// machine's cores.
pub const WORKERS: NonZeroUsize = NonZeroUsize::new(1).unwrap();

/// Which pairs to count.
#[derive(clap::Args)]
pub struct Options {
    /// Only these flavours (default: every one).
    #[arg(long, value_enum, value_delimiter = ',')]
    flavours: Vec<Flavour>,
    /// Only these cases (default: every one).
    #[arg(long, value_delimiter = ',', value_parser = case_named)]
    cases: Vec<String>,
}

fn case_named(name: &str) -> Result<String, String> {
    match Case::named(name) {
        Some(case) => Ok(case.name.to_owned()),
        None => {
            let names: Vec<_> = CASES.iter().map(|case| case.name).collect();
            Err(format!("no such case; the cases are {}", names.join(", ")))
        }
    }
}

/// Counts every chosen pair, prints the table, and fails if a ratio is above the
/// target or a generic side sleeps in the kernel where its twin does not.
pub fn main(options: &Options) -> ExitCode {
    let flavours = match options.flavours.is_empty() {
        true => Flavour::ALL.into_iter().filter(|f| f.has_native_twin()).collect(),
        false => options.flavours.clone(),
    };
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|case| options.cases.is_empty() || options.cases.iter().any(|c| c == case.name))
        .collect();
    say(format_args!(
        "| workload | flavour | generic | native | generic / native | kernel µs (generic / native) | user µs (generic / native) |"
    ));
    say(format_args!("|---|---|---:|---:|---:|---:|---:|"));
    let mut progress = Progress::new(cases.len() * flavours.len());
    let mut over = Vec::new();
    for case in cases {
        for &flavour in &flavours {
            progress.start(&format!("{} on {flavour}", case.name));
            let pair = match Pair::count(case, flavour) {
                Ok(pair) => pair,
                Err(e) => {
                    progress.finish();
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            progress.print(|| say(format_args!("{}", pair.row(case.name, flavour))));
            over.extend(pair.over(case.name, flavour));
        }
    }
    progress.finish();
    say(format_args!(""));
    if over.is_empty() {
        say(format_args!(
            "every ratio is at most {TARGET}, and no generic side spends more time in the \
             kernel than its twin allows, but for these exceptions:"
        ));
        for e in EXCEPTIONS {
            say(format_args!("- {} on {}, at most {}: {}", e.case, e.flavour, e.limit, e.why));
        }
        ExitCode::SUCCESS
    } else {
        eprintln!("error: above the limit: {}", over.join("; "));
        ExitCode::FAILURE
    }
}

/// One case on one flavour, both sides counted.
struct Pair {
    /// Instructions per iteration, generic and native.
    instructions: [f64; 2],
    /// The kernel's account per iteration, generic and native.
    kernel: [kernel::PerIteration; 2],
}

impl Pair {
    fn count(case: &Case, flavour: Flavour) -> Result<Pair, String> {
        let [generic, native] = [Side::Generic, Side::Native];
        // The two sides under valgrind at once, each a process on a core of its own:
        // a count does not depend on what else runs, and this halves CI's wait.
        let instructions = std::thread::scope(|scope| {
            let counting = scope.spawn(|| per_iteration(case, generic, flavour));
            let native = per_iteration(case, native, flavour);
            let generic = counting.join().expect("counting does not panic");
            Ok::<_, String>([generic?, native?])
        })?;
        // The kernel's account, timed, one process at a time.
        Ok(Pair {
            instructions,
            kernel: [
                kernel::per_iteration(case, generic, flavour)?,
                kernel::per_iteration(case, native, flavour)?,
            ],
        })
    }

    fn ratio(&self) -> f64 {
        self.instructions[0] / self.instructions[1]
    }

    fn row(&self, case: &str, flavour: Flavour) -> String {
        let [generic, native] = self.instructions;
        let [kg, kn] = self.kernel;
        format!(
            "| {case} | {flavour} | {generic:.0} | {native:.0} | {:.3} | {:.1} / {:.1} | {:.1} / {:.1} |",
            self.ratio(),
            kg.system_us,
            kn.system_us,
            kg.user_us,
            kn.user_us
        )
    }

    /// Why this pair fails, if it does: each reason a line.
    fn over(&self, case: &str, flavour: Flavour) -> Vec<String> {
        let limit = limit(case, flavour);
        let ratio = self.ratio();
        let mut over = Vec::new();
        if ratio > limit {
            over.push(format!("{case} on {flavour}: {ratio:.3} (limit {limit})"));
        }
        if let Some(why) = kernel::kernel_more(self.kernel[0], self.kernel[1]) {
            over.push(format!("{case} on {flavour}: {why}"));
        }
        over
    }
}

/// How far the counting is, each pair taking four runs under valgrind (seconds
/// each): a bar on a terminal, else a line per pair on stderr.
struct Progress {
    bar: Option<ProgressBar>,
    pairs: usize,
    started: usize,
}

impl Progress {
    fn new(pairs: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            ProgressBar::new(pairs as u64).with_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} pairs, {elapsed} elapsed, ~{eta} left: {msg}",
                )
                .expect("a valid template"),
            )
        });
        Progress { bar, pairs, started: 0 }
    }

    /// The next pair, `what`, is being counted.
    fn start(&mut self, what: &str) {
        if self.started > 0 {
            self.bar.iter().for_each(|bar| bar.inc(1));
        }
        self.started += 1;
        match &self.bar {
            Some(bar) => bar.set_message(format!("counting {what}")),
            None => eprintln!("[{}/{}] counting {what}", self.started, self.pairs),
        }
    }

    /// Prints without breaking the bar.
    fn print(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn finish(&self) {
        self.bar.iter().for_each(ProgressBar::finish_and_clear);
    }
}

/// Instructions per iteration: the difference between a run of `more` iterations and
/// one of `fewer`, so that building the runtime and the process's own start cancel.
fn per_iteration(case: &Case, side: Side, flavour: Flavour) -> Result<f64, String> {
    let (fewer, more) = case.counted_iterations;
    let small = instructions(case, side, flavour, fewer)?;
    let large = instructions(case, side, flavour, more)?;
    Ok((large as f64 - small as f64) / (more - fewer) as f64)
}

/// Every instruction this process's `run` command executes, on every thread.
fn instructions(case: &Case, side: Side, flavour: Flavour, iterations: u64) -> Result<u64, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(me)
        .args(["run", case.name, side.label(), flavour.label(), &iterations.to_string()])
        .output()
        .map_err(|e| {
            format!("cannot run valgrind ({e}); install it (Debian: apt install valgrind)")
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "{} {} on {flavour} failed under valgrind: {}",
            case.name,
            side.label(),
            stderr.trim()
        ));
    }
    stderr
        .lines()
        .find_map(|line| line.split_once("Collected :").map(|(_, n)| n.trim().parse().ok()))
        .flatten()
        .ok_or_else(|| format!("callgrind printed no count: {}", stderr.trim()))
}
