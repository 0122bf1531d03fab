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

    /// Whether the fan-out fits in the memory this machine has available now.
    ///
    /// # Errors
    ///
    /// It does not: a message with the estimate and what to do instead.
    pub fn check(&self) -> Result<(), String> {
        match available_bytes() {
            Some(available) => self.fits_in(available),
            None => Ok(()),
        }
    }

    fn fits_in(&self, available: u64) -> Result<(), String> {
        let needed = self.bytes();
        if needed <= available {
            return Ok(());
        }
        let gb = |bytes: u64| bytes as f64 / 1e9;
        Err(format!(
            "{} users would need about {:.1} GB ({} in flight at once), and this machine has {:.1} GB available: ask for fewer users, or bound them with `bounded --concurrency`",
            self.users,
            gb(needed),
            self.in_flight,
            gb(available),
        ))
    }
}

/// `MemAvailable` of `/proc/meminfo`; `None` where there is no such file.
fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find_map(|l| l.strip_prefix("MemAvailable:"))?;
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1_000_000_000;

    #[test]
    fn a_million_faulted_users_at_once_do_not_fit_in_eight_gigabytes() {
        let joined =
            Footprint { users: 1_000_000, in_flight: 1_000_000, faults: true, http: false };
        let error = joined.fits_in(8 * GB).unwrap_err();
        assert!(
            error.contains("need about 12.5 GB") && error.contains("8.0 GB available"),
            "{error}"
        );
        let bounded = Footprint { in_flight: 1_000, ..joined };
        assert_eq!(bounded.fits_in(8 * GB), Ok(()));
        assert!(joined.fits_in(16 * GB).is_ok());
    }

    #[test]
    fn this_machine_reports_its_available_memory() {
        if cfg!(target_os = "linux") {
            assert!(available_bytes().is_some_and(|bytes| bytes > 0));
        }
    }
}
