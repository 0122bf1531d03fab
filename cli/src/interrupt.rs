//! Ctrl-C (SIGINT) ends a program at once with status 130, SIGTERM with 143: the
//! statuses a shell gives a program those signals killed (128 + the signal's number).

/// From now on, SIGINT (Ctrl-C) ends the program at once with status 130 and SIGTERM
/// with status 143, whatever it is waiting on. Set explicitly rather than left to the
/// default, because a shell that starts a program in the background makes it ignore
/// SIGINT. Elsewhere than on Unix, Ctrl-C ends it with status 130.
///
/// # Errors
///
/// The handler could not be installed.
pub fn exit_on_interrupt() -> Result<(), String> {
    imp::install()
}

#[cfg(unix)]
mod imp {
    use std::io;

    pub(super) fn install() -> Result<(), String> {
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: `action` is fully initialised (zeroed, then its handler and an
            // empty mask), and the handler calls only async-signal-safe functions.
            let installed = unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut())
            };
            if installed != 0 {
                return Err(format!("cannot catch Ctrl-C: {}", io::Error::last_os_error()));
            }
        }
        Ok(())
    }

    /// Says why on stderr and exits with 128 + `signal`: `write` and `_exit` only,
    /// the async-signal-safe calls a handler may make.
    extern "C" fn on_signal(signal: libc::c_int) {
        let message: &[u8] =
            if signal == libc::SIGTERM { b"\nterminated\n" } else { b"\ninterrupted\n" };
        // SAFETY: both are async-signal-safe; the buffer is a static byte string.
        unsafe {
            libc::write(libc::STDERR_FILENO, message.as_ptr().cast(), message.len());
            libc::_exit(128 + signal);
        }
    }
}

#[cfg(not(unix))]
mod imp {
    pub(super) fn install() -> Result<(), String> {
        ctrlc::set_handler(|| {
            eprintln!("\ninterrupted");
            std::process::exit(130);
        })
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
    }
}
