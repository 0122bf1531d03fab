//! Ctrl-C ends a program at once, with status 130.

/// From now on, Ctrl-C (SIGINT, or SIGTERM) ends the program at once with status
/// 130, whatever it is waiting on. Set explicitly rather than left to the default,
/// because a shell that starts a program in the background makes it ignore SIGINT.
///
/// # Errors
///
/// Another handler was installed first.
pub fn exit_on_interrupt() -> Result<(), String> {
    ctrlc::set_handler(|| {
        eprintln!("\ninterrupted");
        std::process::exit(130);
    })
    .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
}
