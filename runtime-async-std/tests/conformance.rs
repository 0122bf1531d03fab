//! The core's conformance suite under async-std (one flavour: its global thread pool).

use runtime_async_std::AsyncStdRuntime;

chain_conformance::conformance_tests! {
    multi_thread(MultiThread, workers = 2) => AsyncStdRuntime::new(workers).unwrap(),
}
