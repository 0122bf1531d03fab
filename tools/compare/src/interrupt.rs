//! Ctrl-C (or SIGTERM) stops the measuring child with the parent: an interrupted
//! comparison exits at once, with 130 (or 143), and leaves nothing running.

use std::{
    io,
    process::{Child, Command, Output, Stdio},
    sync::{Mutex, PoisonError},
};

/// The process ids of the measuring children now running (a measuring process, or
/// a server and its load). Held while a child starts, so that an interrupt arriving
/// meanwhile waits for its id, and kills it.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// From now on, SIGINT (Ctrl-C) or SIGTERM kills the running child and exits with
/// 128 + the signal's number: 130 or 143, as a shell reports a program they killed.
pub fn stop_children_when_interrupted() -> Result<(), String> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
    // The signal is handled on a thread of its own, not in the signal's context.
    let on_signal = move || {
        let Some(signal) = signals.forever().next() else { return };
        for &pid in RUNNING.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            // SAFETY: kill(2) touches no memory of this process.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        let what = if signal == SIGTERM { "terminated" } else { "interrupted" };
        eprintln!("\n{what}: the comparison stopped, and its measuring process with it");
        std::process::exit(128 + signal);
    };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(on_signal)
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
    Ok(())
}

/// Runs `command` to its end, as the child an interrupt stops, and collects its
/// output.
pub fn output(command: &mut Command) -> io::Result<Output> {
    let child = {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        running.push(child.id());
        child
    };
    let id = child.id();
    let output = child.wait_with_output();
    ended(id);
    output
}

/// Starts `command` as a child an interrupt stops, until [`ended`] says it was waited
/// for.
pub fn spawn(command: &mut Command) -> io::Result<Child> {
    let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    let child = command.spawn()?;
    running.push(child.id());
    Ok(child)
}

/// `pid` has been waited for: an interrupt leaves it alone.
pub fn ended(pid: u32) {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner).retain(|p| *p != pid);
}
