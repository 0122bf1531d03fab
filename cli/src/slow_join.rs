//! A fan-out joined in one task that the runtime makes far slower than its users
//! ([`Launch::slow_joined_fan_out`], tokio's per-task budget): a warning before a
//! run of seconds, a refusal before one of minutes.

use std::time::Duration;

use super::{Command, SourceKind, report::duration};
use chain_core::Shape;
use chain_core::{JoinedFanOut, Launch, Scheduling, SlowJoin};

/// Past this estimate, a warning on stderr before the run.
pub(super) const WARN_ABOVE: Duration = Duration::from_secs(1);
/// Past this estimate, a usage error: the longest latency a command accepts.
pub(super) const REFUSE_ABOVE: Duration = super::MAX_DURATION;

/// What to do about a command's joined fan-out.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Run it: not joined, or not slow.
    Run,
    /// Run it after this warning.
    Warn(String),
    /// Refuse it, with this message.
    Refuse(String),
}

/// The verdict on `command` for runtime `L`'s `flavour`. Only an in-memory source
/// is estimated: over HTTP, the connection limit bounds the users that wait.
pub(super) fn verdict<L: Launch>(command: Option<&Command>, flavour: Scheduling) -> Verdict {
    let (fanout, limit) = match command {
        Some(Command::FanOut(fanout)) => (fanout, None),
        Some(Command::Bounded { fanout, concurrency }) => (fanout, Some(concurrency.get())),
        _ => return Verdict::Run,
    };
    if fanout.shape != Shape::Join || fanout.source.kind != SourceKind::Memory {
        return Verdict::Run;
    }
    let users = fanout.users.get();
    let in_flight = limit.map_or(users, |k| k.min(users));
    let size = JoinedFanOut { users, in_flight, latency: fanout.latency };
    judge(users, L::slow_joined_fan_out(flavour, size))
}

/// The verdict on `users` joined in one task, expected to be `slow`.
fn judge(users: usize, slow: Option<SlowJoin>) -> Verdict {
    let Some(SlowJoin { estimate, cause }) = slow.filter(|slow| slow.estimate > WARN_ABOVE) else {
        return Verdict::Run;
    };
    let about = duration(estimate);
    if estimate > REFUSE_ABOVE {
        Verdict::Refuse(format!(
            "{users} users joined in one task would take about {about} here ({cause}): use --shape spawn, a task per user, or fewer users"
        ))
    } else {
        Verdict::Warn(format!(
            "warning: {users} users joined in one task will take about {about} in a release build ({cause}); --shape spawn, a task per user, avoids it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(seconds: u64) -> Option<SlowJoin> {
        Some(SlowJoin { estimate: Duration::from_secs(seconds), cause: "a budget" })
    }

    #[test]
    fn seconds_are_a_warning_minutes_a_refusal_and_both_name_the_remedy() {
        assert_eq!(judge(10, None), Verdict::Run);
        assert_eq!(
            judge(10, Some(SlowJoin { estimate: WARN_ABOVE, cause: "a budget" })),
            Verdict::Run
        );
        let Verdict::Warn(warning) = judge(100_000, slow(5)) else { panic!("not a warning") };
        assert!(
            warning.starts_with("warning: 100000 users") && warning.contains("5.000 s"),
            "{warning}"
        );
        let Verdict::Refuse(refusal) = judge(1_000_000, slow(540)) else { panic!("not refused") };
        assert!(refusal.contains("9 min 0 s") && refusal.contains("(a budget)"), "{refusal}");
        for message in [warning, refusal] {
            assert!(message.contains("--shape spawn") && !message.contains('\n'), "{message}");
        }
    }
}
