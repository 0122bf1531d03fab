//! `cargo run -p runtime-compio -- --help`: the article's programs and every
//! workload of the core, driven by compio, one loop per thread.

fn main() -> std::process::ExitCode {
    chain_cli::main::<runtime_compio::CompioRuntime>()
}
