//! The conformance cases over HTTP: the article's assertion, the fan-outs and every
//! error case, with [`HttpSource`] against a record service `S` started for the case
//! on threads of its own.
//!
//! Faults are injected by the service from a seed, so each case knows exactly which
//! fetches fail and checks that those, and only those, are errors naming their user.

use std::{
    net::{SocketAddr, TcpListener},
    num::NonZeroUsize,
    time::Duration,
};

use futures::future::{Either, select};

use super::{
    HoldingUsers,
    cases::{cancel_every_fan_out_part_way, each_user_once_in_request_order, eventually},
};
use chain_contract::{Launch, run_on_worker, timeout};
use chain_core::{
    DataSource, FetchError, FetchErrorKind, HttpFailure, Operation, UserId, UserResult, fan_out,
    fan_out_bounded, fan_out_bounded_spawned, get_user_with_orders,
    model::article_user_with_orders, readable::duration,
};
use chain_http::{HttpSource, Route, WireFault, WireFaultPlan};
use chain_lab::{Hedging, Instrumented, Tail, Tally};
use record_service::{Answered, RecordService, ServiceConfig};

/// A fault rate that faults some fetches and leaves most alone.
const SOME: f64 = 0.2;
/// Users of the fault cases: enough for every kind of outcome to occur.
const USERS: UserId = 300;
/// The time limit of cases whose fetches wait for connections but must not fail
/// for it: so long that no machine's speed reaches it, so only a hang fails them.
const HANG_LIMIT: Duration = Duration::from_secs(60);
/// A service delay that no case waits out: its requests are only ever cancelled.
const FOREVER: Duration = Duration::from_secs(3600);

fn service(config: ServiceConfig) -> RecordService {
    RecordService::start(config).expect("the record service starts")
}

/// The article's assertion, users 2 and 3, and both fetches in flight together, over
/// loopback HTTP.
pub fn article_assertion_holds_over_http<R: Launch>(rt: R) {
    let service = service(ServiceConfig::default());
    let source = Instrumented::new(HttpSource::new(&rt, service.address()));
    let counted = source.clone();
    let results = run_on_worker(&rt, async move {
        let mut results = Vec::new();
        for user in 1..=3 {
            results.push(get_user_with_orders(&counted, user).await);
        }
        results
    });
    for (user, result) in (1..=3).zip(results) {
        assert_eq!(result.unwrap(), article_user_with_orders(user));
    }
    assert_eq!(source.all().peak(), 2, "the two requests of a chain are in flight together");
}

/// A user a service does not know (one told to know users 1 to 10) is a 404 naming
/// the user, for either fetch, and the chain fails with it.
pub fn unknown_user_is_a_404_naming_the_user_over_http<R: Launch>(rt: R) {
    let service = service(ServiceConfig { users: Some(10), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address());
    let (chain, orders) = run_on_worker(&rt, async move {
        use chain_core::DataSource;
        (get_user_with_orders(&source, 11).await, source.fetch_orders(11).await)
    });
    for (error, fetches) in [(chain.err(), "the chain"), (orders.err(), "fetch_orders")] {
        match error.as_ref().map(FetchError::kind) {
            Some(FetchErrorKind::Http {
                user_id: 11,
                failure: HttpFailure::Status { status: 404 },
                ..
            }) => {}
            other => panic!("expected a 404 for user 11 from {fetches}, got {other:?}"),
        }
    }
}

/// Every fan-out over HTTP returns each of 500 users once, in request order (1,000
/// requests queueing for the pool's 100 connections).
pub fn every_fan_out_returns_each_user_once_in_request_order_over_http<R: Launch>(rt: R) {
    let service = service(ServiceConfig::default());
    let source = HttpSource::new(&rt, service.address()).with_timeout(HANG_LIMIT);
    each_user_once_in_request_order(rt, source, 500);
}

/// Bounded fan-out over HTTP has exactly K users in flight at its peak, never more.
pub fn bounded_fan_out_never_exceeds_its_limit_over_http<R: Launch>(rt: R) {
    const LIMIT: usize = 16;
    let service = service(ServiceConfig::default());
    for spawned in [false, true] {
        // No user's request leaves before LIMIT users have started: the limit is
        // reached for certain, and a fan-out that admitted fewer fails at the gate.
        let client = HttpSource::new(&rt, service.address()).with_timeout(HANG_LIMIT);
        let source = Instrumented::new(HoldingUsers::new(rt.clone(), client, LIMIT));
        let (rt2, counted) = (rt.clone(), source.clone());
        let results = run_on_worker(&rt, async move {
            let limit = NonZeroUsize::new(LIMIT).unwrap();
            match spawned {
                false => fan_out_bounded(&counted, 1..=500, limit).await,
                true => fan_out_bounded_spawned(&rt2, &counted, 1..=500, limit).await,
            }
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 500, "spawned: {spawned}");
        assert_eq!(source.users().peak(), LIMIT, "spawned: {spawned}");
        assert_eq!(source.users().live(), 0);
    }
}

/// Connections are kept alive and reused, and never more than the limit are open.
pub fn connections_are_reused_and_never_exceed_the_limit<R: Launch>(rt: R) {
    const CONNECTIONS: usize = 8;
    let service = service(ServiceConfig::default());
    let source = HttpSource::new(&rt, service.address())
        .with_connections(NonZeroUsize::new(CONNECTIONS).unwrap())
        .with_timeout(HANG_LIMIT);
    let counted = source.clone();
    let results = run_on_worker(&rt, async move { fan_out(&counted, 1..=1000).await });
    assert!(results.iter().all(Result::is_ok));
    let opened = source.connections_opened();
    assert!((1..=CONNECTIONS as u64).contains(&opened), "2000 requests opened {opened}");
    assert_eq!(service.connections_accepted(), opened);
}

/// A refused connection is an error naming the user and the cause, for every user.
pub fn refused_connection_names_the_user_and_the_cause<R: Launch>(rt: R) {
    let closed_port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().unwrap()
    };
    let results = fan_out_against(&rt, closed_port);
    let refused = |f: &HttpFailure| matches!(f, HttpFailure::Connect { .. });
    let says = format!("cannot connect to {closed_port}: ");
    every_user_failed_with(&results, "a refused connection", refused, &says);
}

/// A peer that answers something other than HTTP: every user's error names the user
/// and says the answer was not HTTP/1.1.
pub fn non_http_reply_names_the_user_and_the_cause<R: Launch>(rt: R) {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().unwrap();
    // A thread answering each connection with a line that is not HTTP: one connection
    // per request (20 users, two requests each; a failed connection is never reused).
    std::thread::spawn(move || {
        for mut stream in listener.incoming().take(40).map_while(Result::ok) {
            let _ = stream.read(&mut [0; 1024]);
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        }
    });
    let results = fan_out_against(&rt, address);
    let not_http = |f: &HttpFailure| matches!(f, HttpFailure::Protocol { .. });
    every_user_failed_with(
        &results,
        "an answer that is not HTTP",
        not_http,
        "not an HTTP/1.1 answer: ",
    );
}

/// A service that answers 500 fails exactly the faulted users, each error naming its
/// user and the status; every other user's result arrives.
pub fn server_error_names_the_user_and_the_others_complete<R: Launch>(rt: R) {
    let is_500 = |f: &HttpFailure| *f == HttpFailure::Status { status: 500 };
    faulty_fan_out(rt, WireFault::ServerError, is_500, "HTTP 500");
}

/// A service that closes the connection instead of answering: an error for exactly
/// that user, saying the connection closed.
pub fn dropped_connection_names_the_user_and_the_others_complete<R: Launch>(rt: R) {
    let is_closed = |f: &HttpFailure| matches!(f, HttpFailure::Closed { .. });
    faulty_fan_out(rt, WireFault::Drop, is_closed, "connection closed mid-response: ");
}

/// A service that closes mid-body: an error for exactly that user, saying its answer
/// was cut short (not that the connection closed before answering).
pub fn truncated_body_names_the_user_and_the_others_complete<R: Launch>(rt: R) {
    let is_truncated = |f: &HttpFailure| matches!(f, HttpFailure::Truncated { .. });
    faulty_fan_out(rt, WireFault::Truncate, is_truncated, "answer cut short: ");
}

/// Malformed JSON: an error for exactly that user, saying the body was malformed.
pub fn malformed_json_names_the_user_and_the_others_complete<R: Launch>(rt: R) {
    let is_malformed = |f: &HttpFailure| matches!(f, HttpFailure::Malformed { .. });
    faulty_fan_out(rt, WireFault::MalformedJson, is_malformed, "malformed JSON: ");
}

/// A service that closes connections after answering loses no answer: each is kept,
/// a closed connection is never used again (no GET needs sending twice), and each
/// close costs exactly one new connection.
pub fn answers_on_closing_connections_are_kept<R: Launch>(rt: R) {
    const CONNECTIONS: u64 = 4;
    let faults = WireFaultPlan::new(0.5, 5, &[WireFault::Close]).unwrap();
    let service = service(ServiceConfig { faults: faults.clone(), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address())
        .with_connections(NonZeroUsize::new(CONNECTIONS as usize).unwrap())
        .with_timeout(HANG_LIMIT);
    let counted = source.clone();
    let results = run_on_worker(&rt, async move { fan_out(&counted, 1..=USERS).await });
    for (user, result) in (1..).zip(results) {
        assert_eq!(result.unwrap(), article_user_with_orders(user));
    }
    let closes = (1..=USERS)
        .flat_map(|user| [Operation::FetchUser, Operation::FetchOrders].map(|op| (op, user)))
        .filter(|&(op, user)| faults.for_request(Route::new(op, user)) == Some(WireFault::Close))
        .count() as u64;
    assert_eq!(source.requests_resent(), 0, "a connection closed after its answer was reused");
    // Every close ends one connection; at most the pool's limit are still open.
    let opened = source.connections_opened();
    assert!((closes..=closes + CONNECTIONS).contains(&opened), "{closes} closes, {opened} opened");
    assert_eq!(service.connections_accepted(), opened);
}

/// A GET whose kept-alive connection turns out closed is sent once more, on a new
/// connection, and counted: over one connection, fetched one after another, each
/// dropped request that follows an answered one (so that it reused that connection)
/// is resent exactly once, and no other is.
pub fn a_get_on_a_closed_kept_alive_connection_is_sent_once_more<R: Launch>(rt: R) {
    let faults = WireFaultPlan::new(0.3, 7, &[WireFault::Drop]).unwrap();
    let service = service(ServiceConfig { faults: faults.clone(), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address()).with_connections(NonZeroUsize::MIN);
    let counted = source.clone();
    let results = run_on_worker(&rt, async move {
        let mut results = Vec::new();
        for user in 1..=USERS {
            results.push(counted.fetch_user(user).await.is_ok());
        }
        results
    });
    let dropped: Vec<bool> = (1..=USERS)
        .map(|user| faults.for_request(Route::new(Operation::FetchUser, user)).is_some())
        .collect();
    assert_eq!(results, dropped.iter().map(|d| !d).collect::<Vec<_>>());
    // A connection is idle after an answer, and gone after a drop.
    let resent = dropped.windows(2).filter(|pair| pair == &[false, true]).count() as u64;
    assert!(resent > 0, "the case proves nothing");
    assert_eq!(source.requests_resent(), resent);
}

/// A service slower than the source's time limit: every fetch fails with a timeout
/// naming its user, not before the limit has passed on the runtime's clock, and the
/// fan-out returns instead of waiting for the service.
pub fn slow_service_times_out_naming_the_user<R: Launch>(rt: R) {
    const LIMIT: Duration = Duration::from_millis(100);
    let service = service(ServiceConfig { delay: FOREVER, ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address()).with_timeout(LIMIT);
    let rt2 = rt.clone();
    let (results, took) = run_on_worker(&rt, async move {
        let start = rt2.now();
        (fan_out(&source, 1..=50).await, rt2.now() - start)
    });
    assert!(took >= LIMIT, "timed out after {took:?}, before the limit of {LIMIT:?}");
    for (user, result) in (1..).zip(&results) {
        match result.as_ref().map_err(FetchError::kind) {
            Err(FetchErrorKind::TimedOut { user_id, after: LIMIT, operation })
                if *user_id == user =>
            {
                let says = format!("{operation}({user}) timed out after {}", duration(LIMIT));
                assert_eq!(result.as_ref().unwrap_err().to_string(), says);
            }
            other => panic!("user {user}: expected a timeout after {LIMIT:?}, got {other:?}"),
        }
    }
}

/// The pool's one connection held by a request to a service that never answers:
/// each fetch waiting for a connection fails for lack of one once it has waited the
/// time limit (not before), instead of waiting its turn behind the held one.
pub fn waiting_for_a_connection_is_limited_too<R: Launch>(rt: R) {
    const LIMIT: Duration = Duration::from_millis(50);
    let service = service(ServiceConfig { delay: FOREVER, ..ServiceConfig::default() });
    // Clones share the pool; each has its own time limit.
    let waiting = HttpSource::new(&rt, service.address())
        .with_connections(NonZeroUsize::MIN)
        .with_timeout(LIMIT);
    let holder = waiting.clone().with_timeout(FOREVER);
    let (rt2, counted) = (rt.clone(), waiting.clone());
    let (results, waited) = run_on_worker(&rt, async move {
        let held = holder.fetch_user(1);
        let wait = async {
            eventually(&rt2, "the held request has the connection", || {
                holder.connections_opened() == 1
            })
            .await;
            let start = rt2.now();
            let all = timeout(&rt2, HANG_LIMIT, fan_out(&waiting, 1..=20)).await;
            let all = all.expect("fetches waiting for a connection wait their turn: unlimited");
            (all, rt2.now() - start)
        };
        match select(std::pin::pin!(wait), std::pin::pin!(held)).await {
            Either::Left((outcome, _held)) => outcome,
            Either::Right((answer, _)) => {
                panic!("a service that never answers answered {answer:?}")
            }
        }
    });
    assert!(waited >= LIMIT, "fetches gave up on a connection after {waited:?}, before {LIMIT:?}");
    let expected = HttpFailure::NoConnection { waited: LIMIT, connections: 1 };
    for (user, result) in (1..).zip(&results) {
        match result.as_ref().map_err(|e| (e.kind(), e.to_string())) {
            Err((FetchErrorKind::Http { user_id, failure, operation }, text))
                if *user_id == user && *failure == expected =>
            {
                let says = format!(
                    "{operation}({user}) failed: no free connection within {} (all 1 busy)",
                    duration(LIMIT)
                );
                assert_eq!(text, says, "user {user}");
            }
            other => panic!("user {user}: expected {expected:?}, got {other:?}"),
        }
    }
    assert_eq!(counted.connections_opened(), 1, "only the held request had a connection");
}

/// Each fan-out dropped part-way while its requests wait on a service that takes an
/// hour to answer: every fetch is dropped promptly, with the connection it held.
pub fn cancelled_fan_out_over_http_leaves_no_fetch_running<R: Launch>(rt: R) {
    let service = service(ServiceConfig { delay: FOREVER, ..ServiceConfig::default() });
    let address = service.address();
    let make = || {
        let source = HttpSource::new(&rt, address).with_connections(NonZeroUsize::new(10).unwrap());
        Instrumented::new(source.with_timeout(FOREVER))
    };
    // Every connection of the pool carries a request the service sits on.
    cancel_every_fan_out_part_way(&rt, make, |source| source.inner().connections_opened() >= 10);
}

/// A fan-out of users 1 to 20 against `address`, with a short time limit.
fn fan_out_against<R: Launch>(rt: &R, address: SocketAddr) -> Vec<UserResult> {
    let source = HttpSource::new(rt, address).with_timeout(Duration::from_secs(5));
    let results = run_on_worker(rt, async move { fan_out(&source, 1..=20).await });
    assert_eq!(results.len(), 20);
    results
}

/// Checks that every user of `results` (users 1, 2, ...) failed with an HTTP error
/// naming the user, whose failure `expected` accepts and whose message reads
/// `{operation}({user}) failed: {says}...`; `what` names the failure in a panic.
fn every_user_failed_with(
    results: &[UserResult],
    what: &str,
    expected: fn(&HttpFailure) -> bool,
    says: &str,
) {
    for (user, result) in (1..).zip(results) {
        match result.as_ref().map_err(FetchError::kind) {
            Err(FetchErrorKind::Http { user_id, operation, failure })
                if *user_id == user && expected(failure) =>
            {
                let text = result.as_ref().unwrap_err().to_string();
                let prefix = format!("{operation}({user}) failed: {says}");
                assert!(text.starts_with(&prefix), "user {user}: {text:?} is not {prefix:?}...");
            }
            other => panic!("user {user}: expected {what}, got {other:?}"),
        }
    }
}

/// Fans out over a service that injects `fault` into some answers, and checks every
/// user: a result where neither request was faulted, otherwise an error naming the
/// user, one of its faulted requests, and a failure that `expected` accepts, whose
/// message reads `{operation}({user}) failed: {says}...`.
fn faulty_fan_out<R: Launch>(
    rt: R,
    fault: WireFault,
    expected: fn(&HttpFailure) -> bool,
    says: &str,
) {
    let faults = WireFaultPlan::new(SOME, 11, &[fault]).unwrap();
    let service = service(ServiceConfig { faults: faults.clone(), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address());
    let results = run_on_worker(&rt, async move { fan_out(&source, 1..=USERS).await });
    assert_eq!(results.len(), USERS as usize, "every user is accounted for");
    let mut failed = 0;
    for (user, result) in (1..).zip(results) {
        let faulted: Vec<Operation> = [Operation::FetchUser, Operation::FetchOrders]
            .into_iter()
            .filter(|&op| faults.for_request(Route::new(op, user)).is_some())
            .collect();
        match result.as_ref().map_err(FetchError::kind) {
            Ok(value) if faulted.is_empty() => assert_eq!(*value, article_user_with_orders(user)),
            Err(FetchErrorKind::Http { user_id, operation, failure })
                if *user_id == user && faulted.contains(operation) && expected(failure) =>
            {
                let text = result.as_ref().unwrap_err().to_string();
                let prefix = format!("{operation}({user}) failed: {says}");
                assert!(text.starts_with(&prefix), "user {user}: {text:?} is not {prefix:?}...");
                failed += 1;
            }
            other => panic!("user {user} (faulted: {faulted:?}): unexpected {other:?}"),
        }
    }
    assert!(failed > 0 && failed < USERS, "{failed} of {USERS} failed: the case proves nothing");
}

/// A record service with a tail slows the fetches a tail in memory would, for the
/// same seed: each answers no sooner than the slow time, and the service counts as
/// many slow answers as the seed picks.
pub fn a_service_s_tail_slows_the_fetches_its_seed_picks<R: Launch>(rt: R) {
    const USERS: UserId = 40;
    let slow = Duration::from_millis(20);
    let tail = Tail::new(0.25, slow, 5).unwrap();
    let service = service(ServiceConfig { tail, ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address()).with_timeout(HANG_LIMIT);
    let rt2 = rt.clone();
    let took: Vec<Duration> = run_on_worker(&rt, async move {
        let mut took = Vec::new();
        for user in 1..=USERS {
            let start = rt2.now();
            source.fetch_orders(user).await.expect("a tail only delays");
            took.push(rt2.now() - start);
        }
        took
    });
    let slowed: Vec<bool> =
        (1..=USERS).map(|user| tail.is_slow(user, Operation::FetchOrders, 0)).collect();
    let planned = slowed.iter().filter(|&&s| s).count() as u64;
    assert_eq!(service.answered(), Answered { all: USERS, slow: planned });
    assert!(planned > 0 && planned < USERS, "{slowed:?}");
    for (user, (took, slowed)) in (1..).zip(took.into_iter().zip(slowed)) {
        assert!(!slowed || took >= slow, "user {user}: slow, took {took:?}");
    }
}

/// A hedged fan-out over HTTP. With a connection for every copy, exactly the fetches
/// whose first copy the service's tail slows get an extra copy, and it answers
/// first exactly where the service's draw for copy 1 (told by the `Hedge-Copy`
/// header) is quick. With few connections, copies queue for them and the limit
/// holds. Either way every user gets one result, each fetch exactly one answer,
/// and once the fan-out returns no copy is in flight and every open connection is
/// idle in the pool: a losing copy's connection is closed, never left held.
pub fn a_hedged_fan_out_over_http_cancels_the_losers_and_keeps_the_connection_limit<R: Launch>(
    rt: R,
) {
    const USERS: UserId = 40;
    let tail = Tail::new(0.2, Duration::from_millis(400), 3).unwrap();
    let service = service(ServiceConfig { tail, ..ServiceConfig::default() });
    let fetches = (1..=USERS)
        .flat_map(|id| [Operation::FetchUser, Operation::FetchOrders].map(|op| (id, op)));
    let late: Vec<_> = fetches.filter(|&(id, op)| tail.is_slow(id, op, 0)).collect();
    let rescued = late.iter().filter(|&&(id, op)| !tail.is_slow(id, op, 1)).count() as u64;
    assert!(late.len() as u64 > rescued && rescued > 0, "the seed shows both");
    for connections in [100, 4] {
        let limit = NonZeroUsize::new(connections).unwrap();
        let http = HttpSource::new(&rt, service.address())
            .with_connections(limit)
            .with_timeout(HANG_LIMIT);
        let copies = Instrumented::new(http.clone());
        let hedged = Hedging::new(copies.clone(), &rt, Some(Duration::from_millis(100)));
        let source = hedged.clone();
        let (results, live, completed) = run_on_worker(&rt, async move {
            let results = fan_out(&source, 1..=USERS).await;
            (results, source.inner().all().live(), source.inner().all().completed())
        });
        let tally = Tally::of(1..=USERS, &results).unwrap();
        assert_eq!((tally.results, tally.lost), (USERS as usize, 0), "{connections}: {tally}");
        assert_eq!((live, completed), (0, 2 * USERS as usize), "{connections}: one answer a fetch");
        assert_eq!(http.connections_open(), http.connections_idle() as u64, "{connections}: held");
        assert!(http.connections_peak() <= connections as u64, "{connections}: over the limit");
        let budget = hedged.budget();
        if connections == 100 {
            assert_eq!((budget.extra(), budget.extra_won()), (late.len() as u64, rescued));
        }
    }
}
