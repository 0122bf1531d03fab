//! The core's conformance suite under both smol flavours.

use runtime_smol::SmolRuntime;

chain_conformance::conformance_tests! {
    current_thread(CurrentThread, workers = 1) => SmolRuntime::current_thread(),
    multi_thread(MultiThread, workers = 2) => SmolRuntime::multi_thread(workers).unwrap(),
}
