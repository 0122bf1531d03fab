//! Records the runtime versions pinned in the workspace's `Cargo.lock`, so that every
//! printed result can say which versions produced it without `core` depending on them.

use std::{env, fs, path::PathBuf};

const RUNTIMES: [&str; 3] = ["tokio", "async-std", "smol"];

fn main() {
    let lock = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    let text = fs::read_to_string(&lock).unwrap_or_default();
    let versions: Vec<String> = RUNTIMES
        .iter()
        .map(|name| format!("{name}={}", locked_version(&text, name).unwrap_or("unknown")))
        .collect();
    println!("cargo::rustc-env=CHAIN_LOCKED_VERSIONS={}", versions.join(","));
}

/// The version of the first `[[package]]` named `name` in a `Cargo.lock` text.
fn locked_version<'a>(lock: &'a str, name: &str) -> Option<&'a str> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return version.strip_suffix('"');
        }
    }
    None
}
