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

use super::cases::{cancel_every_fan_out_part_way, each_user_once_in_request_order};
use crate::{
    FetchError, FetchErrorKind, HttpFailure, Instrumented, Operation, Runtime, UserId, UserResult,
    fan_out, fan_out_bounded, fan_out_bounded_spawned, get_user_with_orders,
    http::{Fault, Faults, HttpSource, Route, Service, ServiceConfig},
    model::article_user_with_orders,
    run_on_worker,
};

/// A fault rate that faults some fetches and leaves most alone.
const SOME: f64 = 0.2;
/// Users of the fault cases: enough for every kind of outcome to occur.
const USERS: UserId = 300;

fn service<S: Service>(config: ServiceConfig) -> S {
    S::start(config).expect("the record service starts")
}

/// The article's assertion, users 2 and 3, and both fetches in flight together, over
/// loopback HTTP.
pub fn article_assertion_holds_over_http<R: Runtime, S: Service>(rt: R) {
    let service: S = service(ServiceConfig::default());
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

/// An unknown user is a 404 naming the user; their orders are `[]`, as in the article.
pub fn unknown_user_is_a_404_naming_the_user_over_http<R: Runtime, S: Service>(rt: R) {
    let service: S = service(ServiceConfig { users: 10, ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address());
    let (chain, orders) = run_on_worker(&rt, async move {
        use crate::DataSource;
        (get_user_with_orders(&source, 11).await, source.fetch_orders(11).await)
    });
    assert!(orders.unwrap().is_empty());
    match chain.as_ref().map_err(FetchError::kind) {
        Err(FetchErrorKind::Http {
            user_id: 11,
            operation: Operation::FetchUser,
            failure: HttpFailure::Status { status: 404 },
        }) => {}
        other => panic!("expected a 404 for user 11, got {other:?}"),
    }
}

/// Every fan-out over HTTP returns each of 10,000 users once, in request order.
pub fn every_fan_out_returns_each_user_once_in_request_order_over_http<R: Runtime, S: Service>(
    rt: R,
) {
    let service: S = service(ServiceConfig::default());
    let source = HttpSource::new(&rt, service.address());
    each_user_once_in_request_order(rt, source);
}

/// Bounded fan-out over HTTP never has more than K users in flight.
pub fn bounded_fan_out_never_exceeds_its_limit_over_http<R: Runtime, S: Service>(rt: R) {
    const LIMIT: usize = 16;
    let service: S = service(ServiceConfig::default());
    for spawned in [false, true] {
        let source = Instrumented::new(HttpSource::new(&rt, service.address()));
        let (rt2, counted) = (rt.clone(), source.clone());
        let results = run_on_worker(&rt, async move {
            let limit = NonZeroUsize::new(LIMIT).unwrap();
            match spawned {
                false => fan_out_bounded(&counted, 1..=2000, limit).await,
                true => fan_out_bounded_spawned(&rt2, &counted, 1..=2000, limit).await,
            }
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2000, "spawned: {spawned}");
        assert!(source.users().peak() <= LIMIT, "spawned: {spawned}");
        assert_eq!(source.users().live(), 0);
    }
}

/// Connections are kept alive and reused, and never more than the limit are open.
pub fn connections_are_reused_and_never_exceed_the_limit<R: Runtime, S: Service>(rt: R) {
    const CONNECTIONS: usize = 8;
    let service: S = service(ServiceConfig::default());
    let source = HttpSource::new(&rt, service.address())
        .with_connections(NonZeroUsize::new(CONNECTIONS).unwrap());
    let counted = source.clone();
    let results = run_on_worker(&rt, async move { fan_out(&counted, 1..=1000).await });
    assert!(results.iter().all(Result::is_ok));
    let opened = source.connections_opened();
    assert!((1..=CONNECTIONS as u64).contains(&opened), "2000 requests opened {opened}");
    assert_eq!(service.connections_accepted(), opened);
}

/// A refused connection is an error naming the user and the cause, for every user.
pub fn refused_connection_names_the_user_and_the_cause<R: Runtime, S: Service>(rt: R) {
    let closed_port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().unwrap()
    };
    let results = fan_out_against(&rt, closed_port);
    for (user, result) in (1..).zip(&results) {
        match result.as_ref().map_err(FetchError::kind) {
            Err(FetchErrorKind::Http { user_id, failure: HttpFailure::Connect { .. }, .. })
                if *user_id == user => {}
            other => panic!("user {user}: expected a refused connection, got {other:?}"),
        }
    }
}

/// A service that answers 500 fails exactly the faulted users, each error naming its
/// user and the status; every other user's result arrives.
pub fn server_error_names_the_user_and_the_others_complete<R: Runtime, S: Service>(rt: R) {
    faulty_fan_out::<R, S>(rt, Fault::ServerError, |f| *f == HttpFailure::Status { status: 500 });
}

/// A service that closes the connection instead of answering: an error for exactly
/// that user, saying the connection closed.
pub fn dropped_connection_names_the_user_and_the_others_complete<R: Runtime, S: Service>(rt: R) {
    faulty_fan_out::<R, S>(rt, Fault::Drop, |f| matches!(f, HttpFailure::Closed { .. }));
}

/// A service that closes mid-body: an error for exactly that user, saying its answer
/// was cut short (not that the connection closed before answering).
pub fn truncated_body_names_the_user_and_the_others_complete<R: Runtime, S: Service>(rt: R) {
    faulty_fan_out::<R, S>(rt, Fault::Truncate, |f| matches!(f, HttpFailure::Truncated { .. }));
}

/// Malformed JSON: an error for exactly that user, saying the body was malformed.
pub fn malformed_json_names_the_user_and_the_others_complete<R: Runtime, S: Service>(rt: R) {
    faulty_fan_out::<R, S>(rt, Fault::MalformedJson, |f| {
        matches!(f, HttpFailure::Malformed { .. })
    });
}

/// A service that closes connections after answering loses no answer: each is kept,
/// and a closed connection is never used again.
pub fn answers_on_closing_connections_are_kept<R: Runtime, S: Service>(rt: R) {
    let faults = Faults::new(0.5, 5, &[Fault::Close]).unwrap();
    let service: S = service(ServiceConfig { faults, ..ServiceConfig::default() });
    let source =
        HttpSource::new(&rt, service.address()).with_connections(NonZeroUsize::new(4).unwrap());
    let counted = source.clone();
    let results = run_on_worker(&rt, async move { fan_out(&counted, 1..=USERS).await });
    for (user, result) in (1..).zip(results) {
        assert_eq!(result.unwrap(), article_user_with_orders(user));
    }
    assert!(source.connections_opened() > 4, "closed connections were replaced");
}

/// A service slower than the source's time limit: every fetch fails with a timeout
/// naming its user, and the fan-out returns instead of waiting for the service.
pub fn slow_service_times_out_naming_the_user<R: Runtime, S: Service>(rt: R) {
    const LIMIT: Duration = Duration::from_millis(100);
    let service: S =
        service(ServiceConfig { delay: Duration::from_secs(3600), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address()).with_timeout(LIMIT);
    let results = run_on_worker(&rt, async move { fan_out(&source, 1..=50).await });
    for (user, result) in (1..).zip(&results) {
        match result.as_ref().map_err(FetchError::kind) {
            Err(FetchErrorKind::TimedOut { user_id, after: LIMIT, .. }) if *user_id == user => {}
            other => panic!("user {user}: expected a timeout after {LIMIT:?}, got {other:?}"),
        }
    }
}

/// A service that never answers, and more users than connections: the fetches that
/// have a connection time out, and those waiting for one fail for lack of one after
/// the same limit, instead of each waiting its turn to time out.
pub fn waiting_for_a_connection_is_limited_too<R: Runtime, S: Service>(rt: R) {
    const LIMIT: Duration = Duration::from_millis(50);
    let service: S =
        service(ServiceConfig { delay: Duration::from_secs(3600), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, service.address())
        .with_connections(NonZeroUsize::new(2).unwrap())
        .with_timeout(LIMIT);
    let counted = source.clone();
    let results = run_on_worker(&rt, async move { fan_out(&source, 1..=40).await });
    let mut no_connection = 0;
    for (user, result) in (1..).zip(&results) {
        match result.as_ref().map_err(FetchError::kind) {
            Err(FetchErrorKind::TimedOut { user_id, after: LIMIT, .. }) if *user_id == user => {}
            Err(FetchErrorKind::Http { user_id, failure, .. })
                if *user_id == user
                    && *failure == HttpFailure::NoConnection { waited: LIMIT, connections: 2 } =>
            {
                no_connection += 1
            }
            other => panic!("user {user}: expected a timeout after {LIMIT:?}, got {other:?}"),
        }
    }
    // 80 requests, 2 connections: had the wait been unlimited, every request would
    // have had its turn on a connection, over 40 limits.
    assert!(no_connection >= 30, "{no_connection} of 40 users failed waiting for a connection");
    assert!(counted.connections_opened() <= 6, "{} opened", counted.connections_opened());
}

/// Each fan-out dropped part-way while its requests wait on a service that takes an
/// hour to answer: every fetch is dropped promptly, with the connection it held.
pub fn cancelled_fan_out_over_http_leaves_no_fetch_running<R: Runtime, S: Service>(rt: R) {
    let service: S =
        service(ServiceConfig { delay: Duration::from_secs(3600), ..ServiceConfig::default() });
    let address = service.address();
    let make = || {
        let source = HttpSource::new(&rt, address).with_connections(NonZeroUsize::new(10).unwrap());
        Instrumented::new(source.with_timeout(Duration::from_secs(3600)))
    };
    // Every connection of the pool carries a request the service sits on.
    cancel_every_fan_out_part_way(&rt, make, |source| source.inner().connections_opened() >= 10);
}

/// A fan-out of users 1 to 20 against `address`, with a short time limit.
fn fan_out_against<R: Runtime>(rt: &R, address: SocketAddr) -> Vec<UserResult> {
    let source = HttpSource::new(rt, address).with_timeout(Duration::from_secs(5));
    let results = run_on_worker(rt, async move { fan_out(&source, 1..=20).await });
    assert_eq!(results.len(), 20);
    results
}

/// Fans out over a service that injects `fault` into some answers, and checks every
/// user: a result where neither request was faulted, otherwise an error naming the
/// user, one of its faulted requests, and a failure that `expected` accepts.
fn faulty_fan_out<R: Runtime, S: Service>(rt: R, fault: Fault, expected: fn(&HttpFailure) -> bool) {
    let faults = Faults::new(SOME, 11, &[fault]).unwrap();
    let service: S = service(ServiceConfig { faults: faults.clone(), ..ServiceConfig::default() });
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
                failed += 1;
            }
            other => panic!("user {user} (faulted: {faulted:?}): unexpected {other:?}"),
        }
    }
    assert!(failed > 0 && failed < USERS, "{failed} of {USERS} failed: the case proves nothing");
}
