//! Property tests of [`Tally`]: every requested user is counted exactly once, as a
//! result, an error by its cause, or lost; an entry for the wrong user is caught.

use std::time::Duration;

use chain_core::{
    FetchErrorKind, HttpFailure, Operation, User, UserId, UserResult, UserWithOrders,
};
use chain_lab::{Misplaced, Tally};
use proptest::prelude::*;

/// What came back for one requested user: its value, or the error at this index of
/// [`ERRORS`].
#[derive(Clone, Copy, Debug)]
enum Outcome {
    Result,
    Error(usize),
}

/// Every kind of error a fan-out returns, each with the cause a tally counts it
/// under, written out here rather than taken from the code under test.
const ERRORS: [(&str, MakeError); 11] = [
    ("failed", |user_id| FetchErrorKind::Failed {
        user_id,
        operation: ORDERS,
        reason: "down".into(),
    }),
    ("timed out", |user_id| FetchErrorKind::TimedOut {
        user_id,
        operation: ORDERS,
        after: Duration::ZERO,
    }),
    ("panicked", |user_id| FetchErrorKind::Panicked { user_id, message: "boom".into() }),
    ("cancelled", |user_id| FetchErrorKind::Cancelled { user_id }),
    ("connect", |id| {
        http(
            id,
            HttpFailure::Connect { address: ([127, 0, 0, 1], 1).into(), reason: "refused".into() },
        )
    }),
    ("closed", |id| http(id, HttpFailure::Closed { reason: "reset".into() })),
    ("truncated", |id| http(id, HttpFailure::Truncated { reason: "eof".into() })),
    ("no connection", |id| {
        http(id, HttpFailure::NoConnection { waited: Duration::ZERO, connections: 1 })
    }),
    ("http status", |id| http(id, HttpFailure::Status { status: 500 })),
    ("protocol", |id| http(id, HttpFailure::Protocol { reason: "gibberish".into() })),
    ("malformed", |id| http(id, HttpFailure::Malformed { reason: "not JSON".into() })),
];

/// Builds one kind of error for a user.
type MakeError = fn(UserId) -> FetchErrorKind;

const ORDERS: Operation = Operation::FetchOrders;

fn http(user_id: UserId, failure: HttpFailure) -> FetchErrorKind {
    FetchErrorKind::Http { user_id, operation: ORDERS, failure }
}

fn entry(user_id: UserId, outcome: Outcome) -> UserResult {
    match outcome {
        Outcome::Result => Ok(UserWithOrders { user: User::new(user_id), orders: vec![] }),
        Outcome::Error(kind) => Err(ERRORS[kind].1(user_id).into()),
    }
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        1 => Just(Outcome::Result),
        1 => (0..ERRORS.len()).prop_map(Outcome::Error),
    ]
}

/// Requested ids (from a small range, so that repeats are common), an outcome for
/// each, and how many of them came back (a prefix: a fan-out that loses users loses
/// them from its end).
fn fan_out() -> impl Strategy<Value = (Vec<UserId>, Vec<Outcome>, usize)> {
    prop::collection::vec((0..8 as UserId, outcome()), 0..300).prop_flat_map(|pairs| {
        let n = pairs.len();
        let (ids, outcomes): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
        (Just(ids), Just(outcomes), 0..=n)
    })
}

fn results(ids: &[UserId], outcomes: &[Outcome], returned: usize) -> Vec<UserResult> {
    ids.iter().zip(outcomes).take(returned).map(|(&id, &o)| entry(id, o)).collect()
}

/// The tally of `returned` of `outcomes`, counted here from the outcomes alone.
fn expected_tally(outcomes: &[Outcome], returned: usize) -> Tally {
    let mut tally =
        Tally { requested: outcomes.len(), lost: outcomes.len() - returned, ..Tally::default() };
    for outcome in &outcomes[..returned] {
        match *outcome {
            Outcome::Result => tally.results += 1,
            Outcome::Error(kind) => {
                *tally.errors_by_cause.entry(ERRORS[kind].0.to_owned()).or_default() += 1
            }
        }
    }
    tally
}

proptest! {
    #[test]
    fn every_requested_user_is_a_result_an_error_by_its_cause_or_lost(
        (ids, outcomes, returned) in fan_out(),
    ) {
        let tally = Tally::of(ids.iter().copied(), &results(&ids, &outcomes, returned)).unwrap();
        prop_assert_eq!(&tally, &expected_tally(&outcomes, returned));
        prop_assert_eq!(tally.results + tally.errors() + tally.lost, ids.len());
    }

    #[test]
    fn the_summary_line_states_every_count((ids, outcomes, returned) in fan_out()) {
        let line = Tally::of(ids.iter().copied(), &results(&ids, &outcomes, returned))
            .unwrap()
            .to_string();
        let expected = expected_tally(&outcomes, returned);
        let errors: usize = expected.errors_by_cause.values().sum();
        let causes: Vec<String> =
            expected.errors_by_cause.iter().map(|(cause, n)| format!("{n} {cause}")).collect();
        let causes = if causes.is_empty() { String::new() } else { format!(" ({})", causes.join(", ")) };
        let wanted = format!(
            "users requested {}: results {}, errors {errors}{causes}, lost {}",
            ids.len(), expected.results, expected.lost,
        );
        prop_assert_eq!(line, wanted);
    }

    #[test]
    fn an_entry_for_another_user_is_caught_where_it_is(
        (ids, outcomes, returned) in fan_out().prop_filter("something returned", |f| f.2 > 0),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut entries = results(&ids, &outcomes, returned);
        let index = pick.index(returned);
        let stranger = ids[index].wrapping_add(1);
        entries[index] = entry(stranger, outcomes[index]);
        let error = Tally::of(ids.iter().copied(), &entries).unwrap_err();
        // Entries before `index` are in place, so the first misplaced one is it.
        prop_assert_eq!(error.index, index);
        prop_assert_eq!(error.expected, Some(ids[index]));
        prop_assert!(error.found.contains(&stranger.to_string()), "{}", error);
    }

    #[test]
    fn an_entry_past_the_request_is_caught((ids, outcomes, _) in fan_out(), extra in outcome()) {
        let mut entries = results(&ids, &outcomes, ids.len());
        entries.push(entry(7, extra));
        let error = Tally::of(ids.iter().copied(), &entries).unwrap_err();
        prop_assert_eq!(
            (error.index, error.expected),
            (ids.len(), None),
            "{}", error
        );
    }
}

#[test]
fn misplaced_entries_say_where_and_whose() {
    let error = Misplaced { index: 4, expected: Some(5), found: "user 9's error".into() };
    assert_eq!(error.to_string(), "result 4 should be user 5's, but it is user 9's error");
    let past = Misplaced { index: 3, expected: None, found: "user 1's result".into() };
    assert_eq!(past.to_string(), "result 3 should be absent, but it is user 1's result");
}
