//! The process's resource limits (`ulimit`), from `/proc/self/limits`.

/// The soft limit named `name` (`Max open files`, `Max address space`); `None` when
/// unlimited or unreadable (not Linux).
pub fn soft_limit(name: &str) -> Option<u64> {
    parse(&std::fs::read_to_string("/proc/self/limits").ok()?, name)
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
            assert!(soft_limit("Max open files").is_some_and(|n| n > 0));
        }
    }
}
