#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod cancel_on_drop;
mod join;
mod launch;
mod lazy_sleep;
mod net;
mod runtime;
mod task;
mod timeout;

pub use cancel_on_drop::{CancelOnDrop, NativeTasks};
pub use join::{JoinError, JoinHandle};
pub use launch::{Driver, IoDriver, Launch, RuntimeInfo, Scheduling, run_on_worker};
pub use launch::{no_such_driver, no_such_flavour};
pub use lazy_sleep::LazySleep;
pub use net::{ByteStream, Listener, accept_no_delay, connect_no_delay};
pub use runtime::{Runtime, Timer};
pub use task::Task;
pub use timeout::{Elapsed, timeout};
