//! The conformance suite: one body per behaviour, run by every runtime crate under
//! each of its flavours with [`conformance_tests!`](crate::conformance_tests).
//!
//! ```ignore
//! chain_conformance::conformance_tests! {
//!     current_thread(CurrentThread, workers = 1) => SmolRuntime::current_thread(),
//!     multi_thread(MultiThread, workers = 2) => SmolRuntime::multi_thread(workers).unwrap(),
//! }
//! ```
//!
//! expands to a module per flavour with one `#[test]` per case of [`cases`], of
//! [`over_http`] (against the record service) and of [`serving`] (the
//! gateway), named by the behaviour it proves.
//! Each flavour names the [`Scheduling`] and the worker count it builds (bound to the
//! name given, here `workers`, for the expression to use); the cases that concern
//! the configuration check the runtime against them. Each case builds its runtime on a thread of its own (for
//! async-std, whose pool is process-wide, the cases share it) and fails, rather than
//! hangs, if it has not finished within [`DEADLINE`]. No case depends on timing:
//! overlap is forced with gates ([`Scripted`]), and waits are bounded.

#![warn(missing_docs)]

pub mod binary;
pub mod cases;
mod holding;
pub mod over_http;
mod plain_http;
mod process;
mod scripted;
pub mod serve_binary;
pub mod serving;
mod threads_seen;

use std::{
    num::NonZeroUsize,
    panic::{AssertUnwindSafe, catch_unwind, resume_unwind},
    sync::mpsc,
    thread,
    time::Duration,
};

pub use holding::HoldingUsers;
pub use process::{exit_within, line_within, output_within};
pub use scripted::Scripted;
pub use threads_seen::ThreadsSeen;

use chain_contract::{Launch, Scheduling};

/// How a conformance module builds its runtime, as [`conformance_tests!`](crate::conformance_tests)
/// was told: what the runtime must report and how it must behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Configured {
    /// The flavour built.
    pub flavour: Scheduling,
    /// The worker threads asked for.
    pub workers: NonZeroUsize,
}

impl Configured {
    /// `flavour` with `workers` threads.
    ///
    /// # Panics
    ///
    /// `workers` is zero.
    pub const fn new(flavour: Scheduling, workers: usize) -> Self {
        Configured { flavour, workers: NonZeroUsize::new(workers).expect("at least one worker") }
    }
}

/// How long one case may run before it counts as hung. Generous: a loaded CI
/// machine must not fail a correct runtime.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Runs `case` on a runtime made by `make`, on a thread of its own, and panics with
/// the case's name if it panicked or did not finish within [`DEADLINE`].
pub fn run_case<R: Launch>(
    name: &str,
    make: impl FnOnce() -> R + Send + 'static,
    case: impl FnOnce(R) + Send + 'static,
) {
    let (done, finished) = mpsc::channel();
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| case(make())));
            let _ = done.send(outcome);
        })
        .expect("a test thread could start");
    match finished.recv_timeout(DEADLINE) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => resume_unwind(panic),
        Err(_) => panic!("{name} did not finish within {DEADLINE:?}: it hangs"),
    }
}

/// Expands to a `#[test]` for every conformance case, for each runtime flavour given
/// as `module_name(Scheduling, workers = N) => expression building the runtime`, where
/// the expression may use `workers` (a `NonZeroUsize`). The cases are every `pub fn`
/// of [`cases`], [`over_http`] and [`serving`], listed by the build script: a case written there
/// runs under every flavour of every runtime, with nothing else to edit.
#[macro_export]
macro_rules! conformance_tests {
    ($(
        $flavour:ident($kind:ident, $workers:ident = $n:literal) => $make:expr
    ),+ $(,)?) => {
        $(
            $crate::__with_every_case! {
                __conformance_module! { $flavour, $kind, $workers, $n, $make; }
            }
        )+
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_module {
    (
        $flavour:ident, $kind:ident, $workers:ident, $n:literal, $make:expr;
        plain: [$($plain:ident),*]; configured: [$($configured:ident),*];
        over_http: [$($http:ident),*]; serving: [$($serving:ident),*]
    ) => {
        mod $flavour {
            #[allow(unused_imports)]
            use super::*;
            /// What this module's runtime is built with.
            const CONFIGURED: $crate::Configured =
                $crate::Configured::new(::chain_contract::Scheduling::$kind, $n);
            $crate::__conformance_cases! {
                { #[allow(unused_variables)] let $workers = CONFIGURED.workers; $make };
                configured: CONFIGURED;
                $($configured,)*
            }
            $crate::__conformance_cases! {
                { #[allow(unused_variables)] let $workers = CONFIGURED.workers; $make };
                $($plain,)*
            }
            $crate::__conformance_cases! {
                { #[allow(unused_variables)] let $workers = CONFIGURED.workers; $make };
                over_http;
                $($http,)*
            }
            $crate::__conformance_cases! {
                { #[allow(unused_variables)] let $workers = CONFIGURED.workers; $make };
                serving;
                $($serving,)*
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::run_case(
                    concat!(module_path!(), "::", stringify!($case)),
                    || $make,
                    $crate::cases::$case,
                );
            }
        )+
    };
    ($make:expr; configured: $configured:ident; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::run_case(
                    concat!(module_path!(), "::", stringify!($case)),
                    || $make,
                    |rt| $crate::cases::$case(rt, $configured),
                );
            }
        )+
    };
    ($make:expr; $module:ident; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::run_case(
                    concat!(module_path!(), "::", stringify!($case)),
                    || $make,
                    $crate::$module::$case,
                );
            }
        )+
    };
}

include!(concat!(env!("OUT_DIR"), "/every_case.rs"));
