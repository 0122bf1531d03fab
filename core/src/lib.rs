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
//! - The remedy for a backend's slow few: [`hedge`] sends a request once more when
//!   it is late, and the first answer wins (`asyncio.wait(..., FIRST_COMPLETED)`).
//!
//! This crate depends on no runtime: `cargo tree -e normal -p chain-core` lists none,
//! which `.ci/core-is-runtime-free` checks. The experiment machinery around a source
//! (faults, time limits, counters, the tally) is `chain-lab`'s; the fetches over HTTP
//! and the gateway are `chain-http`'s.
//!
//! # Example
//!
//! The article's chaining program, on smol's single-threaded flavour:
//!
//! ```
//! use chain_contract::{Runtime, run_on_worker};
//! use chain_core::{InMemorySource, User, UserWithOrders, get_user_with_orders};
//! use chain_lab::Instrumented; // counts the fetches in flight
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
mod hedge;
mod hello;
pub mod model;
pub mod readable;
mod send_checks;
mod shaped;
mod source;

pub use chain::{
    get_user_with_orders, get_user_with_orders_sequential, get_user_with_orders_spawned,
};
pub use error::{FetchError, FetchErrorKind, HttpFailure, Operation};
pub use fanout::{UserResult, fan_out, fan_out_bounded, fan_out_bounded_spawned, fan_out_spawned};
pub use hedge::{Hedged, hedge};
pub use hello::hello_world;
pub use model::{OrderId, User, UserId, UserWithOrders};
pub use shaped::{Shape, fan_out_shaped};
pub use source::{DataSource, InMemorySource};
