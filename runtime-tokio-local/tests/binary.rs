//! The `runtime-tokio-local` binary, run as a user runs it.

chain_conformance::binary_tests!(env!("CARGO_BIN_EXE_runtime-tokio-local"));
