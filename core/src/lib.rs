//! Python asyncio's chaining pattern, written once in Rust against a small runtime
//! contract, so that the same code runs, and is measured, under every runtime.
//!
//! - [`Runtime`] is the contract: `block_on` (the event loop), `spawn`, `sleep` and a
//!   clock, statically dispatched. Its semantics (what dropping a handle does, how a
//!   panic surfaces, what is cancel safe) are written in [`runtime`] and are the same
//!   on every runtime. The `runtime-*` crates of this workspace implement it.
//! - [`DataSource`] is where users and orders come from; [`InMemorySource`] holds the
//!   article's data behind a simulated latency.
//! - The coroutines: [`get_user_with_orders`] (`asyncio.gather` of two fetches), its
//!   sequential and spawned variants, [`fan_out`] and [`fan_out_bounded`] over many
//!   users (with `_spawned` variants), [`timeout`] (`wait_for`), and [`hello_world`].
//!
//! This crate depends on no runtime: `cargo tree -e normal -p chain-core` lists none.
//! With the `http` feature, hyper brings the `tokio` crate with its `sync` feature
//! only (channels usable under any executor): no executor, reactor or timer, which
//! `.ci/core-is-runtime-free` checks.
//!
//! # Example
//!
//! The article's chaining program, on smol's single-threaded flavour:
//!
//! ```
//! use chain_core::{InMemorySource, Instrumented, Runtime, User, UserWithOrders};
//! use chain_core::{get_user_with_orders, run_on_worker};
//! use std::time::Duration;
//!
//! let rt = runtime_smol::SmolRuntime::current_thread();
//! let latency = Duration::from_millis(20);
//! let source = Instrumented::new(InMemorySource::new(rt.timer()).with_latency(latency));
//!
//! let (result, took) = run_on_worker(&rt, {
//!     let (rt, source) = (rt.clone(), source.clone());
//!     async move {
//!         let start = rt.now();
//!         let result = get_user_with_orders(&source, 1).await;
//!         (result, rt.now() - start)
//!     }
//! });
//!
//! assert_eq!(result.unwrap(), UserWithOrders { user: User::new(1), orders: vec![1, 3, 10, 11] });
//! assert_eq!(source.all().peak(), 2); // both fetches waited at the same time
//! assert!(took >= latency);
//! ```
#![warn(missing_docs)]

mod cancel_on_drop;
mod chain;
mod error;
mod fanout;
mod faulty;
mod hello;
mod instrument;
mod listener;
pub mod model;
pub mod readable;
pub mod runtime;
mod seeded;
mod send_checks;
mod shaped;
mod source;
mod tally;
mod task;
mod time_limit;
mod timeout;
pub mod versions;
#[cfg(feature = "http")]
mod via;
mod with_faults;
mod work;

#[cfg(feature = "http")]
pub mod http;

pub use cancel_on_drop::{CancelOnDrop, NativeTasks};
pub use chain::{
    get_user_with_orders, get_user_with_orders_sequential, get_user_with_orders_spawned,
};
pub use error::{FetchError, FetchErrorKind, HttpFailure, Operation};
pub use fanout::{UserResult, fan_out, fan_out_bounded, fan_out_bounded_spawned, fan_out_spawned};
pub use faulty::{Expected, Fault, FaultPlan, Faulty};
pub use hello::hello_world;
pub use instrument::{Counters, Gauge, Instrumented};
pub use listener::Listener;
pub use model::{OrderId, User, UserId, UserWithOrders};
pub use runtime::{
    ByteStream, IoDriver, JoinError, JoinHandle, JoinedFanOut, Launch, Runtime, RuntimeInfo,
    Scheduling, SlowJoin, Timer, no_such_flavour, run_on_worker,
};
pub use shaped::{Shape, fan_out_shaped};
pub use source::{DataSource, InMemorySource};
pub use tally::{Misplaced, Tally};
pub use task::Task;
pub use time_limit::TimeLimited;
pub use timeout::{Elapsed, timeout};
#[cfg(feature = "http")]
pub use via::{Source, Via};
pub use with_faults::{SourceVisitor, with_faults};
pub use work::{Work, WorkDone, Working, hash_rounds};
