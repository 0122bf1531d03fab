//! The core's conformance suite under both tokio flavours.

use runtime_tokio::TokioRuntime;

chain_core::conformance_tests! {
    service: record_service::RecordService;
    current_thread => TokioRuntime::current_thread().unwrap(),
    multi_thread => TokioRuntime::multi_thread(2.try_into().unwrap()).unwrap(),
}
