//! The core's conformance suite under tokio's `LocalRuntime`, on one thread and
//! thread-per-core.

use runtime_tokio_local::{TokioLocalLoop, TokioLocalRuntime};

chain_conformance::conformance_tests! {
    current_thread(CurrentThread, workers = 1) => TokioLocalRuntime::current_thread(TokioLocalLoop).unwrap(),
    thread_per_core(ThreadPerCore, workers = 2) => TokioLocalRuntime::thread_per_core(TokioLocalLoop, workers).unwrap(),
}
