//! Deterministic draws from a seed, per fetch: the same seed picks the same fetches
//! in every run and under every runtime, whatever order they run in.

use chain_core::{Operation, UserId};

/// Who draws: the client-side [`FaultPlan`](crate::FaultPlan), the record service's
/// faults and a backend's tail draw apart, so that the same seed does not pick the
/// same fetches for each.
#[derive(Clone, Copy, Debug)]
pub enum Drawer {
    /// A client's [`FaultPlan`](crate::FaultPlan).
    Client = 1,
    /// A record service's faults on the wire.
    Service = 2,
    /// A backend's slow fetches ([`Tail`](crate::Tail)), in memory and in the
    /// record service alike, so that both slow the same fetches.
    Tail = 3,
}

/// A fraction in [0, 1) and 64 further bits, both fixed by `seed`, the drawer and
/// the fetch: [`draw_copy`] for its first copy.
pub fn draw(drawer: Drawer, seed: u64, user_id: UserId, operation: Operation) -> (f64, u64) {
    draw_copy(drawer, seed, user_id, operation, 0)
}

/// [`draw`] for copy `copy` of a fetch (0 the first; a hedge's extra copy is 1):
/// each copy draws apart, as a request sent again meets the backend anew.
pub fn draw_copy(
    drawer: Drawer,
    seed: u64,
    user_id: UserId,
    operation: Operation,
    copy: u32,
) -> (f64, u64) {
    let fetch = user_id.wrapping_mul(2) + matches!(operation, Operation::FetchOrders) as u64;
    let copy = if copy == 0 { 0 } else { splitmix64(!u64::from(copy)) };
    let hash = splitmix64(splitmix64(seed ^ drawer as u64) ^ splitmix64(fetch) ^ copy);
    // The top 53 bits as a fraction; the next hash as the further bits.
    ((hash >> 11) as f64 / (1u64 << 53) as f64, splitmix64(hash))
}

/// A fast, well-mixed 64-bit hash (Steele, Lea and Flood's SplitMix64 finaliser).
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_splitmix64() {
        // The reference generator's first two outputs from state 0.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(0x9e37_79b9_7f4a_7c15), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn draws_are_uniform_and_differ_by_seed_drawer_and_fetch() {
        let fraction = |drawer, seed, user, op| draw(drawer, seed, user, op).0;
        let draws: Vec<f64> = (1..=20_000)
            .flat_map(|user| [Operation::FetchUser, Operation::FetchOrders].map(|op| (user, op)))
            .map(|(user, op)| fraction(Drawer::Client, 0, user, op))
            .collect();
        for quarter in 1..4 {
            let below = quarter as f64 / 4.0;
            let share = draws.iter().filter(|&&d| d < below).count() as f64 / draws.len() as f64;
            assert!((share - below).abs() < 0.01, "{share} of draws below {below}");
        }
        let (user, op) = (7, Operation::FetchUser);
        assert_ne!(fraction(Drawer::Client, 0, user, op), fraction(Drawer::Client, 1, user, op));
        assert_ne!(fraction(Drawer::Client, 0, user, op), fraction(Drawer::Service, 0, user, op));
        let orders = Operation::FetchOrders;
        assert_ne!(
            fraction(Drawer::Client, 0, user, op),
            fraction(Drawer::Client, 0, user, orders)
        );
        let copy = |n| draw_copy(Drawer::Tail, 0, user, op, n).0;
        assert_eq!(copy(0), fraction(Drawer::Tail, 0, user, op));
        assert_ne!(copy(0), copy(1));
        assert_ne!(copy(1), copy(2));
    }
}
