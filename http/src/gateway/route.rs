//! What the gateway's route means, with no runtime in it: the user a path names, the
//! JSON answers, the checks before a request is answered. Public so that a server written
//! without the contract (the benchmarks' native baselines) answers byte for byte the
//! same, and differs from the gateway only in how it waits.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{
    Response, StatusCode,
    header::{ALLOW, CONTENT_TYPE, HeaderValue},
};

use super::{BATCH_PATH, PATH};
use crate::error_body;
use chain_core::UserId;

/// The most users one request may ask for on the batch route ([`BATCH_PATH`]).
pub const MAX_BATCH: usize = 1_000;

/// What an admitted request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asked {
    /// One user's chain ([`PATH`]).
    One(UserId),
    /// Several users' chains at once, answered in the order asked ([`BATCH_PATH`]).
    Batch(Vec<UserId>),
}

/// What the gateway checks before it fetches, in this order: the route (404, or 400
/// for a batch whose list of ids is not one), the method (405, with `Allow`), the
/// limit of `max_in_flight` requests counted in `in_flight` (503). What the request
/// asks for and its place in flight, or the refusal to send.
///
/// # Examples
///
/// ```
/// use chain_http::gateway::route::{Asked, admit};
/// use std::sync::atomic::AtomicUsize;
///
/// let in_flight = AtomicUsize::new(0);
/// let (asked, slot) = admit("GET", "/users/7/with-orders", None, &in_flight, 1).unwrap();
/// assert_eq!(asked, Asked::One(7));
/// let busy = admit("GET", "/users/8/with-orders", None, &in_flight, 1).unwrap_err();
/// assert_eq!(busy.status(), 503);
/// drop(slot);
/// let (asked, _slot) = admit("GET", "/users/with-orders", Some("ids=3,1"), &in_flight, 1).unwrap();
/// assert_eq!(asked, Asked::Batch(vec![3, 1]));
/// ```
#[allow(
    clippy::result_large_err,
    reason = "the refusal is the answer sent, boxing it would only add an allocation"
)]
pub fn admit<'a>(
    method: &str,
    path: &str,
    query: Option<&str>,
    in_flight: &'a AtomicUsize,
    max_in_flight: usize,
) -> Result<(Asked, Slot<'a>), Response<Full<Bytes>>> {
    let asked = if path == BATCH_PATH {
        let ids = ids_of(query.unwrap_or_default());
        Asked::Batch(ids.map_err(|reason| error(StatusCode::BAD_REQUEST, &reason))?)
    } else if let Some(user) = user_of(path) {
        Asked::One(user)
    } else {
        let reason = format!("no such path {path}; try {PATH}, or {BATCH_PATH}?ids=1,2,3");
        return Err(error(StatusCode::NOT_FOUND, &reason));
    };
    if method != "GET" && method != "HEAD" {
        let reason = format!("{method} is not allowed on {path}: GET or HEAD");
        let mut refused = error(StatusCode::METHOD_NOT_ALLOWED, &reason);
        refused.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Err(refused);
    }
    let Some(slot) = Slot::take(in_flight, max_in_flight) else {
        let reason = format!("busy: {max_in_flight} requests in flight, the most allowed");
        return Err(error(StatusCode::SERVICE_UNAVAILABLE, &reason));
    };
    Ok((asked, slot))
}

/// The users a batch's query asks for, in its order: `ids=` and 1 to [`MAX_BATCH`]
/// user ids separated by commas.
///
/// # Errors
///
/// What is wrong with the query, in a sentence that says what is allowed.
///
/// # Examples
///
/// ```
/// use chain_http::gateway::route::ids_of;
///
/// assert_eq!(ids_of("ids=2,1,2"), Ok(vec![2, 1, 2]));
/// assert!(ids_of("ids=1,,2").unwrap_err().contains("e.g. ?ids=1,2,3"));
/// ```
pub fn ids_of(query: &str) -> Result<Vec<UserId>, String> {
    let allowed =
        format!("?ids= and 1 to {MAX_BATCH} user ids separated by commas, e.g. ?ids=1,2,3");
    let Some(list) = query.strip_prefix("ids=") else {
        return Err(format!("the batch route takes {allowed}"));
    };
    let asked = list.split(',').count();
    if asked > MAX_BATCH {
        return Err(format!("{asked} ids asked for, more than the {MAX_BATCH} allowed: {allowed}"));
    }
    list.split(',')
        .map(|id| id_of(id).ok_or_else(|| format!("{id:?} is not a user id: {allowed}")))
        .collect()
}

/// The user a path names, if it is the gateway's route ([`PATH`]).
///
/// # Examples
///
/// ```
/// use chain_http::gateway::route::user_of;
///
/// assert_eq!(user_of("/users/17/with-orders"), Some(17));
/// assert_eq!(user_of("/users/17"), None);
/// ```
pub fn user_of(path: &str) -> Option<UserId> {
    id_of(path.strip_prefix("/users/")?.strip_suffix("/with-orders")?)
}

/// A user id written in decimal digits only (`parse` alone would take a leading `+`).
fn id_of(text: &str) -> Option<UserId> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A place among the requests in flight, given back when dropped.
#[derive(Debug)]
pub struct Slot<'a>(&'a AtomicUsize);

impl<'a> Slot<'a> {
    /// A place, if fewer than `limit` are taken from `in_flight`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_http::gateway::route::Slot;
    /// use std::sync::atomic::AtomicUsize;
    ///
    /// let in_flight = AtomicUsize::new(0);
    /// let first = Slot::take(&in_flight, 1);
    /// assert!(first.is_some() && Slot::take(&in_flight, 1).is_none());
    /// ```
    pub fn take(in_flight: &'a AtomicUsize, limit: usize) -> Option<Self> {
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

/// An error answer: `status`, and `{"error": reason}`.
pub fn error(status: StatusCode, reason: &str) -> Response<Full<Bytes>> {
    json(status, Ok(error_body(reason)))
}

/// An answer of `status` with a JSON body.
///
/// # Panics
///
/// `body` is an error: the gateway's answers are plain data, which always serialise.
pub fn json(status: StatusCode, body: serde_json::Result<Vec<u8>>) -> Response<Full<Bytes>> {
    let body = body.expect("the gateway's answers are plain data, which always serialise");
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;
    use http_body_util::BodyExt;

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
    fn admission_checks_the_route_then_the_method_then_the_limit() {
        let in_flight = AtomicUsize::new(1);
        let refused =
            |method, path| admit(method, path, None, &in_flight, 1).map(|_| ()).unwrap_err();
        let said = |refusal: Response<Full<Bytes>>, status, reason: &str| {
            assert_eq!(refusal.status(), status);
            let body = refusal.into_body().collect().now_or_never().unwrap().unwrap().to_bytes();
            assert_eq!(body, error_body(reason));
        };
        let no_route = refused("POST", "/nowhere");
        let reason =
            "no such path /nowhere; try /users/{id}/with-orders, or /users/with-orders?ids=1,2,3";
        said(no_route, StatusCode::NOT_FOUND, reason);
        let no_ids = refused("POST", "/users/with-orders");
        assert_eq!(no_ids.status(), StatusCode::BAD_REQUEST, "the list is checked first");
        let no_method = refused("POST", "/users/1/with-orders");
        assert_eq!(no_method.headers()[ALLOW], "GET, HEAD");
        let reason = "POST is not allowed on /users/1/with-orders: GET or HEAD";
        said(no_method, StatusCode::METHOD_NOT_ALLOWED, reason);
        let busy = refused("HEAD", "/users/1/with-orders");
        let reason = "busy: 1 requests in flight, the most allowed";
        said(busy, StatusCode::SERVICE_UNAVAILABLE, reason);
        assert_eq!(in_flight.load(Relaxed), 1, "the refused request gave its place back");
        in_flight.store(0, Relaxed);
        let (user, _slot) = admit("HEAD", "/users/9/with-orders", None, &in_flight, 1).unwrap();
        assert_eq!((user, in_flight.load(Relaxed)), (Asked::One(9), 1));
    }

    #[test]
    fn a_batch_is_one_to_a_thousand_ids_in_digits_and_their_order_is_kept() {
        assert_eq!(ids_of("ids=7"), Ok(vec![7]));
        assert_eq!(ids_of("ids=3,1,3,0"), Ok(vec![3, 1, 3, 0]));
        let thousand = (1..=MAX_BATCH).map(|id| id.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(ids_of(&format!("ids={thousand}")).map(|ids| ids.len()), Ok(MAX_BATCH));
        let too_many = ids_of(&format!("ids={thousand},1")).unwrap_err();
        assert!(
            too_many.starts_with("1001 ids asked for, more than the 1000 allowed"),
            "{too_many}"
        );
        for bad in [
            "",
            "ids=",
            "ids=1,",
            "ids=,1",
            "ids=1,,2",
            "ids=+1",
            "ids=1,x",
            "id=1",
            "ids=1&ids=2",
            "ids=99999999999999999999999",
        ] {
            let message = ids_of(bad).expect_err(bad);
            assert!(message.contains("e.g. ?ids=1,2,3"), "{bad}: {message}");
        }
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
