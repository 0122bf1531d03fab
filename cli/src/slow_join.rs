//! A fan-out joined in one task on a runtime with a per-task budget
//! ([`Launch::TASK_BUDGET`], tokio's): every waiting user is polled again after
//! each budget, so the work grows with the users times those in flight. A warning
//! before a run that large, a refusal before one far larger. No time is estimated:
//! how long it takes depends on the machine, and what grows does not.

use super::{Command, SourceKind};
use chain_contract::Launch;
use chain_core::Shape;

/// From this many users-in-flight pairs (about 32,000 users joined), a warning.
pub(super) const WARN_FROM: f64 = 1e9;
/// Past this many pairs (about 316,000 users joined), a usage error.
pub(super) const REFUSE_ABOVE: f64 = 1e11;

/// What to do about a command's joined fan-out.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Run it: not joined, not waiting, or not large.
    Run,
    /// Run it after this warning.
    Warn(String),
    /// Refuse it, with this message.
    Refuse(String),
}

/// The verdict on `command` for runtime `L`. Only an in-memory source that waits
/// is judged: a fetch that completes on its first poll spends no budget, and over
/// HTTP the connection limit bounds the users that wait.
pub(super) fn verdict<L: Launch>(command: Option<&Command>) -> Verdict {
    let (fanout, limit) = match command {
        Some(Command::FanOut(fanout)) => (fanout, None),
        Some(Command::Bounded { fanout, concurrency }) => (fanout, Some(concurrency.get())),
        _ => return Verdict::Run,
    };
    let joined_and_waiting = fanout.shape == Shape::Join
        && fanout.source.kind == SourceKind::Memory
        && !fanout.latency.is_zero();
    match L::TASK_BUDGET {
        Some(budget) if joined_and_waiting => {
            let users = fanout.users.get();
            judge(users, limit.map_or(users, |k| k.min(users)), budget)
        }
        _ => Verdict::Run,
    }
}

/// The verdict on `users` joined in one task, `in_flight` of them waiting at once,
/// on a runtime whose tasks yield after `budget` polls.
fn judge(users: usize, in_flight: usize, budget: u32) -> Verdict {
    let pairs = users as f64 * in_flight as f64;
    if pairs < WARN_FROM {
        return Verdict::Run;
    }
    let cause = format!(
        "the runtime polls every waiting user again after each {budget} polls, so the work grows with the users times those in flight ({pairs:.0e} here): twice the users, four times as long"
    );
    if pairs > REFUSE_ABOVE {
        Verdict::Refuse(format!(
            "{users} users joined in one task would take minutes: {cause}; use --shape spawn, a task per user, or fewer users"
        ))
    } else {
        Verdict::Warn(format!(
            "warning: {users} users joined in one task: {cause}; --shape spawn, a task per user, avoids it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_times_those_in_flight_decide_between_running_a_warning_and_a_refusal() {
        assert_eq!(judge(31_622, 31_622, 128), Verdict::Run);
        let Verdict::Warn(warning) = judge(100_000, 100_000, 128) else { panic!("not a warning") };
        assert!(
            warning.starts_with("warning: 100000 users") && warning.contains("1e10"),
            "{warning}"
        );
        // Bounded: only those in flight are polled again.
        assert!(matches!(judge(1_000_000, 1_000, 128), Verdict::Warn(_)));
        assert_eq!(judge(1_000_000, 999, 128), Verdict::Run);
        let Verdict::Refuse(refusal) = judge(1_000_000, 1_000_000, 128) else {
            panic!("not refused")
        };
        assert!(refusal.contains("1e12") && refusal.contains("after each 128 polls"), "{refusal}");
        for message in [warning, refusal] {
            assert!(message.contains("--shape spawn") && !message.contains('\n'), "{message}");
        }
    }
}
