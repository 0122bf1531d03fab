//! The core's conformance suite under both tokio flavours.

use runtime_tokio::TokioRuntime;

chain_conformance::conformance_tests! {
    current_thread(CurrentThread, workers = 1) => TokioRuntime::current_thread().unwrap(),
    multi_thread(MultiThread, workers = 2) => TokioRuntime::multi_thread(workers).unwrap(),
}
