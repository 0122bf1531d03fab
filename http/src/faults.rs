//! Faults a service injects into its answers, chosen deterministically from a seed.

use std::fmt;

use super::Route;
use chain_lab::seeded::{self, Drawer};

/// One way for a record service's answer to go wrong on the wire: the service's
/// counterpart of the client-side [`Fault`](chain_lab::Fault) that a
/// [`FaultPlan`](chain_lab::FaultPlan) injects into any source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireFault {
    /// Answer `500 Internal Server Error`.
    ServerError,
    /// Close the connection without answering.
    Drop,
    /// Announce the whole body, send half of it, and close the connection.
    Truncate,
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
    /// Answer correctly, then close the connection (`Connection: close`): not an
    /// error, a test that the client keeps the answer and does not reuse the
    /// connection. Not among the faults drawn by default.
    Close,
}

impl WireFault {
    /// Every fault that makes a fetch fail, the default set to draw from.
    pub const ALL: [WireFault; 4] =
        [WireFault::ServerError, WireFault::Drop, WireFault::Truncate, WireFault::MalformedJson];
}

impl fmt::Display for WireFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireFault::ServerError => "server-error",
            WireFault::Drop => "drop",
            WireFault::Truncate => "truncate",
            WireFault::MalformedJson => "malformed-json",
            WireFault::Close => "close",
        })
    }
}

/// Which requests get which fault: a fraction `rate` of requests, picked by a hash of
/// the seed and the request, so the same seed faults the same requests in every run
/// and under every client runtime.
///
/// # Examples
///
/// ```
/// use chain_http::{Route, WireFault, WireFaultPlan};
///
/// let faults = WireFaultPlan::new(0.5, 7, &[WireFault::ServerError]).unwrap();
/// let faulted = (1..=1000).filter(|&id| faults.for_request(Route::User(id)).is_some()).count();
/// assert!((400..600).contains(&faulted));
/// assert_eq!(WireFaultPlan::none().for_request(Route::User(1)), None);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WireFaultPlan {
    rate: f64,
    seed: u64,
    kinds: Vec<WireFault>,
}

impl WireFaultPlan {
    /// No fault at all.
    pub fn none() -> Self {
        WireFaultPlan { rate: 0.0, seed: 0, kinds: Vec::new() }
    }

    /// A fraction `rate` (0 to 1) of requests fault, each with one of `kinds`.
    ///
    /// # Errors
    ///
    /// `rate` is outside 0 to 1, or it is above 0 and `kinds` is empty.
    pub fn new(rate: f64, seed: u64, kinds: &[WireFault]) -> Result<Self, String> {
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("a fault rate is a fraction from 0 to 1, not {rate}"));
        }
        if rate > 0.0 && kinds.is_empty() {
            return Err("a fault rate above 0 needs at least one kind of fault".to_owned());
        }
        Ok(WireFaultPlan { rate, seed, kinds: kinds.to_vec() })
    }

    /// The fraction of requests that fault.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The fault injected into the answer to `route`, if any.
    pub fn for_request(&self, route: Route) -> Option<WireFault> {
        if self.rate == 0.0 {
            return None;
        }
        let (draw, bits) =
            seeded::draw(Drawer::Service, self.seed, route.user_id(), route.operation());
        (draw < self.rate).then(|| self.kinds[(bits % self.kinds.len() as u64) as usize])
    }
}

impl fmt::Display for WireFaultPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rate == 0.0 {
            return f.write_str("none");
        }
        let kinds: Vec<String> = self.kinds.iter().map(WireFault::to_string).collect();
        write!(f, "{}% ({}), seed {}", self.rate * 100.0, kinds.join(", "), self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_faults_at_rate_one_and_none_at_zero() {
        let all = WireFaultPlan::new(1.0, 3, &[WireFault::Drop]).unwrap();
        let none = WireFaultPlan::new(0.0, 3, &[]).unwrap();
        for id in 0..1000 {
            assert_eq!(all.for_request(Route::Orders(id)), Some(WireFault::Drop));
            assert_eq!(none.for_request(Route::Orders(id)), None);
        }
    }

    #[test]
    fn the_seed_decides_which_requests_fault() {
        let pick = |seed| {
            let faults = WireFaultPlan::new(0.5, seed, &WireFault::ALL).unwrap();
            (0..64).map(|id| faults.for_request(Route::User(id))).collect::<Vec<_>>()
        };
        assert_eq!(pick(1), pick(1));
        assert_ne!(pick(1), pick(2));
    }

    #[test]
    fn every_kind_is_drawn() {
        let faults = WireFaultPlan::new(1.0, 0, &WireFault::ALL).unwrap();
        for kind in WireFault::ALL {
            assert!((0..1000).any(|id| faults.for_request(Route::User(id)) == Some(kind)));
        }
    }

    #[test]
    fn rates_outside_zero_to_one_are_rejected() {
        assert!(WireFaultPlan::new(1.5, 0, &WireFault::ALL).is_err());
        assert!(WireFaultPlan::new(-0.1, 0, &WireFault::ALL).is_err());
        assert!(WireFaultPlan::new(f64::NAN, 0, &WireFault::ALL).is_err());
        assert!(WireFaultPlan::new(0.1, 0, &[]).is_err());
    }
}
