//! What compare measures: a runtime flavour with its workers, a threads baseline,
//! or a Python event loop, and its names.

use std::num::NonZeroUsize;

use benches::{Flavour, threads::Threads};

/// A flavour with its worker count, a threads baseline, or a Python event loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A Rust runtime flavour.
    Rust(Flavour, NonZeroUsize),
    /// Blocking I/O on OS threads instead of an event loop (HTTP only).
    Threads(Threads),
    /// The article's program on this Python event loop.
    Python(&'static str),
}

impl Subject {
    /// Its name in tables and charts.
    pub fn label(&self) -> String {
        match self {
            Subject::Rust(flavour, _) => flavour.label().to_owned(),
            Subject::Python(event_loop) => format!("python-{event_loop} (reference)"),
            Subject::Threads(threads) => threads.row_label(),
        }
    }

    /// Its name in a message: a Rust flavour's with its workers.
    pub fn described(&self) -> String {
        match self {
            Subject::Rust(flavour, workers) => {
                format!(
                    "{flavour} with {workers} worker{}",
                    if workers.get() == 1 { "" } else { "s" }
                )
            }
            other => other.label(),
        }
    }
}
