//! `cargo run -p runtime-smol -- --help`: the article's programs and every workload of
//! the core, driven by smol.

fn main() -> std::process::ExitCode {
    chain_cli::main::<runtime_smol::SmolRuntime>()
}
