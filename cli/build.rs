//! Records the package versions pinned in the workspace's `Cargo.lock`, so that every
//! printed result can say which runtime versions produced it without `core`
//! depending on them, and without core knowing which runtimes there are.

use std::{env, fs, path::PathBuf};

fn main() {
    let lock = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    let text = fs::read_to_string(&lock).unwrap_or_default();
    println!("cargo::rustc-env=CHAIN_LOCKED_VERSIONS={}", locked(&text).join(","));
}

/// `name=version` for every `[[package]]` of a `Cargo.lock` text.
fn locked(lock: &str) -> Vec<String> {
    let mut pairs = Vec::new();
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("name = \"").and_then(|n| n.strip_suffix('"')) else {
            continue;
        };
        let version = lines.next().and_then(|v| v.strip_prefix("version = \""));
        if let Some(version) = version.and_then(|v| v.strip_suffix('"')) {
            pairs.push(format!("{name}={version}"));
        }
    }
    pairs
}
