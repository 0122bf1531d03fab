//! A run without faults gets its source as it is, so that a comparison without
//! faults measures no wrapper; one with faults gets them, and a limit on every fetch.

use std::time::Duration;

use chain_contract::{Launch, Runtime};
use chain_core::{DataSource, FetchErrorKind, InMemorySource};
use chain_lab::{FaultPlan, MaybeFaulty};
use runtime_smol::SmolRuntime;

#[test]
fn without_faults_the_source_is_as_it_is() {
    let rt = SmolRuntime::current_thread();
    let source = MaybeFaulty::new(&rt, InMemorySource::new(rt.timer()), None);
    assert!(matches!(source, MaybeFaulty::Plain(_)));
    assert!(matches!(source.for_shard(1, 2.try_into().unwrap()), MaybeFaulty::Plain(_)));
    assert_eq!(rt.block_on(source.fetch_orders(1)).unwrap(), [1, 3, 10, 11]);
}

#[test]
fn with_any_fault_every_fetch_is_faulty_and_time_limited() {
    let rt = SmolRuntime::current_thread();
    let limit = Duration::from_millis(20);
    let jitter_only = FaultPlan::new(0).with_jitter(Duration::from_millis(1));
    for plan in [FaultPlan::new(0).with_failures(0.5).unwrap(), jitter_only] {
        let source = MaybeFaulty::new(&rt, InMemorySource::new(rt.timer()), Some((plan, limit)));
        assert!(matches!(source, MaybeFaulty::Faulty(_)));
        assert!(matches!(source.for_shard(0, 2.try_into().unwrap()), MaybeFaulty::Faulty(_)));
    }
    let hanging = FaultPlan::new(0).with_hangs(1.0).unwrap();
    let source = MaybeFaulty::new(&rt, InMemorySource::new(rt.timer()), Some((hanging, limit)));
    let error = rt.block_on(source.fetch_user(4)).unwrap_err();
    assert!(matches!(error.kind(), FetchErrorKind::TimedOut { user_id: 4, .. }), "{error}");
}
