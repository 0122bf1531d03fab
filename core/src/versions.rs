//! The runtime versions this workspace is locked to, for printing with results.

/// `name=version` pairs read from `Cargo.lock` by the build script.
const LOCKED: &str = env!("CHAIN_LOCKED_VERSIONS");

/// The runtime crates whose versions are printed with results.
pub const RUNTIMES: [&str; 3] = ["tokio", "async-std", "smol"];

/// Each runtime of [`RUNTIMES`] with its locked version (`"unknown"` without a lock file).
pub fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
    RUNTIMES.into_iter().map(|name| (name, locked_version(name).unwrap_or("unknown")))
}

/// `tokio 1.x.y, async-std 1.x.y, smol 2.x.y`: the line printed with every result.
pub fn summary() -> String {
    all().map(|(name, version)| format!("{name} {version}")).collect::<Vec<_>>().join(", ")
}

/// The version of runtime crate `name` (`"tokio"`, `"async-std"` or `"smol"`) pinned in
/// the workspace's `Cargo.lock`, if the lock file was there at build time.
pub fn locked_version(name: &str) -> Option<&'static str> {
    LOCKED
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(crate_name, _)| *crate_name == name)
        .map(|(_, version)| version)
        .filter(|version| *version != "unknown")
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn every_runtime_version_is_read_from_the_lock_file() {
        for name in super::RUNTIMES {
            let version = locked_version(name).unwrap_or_else(|| panic!("{name} not locked"));
            assert!(version.chars().next().is_some_and(|c| c.is_ascii_digit()), "{version}");
        }
        assert_eq!(locked_version("not-a-runtime"), None);
    }
}
