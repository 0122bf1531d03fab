//! `cargo run -p runtime-futures -- --help`: the article's programs and every
//! workload of the core, driven by the futures crate's `ThreadPool`.

fn main() -> std::process::ExitCode {
    chain_cli::main::<runtime_futures::FuturesRuntime>()
}
