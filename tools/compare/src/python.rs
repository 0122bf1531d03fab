//! The article's own program, in Python, as a labelled reference row: asyncio's
//! default loop, and uvloop when it can be imported.

use std::process::Command;

use crate::{
    args::Workload,
    child::{self, Measurement},
};

/// The script, shipped in the repository beside this tool.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/article.py");

/// Python's own event loop, the reference every timed table compares with.
pub const ASYNCIO: &str = "asyncio";

/// Versions of the reference's software: `("python", "3.11.7")`, `("uvloop", ...)`.
pub type Versions = Vec<(&'static str, String)>;

/// The Python event loops available here and the versions of Python and uvloop,
/// or why there are none.
pub fn loops() -> Result<(Vec<&'static str>, Versions), String> {
    let probe = |code: &str| {
        let output = Command::new("python3").args(["-c", code]).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let Some(python) = probe("import asyncio, platform; print(platform.python_version())") else {
        return Err("python3 is not on the PATH: the asyncio reference rows are skipped".into());
    };
    let mut versions = vec![("python", python)];
    let mut loops = vec![ASYNCIO];
    if let Some(uvloop) = probe("import uvloop; print(uvloop.__version__)") {
        loops.push("uvloop");
        versions.push(("uvloop", uvloop));
    }
    Ok((loops, versions))
}

/// Whether the script implements `workload`.
pub fn supports(workload: &Workload) -> bool {
    !workload.is_http()
        && !workload.is_faulty()
        && workload.work().is_none()
        && matches!(
            workload,
            Workload::Chain { .. }
                | Workload::FanOut(_)
                | Workload::Bounded { .. }
                | Workload::Timer { .. }
        )
}

/// One run of the script under `event_loop`.
pub fn measure(event_loop: &str, workload: &Workload) -> Result<Measurement, String> {
    let output = crate::interrupt::output(
        Command::new("python3")
            .arg(SCRIPT)
            .arg(format!("--loop={event_loop}"))
            .args(workload.to_args())
            .arg(format!("--iterations={}", workload.python_iterations())),
    );
    child::read(&format!("python3 {SCRIPT} ({event_loop})"), output)
}
