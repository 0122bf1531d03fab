//! The conformance suite: one body per behaviour, run by every runtime crate under
//! each of its flavours with [`conformance_tests!`](crate::conformance_tests).
//!
//! ```ignore
//! chain_conformance::conformance_tests! {
//!     service: record_service::RecordService;
//!     current_thread(CurrentThread, workers = 1) => SmolRuntime::current_thread(),
//!     multi_thread(MultiThread, workers = 2) => SmolRuntime::multi_thread(workers).unwrap(),
//! }
//! ```
//!
//! expands to a module per flavour with one `#[test]` per case of [`cases`] and of
//! [`over_http`] (against the given record service), named by the behaviour it proves.
//! Each flavour names the [`Flavour`] and the worker count it builds (bound to the
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
mod process;
mod scripted;

use std::{
    num::NonZeroUsize,
    panic::{AssertUnwindSafe, catch_unwind, resume_unwind},
    sync::mpsc,
    thread,
    time::Duration,
};

pub use holding::HoldingUsers;
pub use process::{exit_within, output_within};
pub use scripted::Scripted;

use chain_core::{Flavour, Runtime};

/// How a conformance module builds its runtime, as [`conformance_tests!`](crate::conformance_tests)
/// was told: what the runtime must report and how it must behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Configured {
    /// The flavour built.
    pub flavour: Flavour,
    /// The worker threads asked for.
    pub workers: NonZeroUsize,
}

impl Configured {
    /// `flavour` with `workers` threads.
    ///
    /// # Panics
    ///
    /// `workers` is zero.
    pub const fn new(flavour: Flavour, workers: usize) -> Self {
        Configured { flavour, workers: NonZeroUsize::new(workers).expect("at least one worker") }
    }
}

/// How long one case may run before it counts as hung. Generous: a loaded CI
/// machine must not fail a correct runtime.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Runs `case` on a runtime made by `make`, on a thread of its own, and panics with
/// the case's name if it panicked or did not finish within [`DEADLINE`].
pub fn run_case<R: Runtime>(
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
/// as `module_name(Flavour, workers = N) => expression building the runtime`, where
/// the expression may use `workers` (a `NonZeroUsize`).
#[macro_export]
macro_rules! conformance_tests {
    (service: $service:ty; $(
        $flavour:ident($kind:ident, $workers:ident = $n:literal) => $make:expr
    ),+ $(,)?) => {
        $(
            mod $flavour {
                #[allow(unused_imports)]
                use super::*;
                /// What this module's runtime is built with.
                const CONFIGURED: $crate::Configured =
                    $crate::Configured::new(::chain_core::Flavour::$kind, $n);
                $crate::__conformance_cases! {
                    { #[allow(unused_variables)] let $workers = CONFIGURED.workers; $make };
                    configured: CONFIGURED;
                    workloads_run_on_a_runtime_worker,
                    info_reports_the_configuration,
                }
                $crate::__conformance_cases! {
                    { #[allow(unused_variables)] let $workers = CONFIGURED.workers; $make };
                    article_assertion_holds,
                    users_two_and_three_match_the_article,
                    unknown_user_has_a_name_and_no_orders,
                    zero_latency_fetch_completes_without_waiting,
                    joined_fetches_are_in_flight_together,
                    sequential_fetches_are_in_flight_one_at_a_time,
                    spawned_chain_fetches_orders_in_a_task_meanwhile,
                    every_fan_out_returns_each_user_once_in_request_order,
                    bounded_fan_out_never_exceeds_its_limit,
                    failing_fetch_fails_the_chain_and_cancels_its_sibling,
                    failing_user_does_not_stop_the_others_in_a_fan_out,
                    timeout_fires_and_cancels_the_slow_fetch,
                    timeout_passes_a_prompt_result_through,
                    cancelled_fan_out_leaves_no_fetch_running,
                    sleep_never_wakes_early,
                    clock_never_goes_backwards,
                    task_panic_reaches_the_awaiting_side,
                    panicking_user_becomes_an_error_in_every_fan_out,
                    dropping_a_handle_cancels_its_task,
                    detached_task_runs_to_completion,
                    cancel_returns_once_the_task_is_gone,
                    cancel_after_completion_is_harmless,
                    hello_world_prints_both_lines_around_its_sleep,
                    every_user_is_accounted_for_under_faults,
                    injected_jitter_delays_each_fetch_by_its_planned_amount,
                }
                $crate::__conformance_cases! {
                    { #[allow(unused_variables)] let $workers = CONFIGURED.workers; $make };
                    over_http::<$service>;
                    article_assertion_holds_over_http,
                    unknown_user_is_a_404_naming_the_user_over_http,
                    every_fan_out_returns_each_user_once_in_request_order_over_http,
                    bounded_fan_out_never_exceeds_its_limit_over_http,
                    connections_are_reused_and_never_exceed_the_limit,
                    refused_connection_names_the_user_and_the_cause,
                    server_error_names_the_user_and_the_others_complete,
                    dropped_connection_names_the_user_and_the_others_complete,
                    truncated_body_names_the_user_and_the_others_complete,
                    malformed_json_names_the_user_and_the_others_complete,
                    slow_service_times_out_naming_the_user,
                    waiting_for_a_connection_is_limited_too,
                    answers_on_closing_connections_are_kept,
                    cancelled_fan_out_over_http_leaves_no_fetch_running,
                }
            }
        )+
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
    ($make:expr; over_http::<$service:ty>; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::run_case(
                    concat!(module_path!(), "::", stringify!($case)),
                    || $make,
                    $crate::over_http::$case::<_, $service>,
                );
            }
        )+
    };
}
