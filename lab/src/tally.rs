//! [`Tally`]: what a fan-out returned for the users it was asked for.

use std::{collections::BTreeMap, fmt};

use chain_core::{UserId, UserResult};

/// The accounting of a fan-out: users requested, results, errors by cause, and
/// users lost (requested, but with neither a result nor an error). The fan-outs of
/// this crate lose none; a tally proves it for one run.
///
/// # Examples
///
/// ```
/// use chain_core::{FetchError, FetchErrorKind, Operation, User, UserWithOrders};
/// use chain_lab::Tally;
///
/// let failed = FetchError::from(FetchErrorKind::Failed { user_id: 2, operation: Operation::FetchUser, reason: "down".into() });
/// let results = [Ok(UserWithOrders { user: User::new(1), orders: vec![1, 3, 10, 11] }), Err(failed)];
/// let tally = Tally::of([1, 2, 3], &results).unwrap();
/// assert_eq!((tally.results, tally.errors(), tally.lost), (1, 1, 1));
/// assert_eq!(tally.to_string(), "users requested 3: results 1, errors 1 (1 failed), lost 1");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Tally {
    /// How many users were asked for.
    pub requested: usize,
    /// Users returned with their orders.
    pub results: usize,
    /// Users returned as an error, counted by [`FetchError::cause`](chain_core::FetchError::cause).
    pub errors_by_cause: BTreeMap<String, usize>,
    /// Users asked for that came back with neither.
    pub lost: usize,
}

/// A fan-out's output that is not one entry per requested user in request order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("result {index} should be {}, but it is {found}", expected.map_or_else(|| "absent".to_owned(), |id| format!("user {id}'s")))]
pub struct Misplaced {
    /// Where in the output the entry is.
    pub index: usize,
    /// The user requested at that place; `None` past the end of the request.
    pub expected: Option<UserId>,
    /// Whose entry it is, e.g. "user 9's error".
    pub found: String,
}

impl Tally {
    /// Accounts for `results`, the output of a fan-out over `requested`, in order:
    /// the entry at each place must be for the user requested there.
    ///
    /// # Errors
    ///
    /// An entry for another user, or more entries than users requested.
    pub fn of(
        requested: impl IntoIterator<Item = UserId>,
        results: &[UserResult],
    ) -> Result<Tally, Misplaced> {
        let mut tally = Tally::default();
        let mut entries = results.iter().enumerate();
        for expected in requested {
            tally.requested += 1;
            let Some((index, entry)) = entries.next() else {
                tally.lost += 1;
                continue;
            };
            match entry {
                Ok(value) if value.user.user_id == expected => tally.results += 1,
                Err(error) if error.user_id() == expected => tally.count_error(error.cause()),
                _ => return Err(misplaced(index, Some(expected), entry)),
            }
        }
        match entries.next() {
            Some((index, entry)) => Err(misplaced(index, None, entry)),
            None => Ok(tally),
        }
    }

    fn count_error(&mut self, cause: &str) {
        match self.errors_by_cause.get_mut(cause) {
            Some(n) => *n += 1,
            None => {
                self.errors_by_cause.insert(cause.to_owned(), 1);
            }
        }
    }

    /// Users returned as an error, whatever the cause.
    pub fn errors(&self) -> usize {
        self.errors_by_cause.values().sum()
    }
}

fn misplaced(index: usize, expected: Option<UserId>, entry: &UserResult) -> Misplaced {
    let found = match entry {
        Ok(value) => format!("user {}'s result", value.user.user_id),
        Err(error) => format!("user {}'s error", error.user_id()),
    };
    Misplaced { index, expected, found }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (requested, results, errors) = (self.requested, self.results, self.errors());
        write!(f, "users requested {requested}: results {results}, errors {errors}")?;
        let mut causes = self.errors_by_cause.iter();
        if let Some((cause, n)) = causes.next() {
            write!(f, " ({n} {cause}")?;
            for (cause, n) in causes {
                write!(f, ", {n} {cause}")?;
            }
            f.write_str(")")?;
        }
        write!(f, ", lost {}", self.lost)
    }
}
