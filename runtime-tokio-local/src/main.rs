//! `cargo run -p runtime-tokio-local -- --help`: the article's programs and every
//! workload of the core, driven by tokio's `LocalRuntime`, one per thread.

fn main() -> std::process::ExitCode {
    chain_cli::main::<runtime_tokio_local::TokioLocalRuntime>()
}
