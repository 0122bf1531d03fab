//! The process's resource limits (`ulimit`), from `/proc/self/limits`.

/// The soft limit named `name` (`Max open files`, `Max address space`); `None` when
/// unlimited or unreadable (not Linux).
pub fn soft_limit(name: &str) -> Option<u64> {
    parse(&std::fs::read_to_string("/proc/self/limits").ok()?, name)
}

/// Descriptors a program holds besides its connections: stdio, the runtime's
/// reactor, a listener, the binary and its libraries.
const OTHER_DESCRIPTORS: u64 = 64;

/// When `connections` file descriptors, and the program's others, are more than
/// `ulimit -n` allows: how many are needed in all, and the limit. `None` when they
/// fit, or the limit cannot be read.
pub fn short_of_descriptors(connections: u64) -> Option<(u64, u64)> {
    let (needed, limit) = (connections + OTHER_DESCRIPTORS, soft_limit("Max open files")?);
    (needed > limit).then_some((needed, limit))
}

fn parse(limits: &str, name: &str) -> Option<u64> {
    let line = limits.lines().find_map(|l| l.strip_prefix(name))?;
    line.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str = "\
Limit                     Soft Limit           Hard Limit           Units
Max open files            1024                 524288               files
Max address space         unlimited            unlimited            bytes
";

    #[test]
    fn soft_limits_are_read_and_unlimited_is_none() {
        assert_eq!(parse(LIMITS, "Max open files"), Some(1024));
        assert_eq!(parse(LIMITS, "Max address space"), None);
    }

    #[test]
    fn this_process_has_a_descriptor_limit() {
        if cfg!(target_os = "linux") {
            let limit = soft_limit("Max open files").expect("a limit");
            assert!(limit > OTHER_DESCRIPTORS, "{limit}");
            assert_eq!(short_of_descriptors(0), None);
            assert_eq!(short_of_descriptors(limit), Some((limit + OTHER_DESCRIPTORS, limit)));
        }
    }
}
