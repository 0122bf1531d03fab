//! The article's first program: `print("Hello ...")`, `await asyncio.sleep(1)`,
//! `print("... World!")`.

use std::{io::Write, time::Duration};

use chain_contract::Runtime;

/// Writes `Hello ...`, sleeps `delay` on the runtime's timer, then writes `... World!`.
///
/// Each line is flushed as it is written, so a terminal shows the pause.
///
/// # Examples
///
/// ```
/// use chain_contract::{Launch, Runtime};
/// use chain_core::hello_world;
/// use std::time::Duration;
///
/// let rt = runtime_smol::SmolRuntime::current_thread();
/// let mut out = Vec::new();
/// rt.block_on(hello_world(&rt, Duration::from_millis(10), &mut out)).unwrap();
/// assert_eq!(out, b"Hello ...\n... World!\n");
/// ```
///
/// # Errors
///
/// The error of a failed write.
///
/// # Cancel safety
///
/// Cancel safe: dropping it during the sleep leaves `Hello ...` written and
/// `... World!` not.
pub async fn hello_world<R: Runtime>(
    rt: &R,
    delay: Duration,
    out: &mut (impl Write + Send),
) -> std::io::Result<()> {
    writeln!(out, "Hello ...")?;
    out.flush()?;
    rt.sleep(delay).await;
    writeln!(out, "... World!")?;
    out.flush()
}
