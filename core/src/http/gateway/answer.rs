//! What the gateway answers to one request: the article's chain for a user, or an
//! error that says what went wrong, as JSON.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
    time::Duration,
};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{
    Method, Request, Response, StatusCode,
    header::{ALLOW, CONTENT_TYPE, HeaderValue},
};

use super::{GatewayStats, PATH, Stall};
use crate::{
    DataSource, FetchErrorKind, HttpFailure, Instrumented, Runtime, UserId, get_user_with_orders,
    http::error_body, readable::duration, timeout,
};

/// One shard's handler: its runtime, its copy of the source, and the limits.
pub(super) struct Handler<R, S> {
    pub(super) rt: R,
    pub(super) source: Instrumented<S>,
    pub(super) fetch_timeout: Duration,
    pub(super) max_in_flight: usize,
    pub(super) stall: Option<Arc<Stall>>,
    /// Requests being answered, on every shard: what the limit counts.
    pub(super) in_flight: Arc<AtomicUsize>,
    pub(super) stats: Arc<GatewayStats>,
}

impl<R: Runtime, S: DataSource> Handler<R, S> {
    /// The answer to `request`, counted in the stats.
    pub(super) async fn answer<B>(&self, request: Request<B>) -> Response<Full<Bytes>> {
        let counted = self.stats.requests.enter();
        if let Some(stall) = &self.stall {
            stall.maybe_pause();
        }
        let response = self.respond(request.method(), request.uri().path()).await;
        self.stats.answer(response.status().as_u16());
        counted.complete();
        response
    }

    async fn respond(&self, method: &Method, path: &str) -> Response<Full<Bytes>> {
        let Some(user) = user_of(path) else {
            return error(StatusCode::NOT_FOUND, &format!("no such path {path}; try {PATH}"));
        };
        if method != Method::GET && method != Method::HEAD {
            let mut refused = error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("{method} is not allowed on {path}: GET or HEAD"),
            );
            refused.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return refused;
        }
        let Some(_slot) = Slot::take(&self.in_flight, self.max_in_flight) else {
            let message =
                format!("busy: {} requests in flight, the most allowed", self.max_in_flight);
            return error(StatusCode::SERVICE_UNAVAILABLE, &message);
        };
        let chained = get_user_with_orders(&self.source, user);
        match timeout(&self.rt, self.fetch_timeout, chained).await {
            Ok(Ok(joined)) => json(StatusCode::OK, serde_json::to_vec(&joined)),
            Ok(Err(e)) => match e.kind() {
                FetchErrorKind::Http { failure: HttpFailure::Status { status: 404 }, .. } => {
                    error(StatusCode::NOT_FOUND, &format!("no user {user}"))
                }
                FetchErrorKind::TimedOut { .. } => {
                    error(StatusCode::GATEWAY_TIMEOUT, &e.to_string())
                }
                _ => error(StatusCode::BAD_GATEWAY, &e.to_string()),
            },
            Err(elapsed) => error(
                StatusCode::GATEWAY_TIMEOUT,
                &format!(
                    "get_user_with_orders({user}) took longer than {}",
                    duration(elapsed.limit)
                ),
            ),
        }
    }
}

/// The user a path names, if it is the gateway's route ([`PATH`]).
fn user_of(path: &str) -> Option<UserId> {
    let id = path.strip_prefix("/users/")?.strip_suffix("/with-orders")?;
    // `parse` alone would accept a leading `+`.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

/// A place among the requests in flight, given back when dropped.
struct Slot<'a>(&'a AtomicUsize);

impl<'a> Slot<'a> {
    fn take(in_flight: &'a AtomicUsize, limit: usize) -> Option<Self> {
        let before = in_flight.fetch_add(1, Relaxed);
        let slot = Slot(in_flight);
        (before < limit).then_some(slot)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

fn error(status: StatusCode, reason: &str) -> Response<Full<Bytes>> {
    json(status, Ok(error_body(reason)))
}

fn json(status: StatusCode, body: serde_json::Result<Vec<u8>>) -> Response<Full<Bytes>> {
    let body = body.expect("the gateway's answers are plain data, which always serialise");
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_gateways_route_names_a_user() {
        assert_eq!(user_of("/users/17/with-orders"), Some(17));
        for other in
            ["/users/17", "/users//with-orders", "/users/+1/with-orders", "/users/1/orders"]
        {
            assert_eq!(user_of(other), None, "{other}");
        }
        assert_eq!(user_of("/users/99999999999999999999999/with-orders"), None, "overflows");
    }

    #[test]
    fn a_slot_beyond_the_limit_is_refused_and_given_back() {
        let in_flight = AtomicUsize::new(0);
        let first = Slot::take(&in_flight, 1);
        assert!(first.is_some());
        assert!(Slot::take(&in_flight, 1).is_none());
        assert_eq!(in_flight.load(Relaxed), 1, "the refused one gave its place back");
        drop(first);
        assert!(Slot::take(&in_flight, 1).is_some());
    }
}
