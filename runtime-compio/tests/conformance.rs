//! The core's conformance suite under compio, on one thread and thread-per-core, on
//! each of its drivers.

use chain_contract::Driver;
use chain_per_core::LocalLoop;
use runtime_compio::{CompioLoop, CompioRuntime};

chain_conformance::conformance_tests! {
    current_thread(CurrentThread, workers = 1) => CompioRuntime::current_thread(CompioLoop::default()).unwrap(),
    thread_per_core(ThreadPerCore, workers = 2) => CompioRuntime::thread_per_core(CompioLoop::default(), workers).unwrap(),
    epoll_current_thread(CurrentThread, workers = 1) => CompioRuntime::current_thread(CompioLoop::on(Driver::Readiness)).unwrap(),
    epoll_thread_per_core(ThreadPerCore, workers = 2) => CompioRuntime::thread_per_core(CompioLoop::on(Driver::Readiness), workers).unwrap(),
}
