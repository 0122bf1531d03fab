//! The core's conformance suite under the futures `ThreadPool` and `LocalPool`.

use runtime_futures::FuturesRuntime;

chain_conformance::conformance_tests! {
    multi_thread(MultiThread, workers = 2) => FuturesRuntime::multi_thread(workers).unwrap(),
    current_thread(CurrentThread, workers = 1) => FuturesRuntime::current_thread(),
}
