//! The fair comparison of the runtimes: the runtime flavours under test, the
//! workloads (the core's code, checked), their hand-written native baselines, the
//! blocking-threads baselines of the HTTP workloads, and the measuring helpers
//! shared by the criterion suite (`cargo bench`) and the tools under `tools/`
//! (`compare`, `overhead`, `results`, `serve-baseline`).
//!
//! Every measured body runs inside a task spawned on the runtime under test
//! ([`measure`]), so that it runs on the runtime's own workers; the runtime is
//! built before, and dropped after, the timed region.
#![warn(missing_docs)]

pub mod flavours;
pub mod gateway_wire;
pub mod heap;
pub mod native;
pub mod overhead;
pub mod serving;
pub mod spec;
pub mod threads;
pub mod workloads;

pub use flavours::{Flavour, Visitor};
pub use spec::{Measurer, Spec, Via};
pub use workloads::{Measurable, measure};
