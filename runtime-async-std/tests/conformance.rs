//! The core's conformance suite under async-std (one flavour: its global thread pool).

use runtime_async_std::AsyncStdRuntime;

chain_core::conformance_tests! {
    service: record_service::RecordService;
    multi_thread => AsyncStdRuntime::new(2.try_into().unwrap()).unwrap(),
}
