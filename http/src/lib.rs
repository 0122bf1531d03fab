//! The article's fetches over real sockets, on every runtime: the record
//! [protocol](Route), the [`HttpSource`] client, the [`WireFaultPlan`] a service
//! injects (the workspace's `record-service` crate serves the protocol), the
//! [`gateway`] that serves the chain itself over HTTP, and [`Via`], where a run's
//! fetches go.
//!
//! The client is hyper 1.x's HTTP/1.1 connection API over [`Runtime::connect`]'s
//! stream, so it runs on every runtime through the same code. hyper depends on the
//! `tokio` crate with its `sync` feature at most: none of tokio's executor, reactor or timer
//! is compiled in (`.ci/core-is-runtime-free` checks it).
#![warn(missing_docs)]
//!
//! [`Runtime::connect`]: chain_contract::Runtime::connect

mod client;
mod faults;
pub mod gateway;
mod hyper_io;
mod protocol;
mod send_checks;
mod via;

pub use client::{DEFAULT_CONNECTIONS, DEFAULT_TIMEOUT, HttpSource};
pub use faults::{WireFault, WireFaultPlan};
pub use protocol::{COPY_HEADER, Route, copy_of, error_body};
pub use via::{Source, Via};
