//! The contract's promise that every public future is `Send` (so that a
//! multi-threaded runtime can run it on any worker), checked by the compiler: these
//! functions are never called, and core does not build if one of the futures is
//! not `Send` for every runtime and source.

#![allow(dead_code, reason = "checked by the type checker, never run")]

use std::{num::NonZeroUsize, time::Duration};

use crate::{
    DataSource, InMemorySource, fan_out, fan_out_bounded, fan_out_bounded_spawned, fan_out_spawned,
    get_user_with_orders, get_user_with_orders_sequential, get_user_with_orders_spawned,
    hello_world,
};
use chain_contract::{JoinHandle, Runtime, timeout};

fn send<T: Send>(_: &T) {}

fn send_static<T: Send + 'static>(_: &T) {}

fn coroutines_are_send<R: Runtime, S: DataSource + Clone + 'static>(rt: R, source: S) {
    let (ids, k, short) = (|| 1..=3, NonZeroUsize::MIN, Duration::ZERO);
    send(&source.fetch_user(1));
    send(&source.fetch_orders(1));
    send(&get_user_with_orders(&source, 1));
    send(&get_user_with_orders_sequential(&source, 1));
    send(&get_user_with_orders_spawned(&rt, &source, 1));
    send(&fan_out(&source, ids()));
    send(&fan_out_spawned(&rt, &source, ids()));
    send(&fan_out_bounded(&source, ids(), k));
    send(&fan_out_bounded_spawned(&rt, &source, ids(), k));
    send(&timeout(&rt, short, get_user_with_orders(&source, 1)));
    send(&hello_world(&rt, short, &mut Vec::new()));
}

fn contract_futures_are_send<R: Runtime>(rt: R) {
    coroutines_are_send(rt.clone(), InMemorySource::new(rt.timer()));
    send_static(&rt.sleep(Duration::ZERO));
    let handle = rt.spawn(async {});
    send_static(&handle);
    send(&handle.cancel());
}
