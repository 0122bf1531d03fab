//! The `runtime-async-std` binary, run as a user runs it.

chain_core::binary_tests!(env!("CARGO_BIN_EXE_runtime-async-std"));
