//! Ctrl-C (SIGINT) ends a program at once with status 130, SIGTERM with 143: the
//! statuses a shell gives a program those signals killed (128 + the signal's number).
//! A server instead stops gracefully at the first ([`stop_on_interrupt`]).

use std::future::Future;

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

/// From now on, the first SIGINT (Ctrl-C) or SIGTERM completes the returned future
/// with the signal's name, for a server to stop gracefully; a second one ends the
/// program at once, as [`exit_on_interrupt`] would. Instead of that function, not
/// with it.
///
/// # Errors
///
/// The signals could not be caught.
pub fn stop_on_interrupt() -> Result<impl Future<Output = &'static str> + Send + 'static, String> {
    let (first, signalled) = futures::channel::oneshot::channel();
    imp::on_first_signal(first)?;
    // Without a signal, never: the sender lives in the signal thread for good.
    Ok(async move { signalled.await.unwrap_or("no signal") })
}

#[cfg(unix)]
mod imp {
    use std::io;

    use futures::channel::oneshot::Sender;
    use signal_hook::{
        consts::{SIGINT, SIGTERM},
        iterator::Signals,
    };

    fn name(signal: i32) -> &'static str {
        if signal == SIGTERM { "SIGTERM" } else { "Ctrl-C" }
    }

    pub(super) fn on_first_signal(first: Sender<&'static str>) -> Result<(), String> {
        let mut signals =
            Signals::new([SIGINT, SIGTERM]).map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
        let waiting = move || {
            let mut arriving = signals.forever();
            if let Some(signal) = arriving.next() {
                let _ = first.send(name(signal));
            }
            if let Some(signal) = arriving.next() {
                eprintln!("\n{} again: stopping at once", name(signal));
                std::process::exit(128 + signal);
            }
        };
        std::thread::Builder::new()
            .name("signals".to_owned())
            .spawn(waiting)
            .map(drop)
            .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
    }

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
    use std::sync::Mutex;

    use futures::channel::oneshot::Sender;

    pub(super) fn on_first_signal(first: Sender<&'static str>) -> Result<(), String> {
        let first = Mutex::new(Some(first));
        ctrlc::set_handler(move || match first.lock().ok().and_then(|mut f| f.take()) {
            Some(first) => drop(first.send("Ctrl-C")),
            None => {
                eprintln!("\nCtrl-C again: stopping at once");
                std::process::exit(130);
            }
        })
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
    }

    pub(super) fn install() -> Result<(), String> {
        ctrlc::set_handler(|| {
            eprintln!("\ninterrupted");
            std::process::exit(130);
        })
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
    }
}
