//! Python asyncio's chaining article, written once in Rust against the runtime
//! contract ([`chain_contract`]), so that the same code runs, and is measured, under
//! every runtime.
//!
//! - [`DataSource`] is where users and orders come from; [`InMemorySource`] holds the
//!   article's data behind a simulated latency on the runtime's timer.
//! - The coroutines: [`get_user_with_orders`] (`asyncio.gather` of two fetches), its
//!   sequential and spawned variants, [`fan_out`] and [`fan_out_bounded`] over many
//!   users (with `_spawned` variants), and [`hello_world`]; `asyncio.wait_for` is the
//!   contract's [`timeout`](chain_contract::timeout).
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
//! use chain_contract::Runtime;
//! use chain_core::{InMemorySource, Instrumented, User, UserWithOrders};
//! use chain_contract::run_on_worker;
//! use chain_core::get_user_with_orders;
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

mod chain;
mod error;
mod fanout;
mod faulty;
mod hello;
mod instrument;
pub mod model;
pub mod readable;
mod seeded;
mod send_checks;
mod shaped;
mod source;
mod tally;
mod time_limit;
#[cfg(feature = "http")]
mod via;
mod with_faults;
mod work;

#[cfg(feature = "http")]
pub mod http;

pub use chain::{
    get_user_with_orders, get_user_with_orders_sequential, get_user_with_orders_spawned,
};
pub use error::{FetchError, FetchErrorKind, HttpFailure, Operation};
pub use fanout::{UserResult, fan_out, fan_out_bounded, fan_out_bounded_spawned, fan_out_spawned};
pub use faulty::{Expected, Fault, FaultPlan, Faulty};
pub use hello::hello_world;
pub use instrument::{Counters, Gauge, Instrumented};
pub use model::{OrderId, User, UserId, UserWithOrders};
pub use shaped::{Shape, fan_out_shaped};
pub use source::{DataSource, InMemorySource};
pub use tally::{Misplaced, Tally};
pub use time_limit::TimeLimited;
#[cfg(feature = "http")]
pub use via::{Source, Via};
pub use with_faults::{SourceVisitor, with_faults};
pub use work::{Work, WorkDone, Working, hash_rounds};
