//! `cargo run -p runtime-tokio -- --help`: the article's programs and every workload of
//! the core, driven by tokio.

fn main() -> std::process::ExitCode {
    chain_cli::main::<runtime_tokio::TokioRuntime>()
}
