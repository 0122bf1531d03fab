//! `cargo run -p runtime-async-std -- --help`: the article's programs and every
//! workload of the core, driven by async-std.

fn main() -> std::process::ExitCode {
    chain_cli::main::<runtime_async_std::AsyncStdRuntime>()
}
