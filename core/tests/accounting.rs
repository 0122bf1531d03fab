//! Property tests of [`Tally`]: every requested user is counted exactly once, as a
//! result, an error by its cause, or lost; an entry for the wrong user is caught.

use chain_core::{
    FetchErrorKind, Misplaced, Operation, Tally, User, UserId, UserResult, UserWithOrders,
};
use proptest::prelude::*;

/// What came back for one requested user.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    Result,
    Failed,
    TimedOut,
    Panicked,
}

fn entry(user_id: UserId, outcome: Outcome) -> UserResult {
    let operation = Operation::FetchOrders;
    match outcome {
        Outcome::Result => Ok(UserWithOrders { user: User::new(user_id), orders: vec![] }),
        Outcome::Failed => {
            Err(FetchErrorKind::Failed { user_id, operation, reason: "down".into() }.into())
        }
        Outcome::TimedOut => {
            Err(FetchErrorKind::TimedOut { user_id, operation, after: std::time::Duration::ZERO }
                .into())
        }
        Outcome::Panicked => {
            Err(FetchErrorKind::Panicked { user_id, message: "boom".into() }.into())
        }
    }
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        4 => Just(Outcome::Result),
        1 => Just(Outcome::Failed),
        1 => Just(Outcome::TimedOut),
        1 => Just(Outcome::Panicked),
    ]
}

/// Requested ids (any, repeats allowed), an outcome for each, and how many of them
/// came back (a prefix: a fan-out that loses users loses them from its end).
fn fan_out() -> impl Strategy<Value = (Vec<UserId>, Vec<Outcome>, usize)> {
    prop::collection::vec((any::<UserId>(), outcome()), 0..300).prop_flat_map(|pairs| {
        let n = pairs.len();
        let (ids, outcomes): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
        (Just(ids), Just(outcomes), 0..=n)
    })
}

fn results(ids: &[UserId], outcomes: &[Outcome], returned: usize) -> Vec<UserResult> {
    ids.iter().zip(outcomes).take(returned).map(|(&id, &o)| entry(id, o)).collect()
}

proptest! {
    #[test]
    fn every_requested_user_is_a_result_an_error_or_lost((ids, outcomes, returned) in fan_out()) {
        let tally = Tally::of(ids.iter().copied(), &results(&ids, &outcomes, returned)).unwrap();
        let kept = &outcomes[..returned];
        let count = |wanted: fn(&Outcome) -> bool| kept.iter().filter(|o| wanted(o)).count();
        prop_assert_eq!(tally.requested, ids.len());
        prop_assert_eq!(tally.results + tally.errors() + tally.lost, ids.len());
        prop_assert_eq!(tally.lost, ids.len() - returned);
        prop_assert_eq!(tally.results, count(|o| matches!(o, Outcome::Result)));
        let by_cause = |cause: &str| tally.errors_by_cause.get(cause).copied().unwrap_or(0);
        prop_assert_eq!(by_cause("failed"), count(|o| matches!(o, Outcome::Failed)));
        prop_assert_eq!(by_cause("timed out"), count(|o| matches!(o, Outcome::TimedOut)));
        prop_assert_eq!(by_cause("panicked"), count(|o| matches!(o, Outcome::Panicked)));
    }

    #[test]
    fn the_summary_line_adds_up((ids, outcomes, returned) in fan_out()) {
        let line = Tally::of(ids.iter().copied(), &results(&ids, &outcomes, returned))
            .unwrap()
            .to_string();
        let number_after = |label: &str| -> usize {
            let rest = &line[line.find(label).unwrap() + label.len()..];
            rest.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
        };
        let (requested, results) = (number_after("users requested "), number_after("results "));
        let (errors, lost) = (number_after("errors "), number_after("lost "));
        prop_assert_eq!(requested, ids.len());
        prop_assert_eq!(results + errors + lost, requested);
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
