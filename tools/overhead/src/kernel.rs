//! What callgrind cannot see: the time each side spends in the kernel. A generic
//! side that waits in a system call where its native twin keeps running (compio's
//! loop once waited out the timer slack in `io_uring_enter` every 61 tasks), or that
//! makes the allocator return memory to the kernel and fault it back, costs no
//! instruction in user space, so the instruction count alone would pass it.

use std::{process::Command, time::Duration};

use benches::{
    Flavour,
    overhead::{Case, Side},
};

/// The most kernel time a generic side may spend per iteration beyond its twin's, as
/// a share of its twin's whole CPU time per iteration: twice the target's margin, since
/// the kernel's account is coarser than callgrind's count.
pub const KERNEL_SHARE: f64 = 0.10;

/// The kernel's account of a stretch of this process, every thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kernel {
    /// Time spent in the kernel.
    pub system: Duration,
    /// Time spent in user space.
    pub user: Duration,
}

impl Kernel {
    /// This process's account so far.
    pub fn now() -> Kernel {
        let (user, system) = chain_cli::report::cpu_times();
        Kernel { system, user }
    }

    /// What happened between `earlier` and this.
    pub fn since(self, earlier: Kernel) -> Kernel {
        Kernel {
            system: self.system.saturating_sub(earlier.system),
            user: self.user.saturating_sub(earlier.user),
        }
    }

    /// The line `run` prints, and [`Kernel::parse`] reads.
    pub fn line(self) -> String {
        format!("kernel: {} ns system, {} ns user", self.system.as_nanos(), self.user.as_nanos())
    }

    /// Reads [`Kernel::line`].
    pub fn parse(line: &str) -> Option<Kernel> {
        let rest = line.strip_prefix("kernel: ")?;
        let (system, rest) = rest.split_once(" ns system, ")?;
        let user = rest.strip_suffix(" ns user")?;
        Some(Kernel {
            system: Duration::from_nanos(system.parse().ok()?),
            user: Duration::from_nanos(user.parse().ok()?),
        })
    }
}

/// One side's kernel account per iteration.
#[derive(Clone, Copy, Debug)]
pub struct PerIteration {
    /// System time per iteration, in microseconds.
    pub system_us: f64,
    /// User time per iteration, in microseconds.
    pub user_us: f64,
}

/// Runs of each side: the least kernel time of them counts, since a run that met
/// a page fault or a preemption the others did not says nothing about the code.
const RUNS: usize = 3;

/// The CPU time each counted run lasts. The kernel splits a thread's time between
/// user and system by sampling it at each scheduler tick (4 ms at 250 Hz), so a run
/// of a few ticks reads its system time to a whole tick: 40 iterations of a 1 ms
/// case are ten ticks, and one tick that fell in a page fault was a tenth, above the
/// [`KERNEL_SHARE`] allowed. Half a second is about 125 ticks, so the allowance is
/// a dozen of them.
const RUN_CPU: Duration = Duration::from_millis(500);

/// Runs `side` of `case` natively (no valgrind): once for ten times its larger
/// counted number of iterations, to learn its CPU time per iteration, then
/// [`RUNS`] times for as many iterations as last [`RUN_CPU`]; reads its kernel
/// account per iteration from the run that spent the least time in the kernel.
pub fn per_iteration(case: &Case, side: Side, flavour: Flavour) -> Result<PerIteration, String> {
    let first = case.counted_iterations.1 * 10;
    let trial = run(case, side, flavour, first)?;
    let iterations = iterations_for(first, trial.system + trial.user);
    let mut least: Option<Kernel> = None;
    for _ in 0..RUNS {
        let kernel = run(case, side, flavour, iterations)?;
        if least.is_none_or(|least| kernel.system < least.system) {
            least = Some(kernel);
        }
    }
    let kernel = least.expect("at least one run");
    let us = |time: Duration| time.as_secs_f64() * 1e6 / iterations as f64;
    Ok(PerIteration { system_us: us(kernel.system), user_us: us(kernel.user) })
}

/// How many iterations last [`RUN_CPU`], given that `first` of them took `cpu`:
/// never fewer than `first`, and at most a thousand times it where the trial read
/// no time at all.
fn iterations_for(first: u64, cpu: Duration) -> u64 {
    let most = first.saturating_mul(1_000);
    if cpu.is_zero() {
        return most;
    }
    let scaled = (first as f64 * RUN_CPU.as_secs_f64() / cpu.as_secs_f64()).ceil() as u64;
    scaled.clamp(first, most)
}

/// One run of `iterations`, as [`Kernel`] says. glibc's allocator is told to keep
/// what it freed: otherwise whether it gives the top of its heap back to the kernel
/// (and faults it in again next iteration) depends on where the last free chunk
/// fell, run to run, a cost of neither side's code that swamps the one sought.
fn run(case: &Case, side: Side, flavour: Flavour, iterations: u64) -> Result<Kernel, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let output = Command::new(me)
        .args(["run", case.name, side.label(), flavour.label(), &iterations.to_string()])
        .env("MALLOC_TRIM_THRESHOLD_", (1u64 << 40).to_string())
        .env("MALLOC_TOP_PAD_", (64u64 << 20).to_string())
        .output()
        .map_err(|e| format!("cannot run this program again: {e}"))?;
    let what = || format!("{} {} on {flavour}", case.name, side.label());
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{} failed: {}", what(), stderr.trim()));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(Kernel::parse)
        .ok_or_else(|| format!("{} printed no kernel account", what()))
}

/// Why `generic` spends more time in the kernel than its twin allows, if it does:
/// more than [`KERNEL_SHARE`] of the twin's CPU time per iteration beyond the twin's
/// own kernel time.
pub fn kernel_more(generic: PerIteration, native: PerIteration) -> Option<String> {
    let allowed = native.system_us + KERNEL_SHARE * (native.system_us + native.user_us);
    (generic.system_us > allowed).then(|| {
        format!(
            "{:.1} us in the kernel per iteration against its twin's {:.1} (at most {allowed:.1})",
            generic.system_us, native.system_us
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_account_reads_back() {
        let kernel = Kernel { system: Duration::from_micros(1234), user: Duration::from_nanos(56) };
        assert_eq!(Kernel::parse(&kernel.line()), Some(kernel));
        assert_eq!(Kernel::parse("kernel: x ns system, 1 ns user"), None);
    }

    #[test]
    fn a_generic_side_that_waits_in_the_kernel_where_its_twin_runs_fails() {
        let side = |system_us, user_us| PerIteration { system_us, user_us };
        // compio's spawn_many before its loop stopped waiting in io_uring_enter.
        assert!(kernel_more(side(4127.4, 1000.0), side(0.0, 950.0)).is_some());
        assert!(kernel_more(side(90.0, 1000.0), side(0.0, 950.0)).is_none());
        assert!(kernel_more(side(300.0, 1000.0), side(200.0, 800.0)).is_none());
        assert!(kernel_more(side(320.0, 1000.0), side(200.0, 800.0)).is_some());
    }

    #[test]
    fn each_run_lasts_enough_ticks_for_the_allowance_to_be_many_of_them() {
        // spawn_many: 40 iterations of about 1 ms.
        assert_eq!(iterations_for(40, Duration::from_millis(40)), 500);
        // A case slower than the run's CPU time keeps its first count.
        assert_eq!(iterations_for(40, Duration::from_secs(2)), 40);
        assert_eq!(iterations_for(40, Duration::ZERO), 40_000);
        assert_eq!(iterations_for(40, Duration::from_nanos(1)), 40_000);
    }

    #[test]
    fn the_kernel_counts_its_own_time() {
        let before = Kernel::now();
        // Reads of a file the kernel serves from memory: time in system calls.
        while Kernel::now().since(before).system.is_zero() {
            std::fs::read("/proc/self/stat").unwrap();
        }
    }
}
