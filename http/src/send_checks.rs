//! The contract's promise that every public future is `Send`, for this crate's
//! source, checked by the compiler: never called, and the crate does not build if
//! a future is not `Send` for every runtime.

#![allow(dead_code, reason = "checked by the type checker, never run")]

use std::net::SocketAddr;

use chain_contract::Runtime;
use chain_core::{DataSource, fan_out_bounded_spawned, get_user_with_orders};

use crate::HttpSource;

fn send<T: Send>(_: &T) {}

fn http_futures_are_send<R: Runtime>(rt: R, address: SocketAddr) {
    let source = HttpSource::new(&rt, address);
    send(&source.fetch_user(1));
    send(&source.fetch_orders(1));
    send(&get_user_with_orders(&source, 1));
    send(&fan_out_bounded_spawned(&rt, &source, 1..=3, std::num::NonZeroUsize::MIN));
    send(&rt.connect(address));
}
