//! Core's enums chosen by name on the command line. Core knows nothing of command
//! lines, so its enums cannot derive clap's `ValueEnum`; each is offered here as
//! clap's possible values, with a line of help each, and parsed back.

use std::fmt::Display;

use chain_contract::{Driver, Scheduling};
use chain_core::Shape;
use chain_http::WireFault;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// Every flavour, with its help.
pub const FLAVOURS: &[(Scheduling, &str)] = &[
    (
        Scheduling::CurrentThread,
        "One thread runs every task: the one that entered the event loop (asyncio's model)",
    ),
    (Scheduling::MultiThread, "A fixed pool of worker threads runs the tasks"),
    (
        Scheduling::ThreadPerCore,
        "Each worker thread is a runtime of its own; a task stays on the thread that spawned it",
    ),
];

/// Every I/O driver, with its help.
pub const DRIVERS: &[(Driver, &str)] = &[
    (Driver::Readiness, "The operating system's readiness poller; the runtime reads and writes"),
    (
        Driver::IoUring,
        "io_uring: the kernel reads and writes (else epoll, and the header says why)",
    ),
];

/// Every fan-out shape, with its help.
pub const SHAPES: &[(Shape, &str)] = &[
    (Shape::Join, "Every user a future inside one task"),
    (Shape::Spawn, "Every user a task of its own"),
];

/// Every fault a record service can inject, with its help.
pub const WIRE_FAULTS: &[(WireFault, &str)] = &[
    (WireFault::ServerError, "Answer `500 Internal Server Error`"),
    (WireFault::Drop, "Close the connection without answering"),
    (WireFault::Truncate, "Announce the whole body, send half of it, and close the connection"),
    (WireFault::MalformedJson, "Answer 200 with a body that is not valid JSON"),
    (WireFault::Close, "Answer correctly, then close the connection (not an error)"),
];

/// A value parser choosing one of `choices` by its name (its `Display`).
pub fn choice<T>(choices: &'static [(T, &'static str)]) -> impl TypedValueParser<Value = T>
where
    T: Copy + Display + Send + Sync + 'static,
{
    choice_shown(choices, |_| true)
}

/// [`choice`], with the help listing only the values for which `shown` holds: the
/// others are still parsed, so that a check can say why they are refused here.
pub fn choice_shown<T>(
    choices: &'static [(T, &'static str)],
    shown: impl Fn(&T) -> bool,
) -> impl TypedValueParser<Value = T>
where
    T: Copy + Display + Send + Sync + 'static,
{
    let values = choices
        .iter()
        .map(|(value, help)| PossibleValue::new(value.to_string()).help(*help).hide(!shown(value)));
    PossibleValuesParser::new(values).map(move |name| {
        let chosen = choices.iter().find(|(value, _)| value.to_string() == name);
        chosen.expect("clap accepts only the possible values").0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_is_offered_once() {
        let flavours: Vec<_> = FLAVOURS.iter().map(|(f, _)| *f).collect();
        assert_eq!(flavours, Scheduling::ALL);
        let faults: Vec<_> = WIRE_FAULTS.iter().map(|(f, _)| *f).collect();
        assert!(WireFault::ALL.iter().chain([&WireFault::Close]).all(|f| faults.contains(f)));
        assert_eq!(faults.len(), WireFault::ALL.len() + 1);
        let shapes: Vec<_> = SHAPES.iter().map(|(s, _)| *s).collect();
        assert_eq!(shapes, Shape::ALL);
    }
}
