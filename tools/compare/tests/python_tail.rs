//! The asyncio reference slows the same fetches as the Rust side for the same seed:
//! its draw is `chain_lab::seeded::draw_copy`, written again in Python, and so are
//! its hedge's extra copies.

use std::{process::Command, time::Duration};

use chain_core::Operation;
use chain_lab::Tail;

#[test]
fn python_slows_the_same_fetches_as_rust_for_the_same_seed() {
    const USERS: u64 = 2_000;
    for (rate, seed) in [(0.05, 9), (0.5, 0), (0.01, u64::MAX)] {
        let output = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/article.py"))
            .args(["fanout", &format!("--users={USERS}"), "--slow=1000ns"])
            .args([format!("--slow-rate={rate}"), format!("--seed={seed}")])
            .output()
            .expect("python3 runs the reference (bash .ci/install python3)");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let said: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let tail = Tail::new(rate, Duration::from_micros(1), seed).unwrap();
        let slow: Vec<u64> = (1..=USERS)
            .flat_map(|id| [(id, Operation::FetchUser, 0), (id, Operation::FetchOrders, 1)])
            .filter(|&(id, op, _)| tail.is_slow(id, op, 0))
            .map(|(id, _, orders)| id * 2 + orders)
            .collect();
        let expected = serde_json::json!({
            "fetches": slow.len(),
            "checksum": slow.iter().sum::<u64>(),
        });
        assert_eq!(said["tail"], expected, "rate {rate}, seed {seed}");
    }
}

/// With `--hedge-after`, the reference hedges as `chain_core::hedge` does: an extra
/// copy for exactly the fetches whose first copy is slow, and it answers first
/// exactly where its own draw (`draw_copy`, copy 1) is not slow too.
#[test]
fn python_hedges_the_fetches_rust_would_and_the_extra_copy_draws_apart() {
    const USERS: u64 = 100;
    let (rate, seed) = (0.1, 4);
    // Quick fetches answer at once, long before the hedge: only slow ones get a copy.
    let output = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/article.py"))
        .args(["fanout", &format!("--users={USERS}"), "--slow=1000000000ns"])
        .args([format!("--slow-rate={rate}"), format!("--seed={seed}")])
        .arg("--hedge-after=100000000ns")
        .output()
        .expect("python3 runs the reference (bash .ci/install python3)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let said: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tail = Tail::new(rate, Duration::from_secs(1), seed).unwrap();
    let fetches = (1..=USERS)
        .flat_map(|id| [Operation::FetchUser, Operation::FetchOrders].map(|op| (id, op)));
    let late: Vec<_> = fetches.filter(|&(id, op)| tail.is_slow(id, op, 0)).collect();
    let rescued = late.iter().filter(|&&(id, op)| !tail.is_slow(id, op, 1)).count();
    assert!(late.len() > rescued && rescued > 0, "the seed shows both");
    let needed = 2 * USERS as usize;
    let hedge = &said["latencies"]["hedge"];
    let counted = [&hedge["needed"], &hedge["sent"], &hedge["extra_won"]].map(|n| n.as_u64());
    assert_eq!(
        counted.map(Option::unwrap),
        [needed, needed + late.len(), rescued].map(|n| n as u64)
    );
    let latencies: chain_lab::Latencies = serde_json::from_value(said["latencies"].clone())
        .expect("the reference's latencies read as chain_lab's");
    assert_eq!((latencies.users.count, latencies.fetches.count), (USERS as usize, needed));
    let late_by = latencies.hedge.unwrap().extra_after_mean.unwrap();
    assert!(late_by >= Duration::from_millis(100), "a hedge never leaves early: {late_by:?}");
}
