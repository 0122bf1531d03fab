//! [`build_on`]: a glue's runtime on the driver asked for, or on epoll with the reason.

use std::io;

use chain_contract::{Driver, IoDriver};

/// Builds a runtime on `driver` with the glue's two builders: `readiness` (its epoll
/// driver, reported as `IoDriver::Readiness(poller)`) or `io_uring`. io_uring is
/// asked for by name, so that its error is the glue's to report: where the kernel
/// refuses it, the runtime is built on `readiness` and says why
/// ([`IoDriver::Fallback`]).
///
/// # Examples
///
/// ```
/// use chain_contract::{Driver, IoDriver};
/// use std::io;
///
/// let refused = || Err::<&str, _>(io::Error::other("io_uring_setup: denied"));
/// let (runtime, io) = chain_per_core::build_on(Driver::IoUring, "mio", || Ok("epoll"), refused)?;
/// assert_eq!(runtime, "epoll");
/// assert_eq!(io, IoDriver::Fallback("io_uring_setup: denied".into()));
/// # Ok::<(), io::Error>(())
/// ```
pub fn build_on<R>(
    driver: Driver,
    poller: &'static str,
    readiness: impl FnOnce() -> io::Result<R>,
    io_uring: impl FnOnce() -> io::Result<R>,
) -> io::Result<(R, IoDriver)> {
    match driver {
        Driver::Readiness => Ok((readiness()?, IoDriver::Readiness(poller))),
        Driver::IoUring => match io_uring() {
            Ok(built) => Ok((built, IoDriver::IoUring)),
            Err(e) => Ok((readiness()?, IoDriver::Fallback(e.to_string()))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_driver_is_built_by_its_own_builder() {
        let built = |driver| build_on(driver, "polling", || Ok("epoll"), || Ok("uring")).unwrap();
        assert_eq!(built(Driver::Readiness), ("epoll", IoDriver::Readiness("polling")));
        assert_eq!(built(Driver::IoUring), ("uring", IoDriver::IoUring));
    }

    #[test]
    fn a_readiness_error_is_returned_not_hidden() {
        let failed = || Err::<(), _>(io::Error::other("no epoll"));
        let err = build_on(Driver::IoUring, "mio", failed, || Err(io::Error::other("no uring")));
        assert_eq!(err.unwrap_err().to_string(), "no epoll");
    }
}
