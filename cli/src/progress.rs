//! A progress bar on stderr for a run that lasts: drawn by a thread of its own from
//! the source's counters, so the fetches do no work for it, and only when stderr is
//! a terminal, so piped output never carries it.

use std::{
    io::{self, IsTerminal},
    sync::{
        Arc,
        mpsc::{self, RecvTimeoutError},
    },
    thread,
    time::Duration,
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use chain_lab::Counters;

/// How long a run goes without a bar: most end before.
const QUIET_FOR: Duration = Duration::from_secs(1);
/// How often the bar reads the counters.
const TICK: Duration = Duration::from_millis(100);

/// A bar of fetches settled (completed or cancelled) out of `fetches`, shown after
/// a second; dropping it clears the bar, before the run's figures are printed.
pub(super) struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Progress {
    /// Watches `counters` for `fetches` fetches; does nothing unless stderr is a
    /// terminal.
    pub(super) fn start(fetches: usize, counters: Arc<Counters>) -> Self {
        if !io::stderr().is_terminal() {
            return Progress { stop: None, thread: None };
        }
        let (stop, stopped) = mpsc::channel();
        let draw = move || draw(fetches, &counters, &stopped);
        let thread = thread::Builder::new().name("progress".into()).spawn(draw).ok();
        Progress { stop: Some(stop), thread }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Draws the bar from the first second until `stopped` says the run is over.
fn draw(fetches: usize, counters: &Counters, stopped: &mpsc::Receiver<()>) {
    let running = || stopped.recv_timeout(TICK) == Err(RecvTimeoutError::Timeout);
    if stopped.recv_timeout(QUIET_FOR) != Err(RecvTimeoutError::Timeout) {
        return;
    }
    let bar = ProgressBar::with_draw_target(Some(fetches as u64), ProgressDrawTarget::stderr())
        .with_elapsed(QUIET_FOR);
    let template = "{spinner} {elapsed:>4} [{bar:40}] {pos}/{len} fetches done, {msg} in flight";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    loop {
        let all = counters.all();
        bar.set_position((all.completed() + all.cancelled()) as u64);
        bar.set_message(all.live().to_string());
        if !running() {
            break;
        }
    }
    bar.finish_and_clear();
}
