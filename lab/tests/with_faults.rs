//! `with_faults` hands the work the source as it is when no faults are asked for,
//! so that a comparison without faults measures no wrapper, and a wrapped one
//! otherwise.

use std::{any::type_name, time::Duration};

use chain_contract::Runtime;
use chain_core::{DataSource, InMemorySource};
use chain_lab::{FaultPlan, SourceVisitor, with_faults};
use runtime_smol::SmolRuntime;

/// Reports the type of the source the work is given.
struct TypeOfSource;

impl SourceVisitor for TypeOfSource {
    type Output = &'static str;

    fn visit<S: DataSource + Clone + 'static>(self, _: S) -> &'static str {
        type_name::<S>()
    }
}

#[test]
fn without_faults_the_work_gets_the_source_itself() {
    let rt = SmolRuntime::current_thread();
    let source = InMemorySource::new(rt.timer());
    let given = with_faults(&rt, source, None, TypeOfSource);
    assert_eq!(given, type_name::<InMemorySource<<SmolRuntime as Runtime>::Timer>>());
}

#[test]
fn with_any_fault_the_work_gets_a_time_limited_faulty_source() {
    let rt = SmolRuntime::current_thread();
    let limit = Duration::from_secs(1);
    let jitter_only = FaultPlan::new(0).with_jitter(Duration::from_millis(1));
    for plan in [FaultPlan::new(0).with_failures(0.5).unwrap(), jitter_only] {
        let source = InMemorySource::new(rt.timer());
        let given = with_faults(&rt, source, Some((plan, limit)), TypeOfSource);
        assert!(given.contains("TimeLimited<") && given.contains("Faulty<"), "{given}");
    }
}
