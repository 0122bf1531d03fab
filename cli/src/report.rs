//! What every run prints around its figures: runtime, versions, machine, build.

use std::{
    fmt, fs,
    io::{self, Write},
    num::NonZeroUsize,
    process, thread,
    time::Duration,
};

use chain_contract::RuntimeInfo;
/// Every duration the binaries print, in one format ([`chain_core::readable::duration`]).
pub use chain_core::readable::{duration, seconds};

/// Writes a line to stdout. When the reader has gone (`| head`), the program ends
/// quietly, as on a SIGPIPE, instead of panicking as `println!` would.
pub fn say(line: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(line).and_then(|()| out.write_all(b"\n")) {
        stdout_failed(&e);
    }
}

/// Ends the program after a write to stdout failed with `e`: quietly with status 0
/// when the reader has gone (a closed pipe, as on a SIGPIPE), with a one-line error
/// and status 1 otherwise.
pub fn stdout_failed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        process::exit(0);
    }
    eprintln!("error: writing to stdout: {e}");
    process::exit(1);
}

/// The lines printed before any figure: what ran, on what, and how it was measured.
pub fn header(info: &RuntimeInfo) -> String {
    let build = if cfg!(debug_assertions) {
        "debug build: timings are not representative, add --release"
    } else {
        "release build"
    };
    format!(
        "runtime: {}\nmachine: {}; {build}; workloads run inside a task spawned on the runtime",
        super::versions::described(info),
        machine()
    )
}

/// The cores this process may use: the default worker count of multi-thread flavours.
pub fn cores() -> NonZeroUsize {
    thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// `CPU model, N cores`: the machine printed with every result.
pub fn machine() -> String {
    format!("{}, {} cores", cpu_model(), cores())
}

/// The CPU's model name, as Linux reports it, or the architecture elsewhere.
fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|line| line.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned())
}

/// This process's CPU time so far, every thread's: in user space, then in the kernel.
#[cfg(unix)]
pub fn cpu_times() -> (Duration, Duration) {
    // SAFETY: getrusage writes the whole struct, which is plain data.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (time(usage.ru_utime), time(usage.ru_stime))
}
