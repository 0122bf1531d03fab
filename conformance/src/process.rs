//! Waiting for a program under test with a deadline, so that a regression that
//! hangs fails its test instead of hanging the suite.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

/// `child`'s exit status once it ends, or `None` if it is still running after
/// `limit`, in which case it is killed and reaped.
///
/// # Panics
///
/// If the child cannot be waited for.
pub fn exit_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let give_up = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return Some(status);
        }
        if Instant::now() >= give_up {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `command` to its end with its output captured, or fails the test, the
/// command killed, once it has run for `limit`. Its stdin is empty.
///
/// # Panics
///
/// The command cannot start, or runs past `limit`.
pub fn output_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} cannot start: {e}"));
    // Each pipe is read on a thread of its own, so that a full one cannot stall it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let status = exit_within(&mut child, limit)
        .unwrap_or_else(|| panic!("{command:?} was still running after {limit:?}, and was killed"));
    let read = |pipe: thread::JoinHandle<_>| -> Vec<u8> {
        let bytes: std::io::Result<Vec<u8>> = pipe.join().expect("a pipe's reader panicked");
        bytes.expect("the pipe can be read")
    };
    Output { status, stdout: read(stdout), stderr: read(stderr) }
}

/// Reads `child`'s piped stdout until a line for which `wanted` holds, and returns
/// that line (without its newline) and the stdout, still open; or fails the test,
/// the child killed, if no such line came within `limit` or the output ended first.
///
/// # Panics
///
/// `child`'s stdout is not piped, or no wanted line came within `limit`.
pub fn line_within(
    child: &mut Child,
    wanted: impl Fn(&str) -> bool + Send + 'static,
    limit: Duration,
) -> (String, BufReader<ChildStdout>) {
    let mut stdout = BufReader::new(child.stdout.take().expect("a piped stdout"));
    let (found, receive) = mpsc::channel();
    // Read on a thread of its own: a program that writes nothing would block a read.
    thread::spawn(move || {
        let mut line = String::new();
        loop {
            line.clear();
            match stdout.read_line(&mut line) {
                Ok(0) | Err(_) => return drop(found.send(None)),
                Ok(_) if wanted(line.trim_end_matches('\n')) => break,
                Ok(_) => {}
            }
        }
        let _ = found.send(Some((line.trim_end_matches('\n').to_owned(), stdout)));
    });
    let outcome = receive.recv_timeout(limit);
    if let Ok(Some(found)) = outcome {
        return found;
    }
    let _ = child.kill();
    let _ = child.wait();
    match outcome {
        Ok(_) => panic!("the output ended without the line looked for"),
        Err(_) => panic!("the line looked for was not written within {limit:?}; killed"),
    }
}
