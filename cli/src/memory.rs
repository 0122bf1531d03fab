//! A fan-out too big for this machine's memory is refused before it starts, with a
//! message, instead of ending in the out-of-memory killer.

/// Bytes one user holds while in flight, from the peaks measured on every runtime
/// (README, "Faults and bad input"), rounded up: a bare chain, and one wrapped in
/// faults and a time limit (a timer more per fetch); an HTTP fetch adds its exchange.
const PER_USER: u64 = 2 * 1024;
const PER_USER_WITH_FAULTS: u64 = 12 * 1024;
const PER_HTTP_USER: u64 = 1024;
/// Bytes a user's result holds once it is done, until the fan-out returns.
const PER_RESULT: u64 = 256;

/// What a fan-out will hold at its peak.
#[derive(Clone, Copy, Debug)]
pub struct Footprint {
    /// Users requested.
    pub users: usize,
    /// Users in flight at once: all of them, or the concurrency limit.
    pub in_flight: usize,
    /// Whether faults are injected.
    pub faults: bool,
    /// Whether the fetches are HTTP requests.
    pub http: bool,
}

impl Footprint {
    /// The estimated peak, in bytes.
    pub fn bytes(&self) -> u64 {
        let per_user = if self.faults { PER_USER_WITH_FAULTS } else { PER_USER };
        let per_user = per_user + if self.http { PER_HTTP_USER } else { 0 };
        self.in_flight as u64 * per_user + self.users as u64 * PER_RESULT
    }

    /// Whether the fan-out fits in the memory available to this process now: the
    /// least of the machine's available memory, what its cgroup's limit leaves (a
    /// container's), and what `ulimit -v` leaves.
    ///
    /// # Errors
    ///
    /// It does not: a message with the estimate and what to do instead.
    pub fn check(&self) -> Result<(), String> {
        match available() {
            Some(limit) => self.fits_in(limit),
            None => Ok(()),
        }
    }

    fn fits_in(&self, (available, whose): (u64, &str)) -> Result<(), String> {
        let needed = self.bytes();
        if needed <= available {
            return Ok(());
        }
        let gb = |bytes: u64| bytes as f64 / 1e9;
        Err(format!(
            "{} users would need about {:.1} GB ({} in flight at once), and {whose} {:.1} GB available: ask for fewer users, or bound them with `bounded --concurrency`",
            self.users,
            gb(needed),
            self.in_flight,
            gb(available),
        ))
    }
}

/// The tightest of the limits on this process's memory, and whose it is; `None`
/// where none can be read (not Linux).
fn available() -> Option<(u64, &'static str)> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let machine = read("/proc/meminfo").and_then(|m| kib_field(&m, "MemAvailable:"));
    let cgroup = read("/proc/self/cgroup").and_then(|c| cgroup_headroom(&c, read));
    let ulimit = super::limits::soft_limit("Max address space").map(|limit| {
        let used = read("/proc/self/status").and_then(|s| kib_field(&s, "VmSize:"));
        limit.saturating_sub(used.unwrap_or(0))
    });
    [
        machine.map(|b| (b, "this machine has")),
        cgroup.map(|b| (b, "this process's cgroup has")),
        ulimit.map(|b| (b, "`ulimit -v` leaves")),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|(bytes, _)| *bytes)
}

/// A `Name:   1234 kB` field of a `/proc` file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find_map(|l| l.strip_prefix(name))?;
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// The bytes this process's cgroup may still use (its limit less its usage), from
/// `/proc/self/cgroup`, with cgroup v2's files or v1's memory controller; `None`
/// without a limit.
fn cgroup_headroom(cgroups: &str, read: impl Fn(&str) -> Option<String>) -> Option<u64> {
    let number = |path: String| read(&path)?.trim().parse::<u64>().ok();
    cgroups.lines().find_map(|line| {
        let (controllers, path) = line.split_once(':')?.1.split_once(':')?;
        let (limit, usage) = match controllers {
            "" => (
                format!("/sys/fs/cgroup{path}/memory.max"),
                format!("/sys/fs/cgroup{path}/memory.current"),
            ),
            c if c.split(',').any(|c| c == "memory") => (
                format!("/sys/fs/cgroup/memory{path}/memory.limit_in_bytes"),
                format!("/sys/fs/cgroup/memory{path}/memory.usage_in_bytes"),
            ),
            _ => return None,
        };
        // v2 writes "max" and v1 a number near 2^63 for no limit.
        let limit = number(limit).filter(|&l| l < 1 << 62)?;
        Some(limit.saturating_sub(number(usage).unwrap_or(0)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1_000_000_000;

    #[test]
    fn a_million_faulted_users_at_once_do_not_fit_in_eight_gigabytes() {
        let joined =
            Footprint { users: 1_000_000, in_flight: 1_000_000, faults: true, http: false };
        let error = joined.fits_in((8 * GB, "this machine has")).unwrap_err();
        assert!(
            error.contains("need about 12.5 GB") && error.contains("this machine has 8.0 GB"),
            "{error}"
        );
        let bounded = Footprint { in_flight: 1_000, ..joined };
        assert_eq!(bounded.fits_in((8 * GB, "this machine has")), Ok(()));
        assert!(joined.fits_in((16 * GB, "this machine has")).is_ok());
    }

    #[test]
    fn this_machine_reports_the_memory_available_to_this_process() {
        if cfg!(target_os = "linux") {
            assert!(available().is_some_and(|(bytes, _)| bytes > 0));
        }
    }

    #[test]
    fn a_cgroup_limit_leaves_its_limit_less_its_usage() {
        let files = |path: &str| {
            Some(
                match path {
                    "/sys/fs/cgroup/app/memory.max" => "1000000\n",
                    "/sys/fs/cgroup/app/memory.current" => "400000\n",
                    "/sys/fs/cgroup/memory/job/memory.limit_in_bytes" => "3000000\n",
                    "/sys/fs/cgroup/memory/job/memory.usage_in_bytes" => "1000000\n",
                    "/sys/fs/cgroup/memory/free/memory.limit_in_bytes" => "9223372036854771712\n",
                    "/sys/fs/cgroup/unlimited/memory.max" => "max\n",
                    _ => return None,
                }
                .to_owned(),
            )
        };
        assert_eq!(cgroup_headroom("0::/app\n", files), Some(600_000));
        assert_eq!(cgroup_headroom("5:cpu:/\n4:memory:/job\n0::/\n", files), Some(2_000_000));
        assert_eq!(cgroup_headroom("4:memory:/free\n", files), None);
        assert_eq!(cgroup_headroom("0::/unlimited\n", files), None);
    }
}
