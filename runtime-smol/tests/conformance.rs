//! The core's conformance suite under both smol flavours.

use runtime_smol::SmolRuntime;

chain_core::conformance_tests! {
    service: record_service::RecordService;
    current_thread => SmolRuntime::current_thread(),
    multi_thread => SmolRuntime::multi_thread(2.try_into().unwrap()).unwrap(),
}
