//! Ctrl-C (or SIGTERM) stops the measuring child with the parent: an interrupted
//! comparison exits at once and leaves nothing running.

use std::{
    io,
    process::{Command, Output, Stdio},
    sync::{Mutex, PoisonError},
};

/// The process id of the measuring child now running. Held while a child starts,
/// so that an interrupt arriving meanwhile waits for its id, and kills it.
static RUNNING: Mutex<Option<u32>> = Mutex::new(None);

/// From now on, an interrupt kills the running child and exits with status 130.
pub fn stop_children_when_interrupted() -> Result<(), String> {
    ctrlc::set_handler(|| {
        // The handler runs on a thread of its own, not in the signal's context.
        if let Some(pid) = *RUNNING.lock().unwrap_or_else(PoisonError::into_inner) {
            // SAFETY: kill(2) touches no memory of this process.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        eprintln!("\ninterrupted: the comparison stopped, and its measuring process with it");
        std::process::exit(130);
    })
    .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
}

/// Runs `command` to its end, as the child an interrupt stops, and collects its
/// output.
pub fn output(command: &mut Command) -> io::Result<Output> {
    let child = {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        *running = Some(child.id());
        child
    };
    let output = child.wait_with_output();
    *RUNNING.lock().unwrap_or_else(PoisonError::into_inner) = None;
    output
}
