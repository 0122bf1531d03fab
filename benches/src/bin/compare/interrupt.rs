//! Ctrl-C (or SIGTERM) stops the measuring child with the parent: an interrupted
//! comparison exits at once and leaves nothing running.

use std::{
    io,
    process::{Command, Output, Stdio},
    sync::atomic::{AtomicU32, Ordering::SeqCst},
};

/// The process id of the measuring child now running; 0 for none.
static RUNNING: AtomicU32 = AtomicU32::new(0);

/// From now on, an interrupt kills the running child and exits with status 130.
pub fn stop_children_when_interrupted() -> Result<(), String> {
    ctrlc::set_handler(|| {
        let pid = RUNNING.load(SeqCst);
        if pid != 0 {
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
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    RUNNING.store(child.id(), SeqCst);
    let output = child.wait_with_output();
    RUNNING.store(0, SeqCst);
    output
}
