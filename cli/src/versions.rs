//! The package versions this workspace is locked to, for printing with results.

/// `name=version` lines of every package in `Cargo.lock`, committed beside this file
/// (`bash .ci/locked-versions --write` makes it; CI checks it is current).
const LOCKED: &str = include_str!("locked.txt");

/// Each of `runtimes` (crate names) with its locked version (`"unknown"` without a
/// lock file).
pub fn all<'a>(runtimes: &'a [&'a str]) -> impl Iterator<Item = (&'a str, &'static str)> + 'a {
    runtimes.iter().map(|&name| (name, locked_version(name).unwrap_or("unknown")))
}

/// `tokio 1.x.y, smol 2.x.y`: the line printed with every result, for `runtimes`.
pub fn summary(runtimes: &[&str]) -> String {
    all(runtimes).map(|(name, version)| format!("{name} {version}")).collect::<Vec<_>>().join(", ")
}

/// `info` with the runtime's locked version after its name: `tokio 1.47.1, multi-thread, ...`.
pub fn described(info: &chain_contract::RuntimeInfo) -> String {
    let version = locked_version(info.runtime).unwrap_or("unknown");
    let settings = info.to_string();
    let settings = settings.strip_prefix(info.runtime).unwrap_or(&settings);
    format!("{} {version}{settings}", info.runtime)
}

/// The version of crate `name` (`"tokio"`, `"smol"`, any package) pinned in the
/// workspace's `Cargo.lock`, if the lock file was there at build time.
pub fn locked_version(name: &str) -> Option<&'static str> {
    LOCKED
        .lines()
        .filter_map(|pair| pair.split_once('='))
        .find(|(crate_name, _)| *crate_name == name)
        .map(|(_, version)| version)
}

#[cfg(test)]
mod tests {
    use super::{locked_version, summary};

    #[test]
    fn every_locked_package_version_is_read_from_the_lock_file() {
        for name in ["futures", "thiserror", "chain-cli"] {
            let version = locked_version(name).unwrap_or_else(|| panic!("{name} not locked"));
            assert!(version.chars().next().is_some_and(|c| c.is_ascii_digit()), "{version}");
        }
        assert_eq!(locked_version("not-a-package"), None);
        assert_eq!(locked_version("future"), None, "a prefix of a name is not the name");
        let futures = locked_version("futures").unwrap();
        assert_eq!(summary(&["futures", "nope"]), format!("futures {futures}, nope unknown"));
    }
}
