//! Whether a run's outcome is what it should be: results against the article's data,
//! every user accounted for, and errors against the faults injected, if any.

use chain_core::{FetchError, UserId, UserResult, model::article_user_with_orders};
use chain_lab::{FaultPlan, Tally};

/// The chain's value, or why it is not the article's answer for `user`.
pub(super) fn checked(
    user: UserId,
    result: UserResult,
) -> Result<chain_core::UserWithOrders, String> {
    let value = result.map_err(|e| e.to_string())?;
    if value == article_user_with_orders(user) {
        Ok(value)
    } else {
        Err(format!("wrong result for user {user}: {value}"))
    }
}

/// `result`, unless it is an error that `plan` injected: that error, which is the
/// experiment's outcome rather than a failure of the run.
pub(super) fn injected(
    result: UserResult,
    plan: Option<&FaultPlan>,
) -> Result<UserResult, FetchError> {
    match result {
        Err(error) if plan.is_some_and(|plan| plan.explains(&error)) => Err(error),
        result => Ok(result),
    }
}

/// The fan-out's [`Tally`]; an error if an entry is for the wrong user, a result
/// is wrong, or a user was lost.
pub(super) fn summary(requested: usize, results: &[UserResult]) -> Result<Tally, String> {
    let tally = Tally::of(1..=requested as UserId, results).map_err(|e| e.to_string())?;
    if let Some(wrong) =
        results.iter().flatten().find(|v| **v != article_user_with_orders(v.user.user_id))
    {
        return Err(format!("wrong result for user {}: {wrong}", wrong.user.user_id));
    }
    if tally.lost > 0 {
        return Err(format!("{tally}: a fan-out lost users"));
    }
    Ok(tally)
}

/// The first error in `results` that `plan` did not inject (without a plan, the
/// first error), saying how many more there were: the run failed.
pub(super) fn unexplained(results: &[UserResult], plan: Option<&FaultPlan>) -> Option<String> {
    let mut errors = results
        .iter()
        .filter_map(|result| result.as_ref().err())
        .filter(|error| !plan.is_some_and(|plan| plan.explains(error)));
    let first = errors.next()?;
    Some(match errors.count() {
        0 => first.to_string(),
        1 => format!("{first} (and 1 more user failed without an injected fault)"),
        more => format!("{first} (and {more} more users failed without an injected fault)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chain_core::{FetchErrorKind, Operation};

    fn failed(user_id: UserId, reason: &str) -> UserResult {
        let kind = FetchErrorKind::Failed {
            user_id,
            operation: Operation::FetchUser,
            reason: reason.into(),
        };
        Err(kind.into())
    }

    #[test]
    fn without_faults_the_first_error_fails_the_run_and_counts_the_others() {
        let results = [Ok(article_user_with_orders(1)), failed(2, "refused"), failed(3, "refused")];
        let message = unexplained(&results, None).unwrap();
        assert!(message.starts_with("fetch_user(2) failed: refused (and 1 more user"), "{message}");
        assert_eq!(unexplained(&results[..1], None), None);
    }

    #[test]
    fn injected_errors_do_not_fail_the_run_and_others_still_do() {
        let plan = FaultPlan::new(0).with_failures(0.5).unwrap();
        let injected = failed(2, "injected failure");
        assert_eq!(unexplained(std::slice::from_ref(&injected), Some(&plan)), None);
        let message = unexplained(&[injected, failed(3, "refused")], Some(&plan)).unwrap();
        assert_eq!(message, "fetch_user(3) failed: refused");
    }
}
