//! The core's conformance suite under compio, on one thread and thread-per-core.

use runtime_compio::{CompioLoop, CompioRuntime};

chain_conformance::conformance_tests! {
    current_thread(CurrentThread, workers = 1) => CompioRuntime::current_thread(CompioLoop::default()).unwrap(),
    thread_per_core(ThreadPerCore, workers = 2) => CompioRuntime::thread_per_core(CompioLoop::default(), workers).unwrap(),
}
