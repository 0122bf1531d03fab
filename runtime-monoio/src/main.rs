//! `cargo run -p runtime-monoio -- --help`: the article's programs and every
//! workload of the core, driven by monoio, one loop per thread.

fn main() -> std::process::ExitCode {
    chain_cli::main::<runtime_monoio::MonoioRuntime>()
}
