//! The core's conformance suite under monoio, on one thread and thread-per-core, on
//! each of its drivers.

use chain_contract::Driver;
use chain_per_core::LocalLoop;
use runtime_monoio::{MonoioLoop, MonoioRuntime};

chain_conformance::conformance_tests! {
    current_thread(CurrentThread, workers = 1) => MonoioRuntime::current_thread(MonoioLoop::default()).unwrap(),
    thread_per_core(ThreadPerCore, workers = 2) => MonoioRuntime::thread_per_core(MonoioLoop::default(), workers).unwrap(),
    epoll_current_thread(CurrentThread, workers = 1) => MonoioRuntime::current_thread(MonoioLoop::on(Driver::Readiness)).unwrap(),
    epoll_thread_per_core(ThreadPerCore, workers = 2) => MonoioRuntime::thread_per_core(MonoioLoop::on(Driver::Readiness), workers).unwrap(),
}
