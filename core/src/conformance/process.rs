//! Waiting for a program under test with a deadline, so that a regression that
//! hangs fails its test instead of hanging the suite.

use std::{
    process::{Child, ExitStatus},
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
