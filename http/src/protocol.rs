//! The record protocol, written once for the service and the client: two routes and
//! their JSON bodies.
//!
//! | request | 200 body | otherwise |
//! |---|---|---|
//! | `GET /users/{id}` | `{"user_id":1,"user_name":"user-1"}` | 404 `{"error":"no user 11"}` from a service told to know fewer users |
//! | `GET /users/{id}/orders` | `[1,3,10,11]`; `[]` for a user without orders, as the article | the same 404 |
//!
//! Every id is a user, as in the article and the in-memory source: a user without
//! orders has `[]`. A service can be told to know only users 1 to N (to see a
//! client's answer to a 404).
//!
//! Any other path is a 404 `{"error":"no such path /x"}` ([`error_body`]); `HEAD`
//! answers as `GET` does, without the body.
//!
//! A hedge's extra copy of a fetch says so in a [`COPY_HEADER`] (`Hedge-Copy: 1`):
//! a service with a tail draws whether that copy is slow apart from the first, as a
//! request sent again meets the backend anew. A value that is not a number is a 400.

use chain_core::{Operation, User, UserId, model::article_orders};

/// One of the protocol's two requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /users/{id}`: the user.
    User(UserId),
    /// `GET /users/{id}/orders`: the user's order ids.
    Orders(UserId),
}

impl Route {
    /// The route of `operation` for `user_id`.
    pub fn new(operation: Operation, user_id: UserId) -> Self {
        match operation {
            Operation::FetchUser => Route::User(user_id),
            Operation::FetchOrders => Route::Orders(user_id),
        }
    }

    /// The route a request path names, or `None` for any other path.
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_http::Route;
    ///
    /// assert_eq!(Route::parse("/users/7/orders"), Some(Route::Orders(7)));
    /// assert_eq!(Route::parse(&Route::User(3).path()), Some(Route::User(3)));
    /// assert_eq!(Route::parse("/users/x"), None);
    /// ```
    pub fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/users/")?;
        let (id, orders) = match rest.split_once('/') {
            Some((id, "orders")) => (id, true),
            Some(_) => return None,
            None => (rest, false),
        };
        // `parse` alone would accept a leading `+`.
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id = id.parse().ok()?;
        Some(if orders { Route::Orders(id) } else { Route::User(id) })
    }

    /// The request path.
    pub fn path(self) -> String {
        match self {
            Route::User(id) => format!("/users/{id}"),
            Route::Orders(id) => format!("/users/{id}/orders"),
        }
    }

    /// The user the request is about.
    pub fn user_id(self) -> UserId {
        match self {
            Route::User(id) | Route::Orders(id) => id,
        }
    }

    /// The fetch this request serves.
    pub fn operation(self) -> Operation {
        match self {
            Route::User(_) => Operation::FetchUser,
            Route::Orders(_) => Operation::FetchOrders,
        }
    }

    /// The 200 response's JSON body: for every id, or, for a service that knows only
    /// users 1 to `users`, `None` (a 404) for the others.
    pub fn body(self, users: Option<UserId>) -> Option<Vec<u8>> {
        if users.is_some_and(|users| !(1..=users).contains(&self.user_id())) {
            return None;
        }
        let json = match self {
            Route::User(id) => serde_json::to_vec(&User::new(id)),
            Route::Orders(id) => serde_json::to_vec(article_orders(id)),
        };
        Some(json.expect("the model always serialises"))
    }
}

/// The header that names which copy of a hedged fetch a request is (absent: 0, the
/// first): see the module's docs.
pub const COPY_HEADER: &str = "hedge-copy";

/// The copy a request's [`COPY_HEADER`] names, 0 without one.
///
/// # Errors
///
/// The header's value is not a number from 0 to 4294967295.
///
/// # Examples
///
/// ```
/// use chain_http::copy_of;
///
/// assert_eq!(copy_of(None), Ok(0));
/// assert_eq!(copy_of(Some(b"1")), Ok(1));
/// assert!(copy_of(Some(b"one")).is_err());
/// ```
pub fn copy_of(value: Option<&[u8]>) -> Result<u32, String> {
    let Some(value) = value else { return Ok(0) };
    let digits = std::str::from_utf8(value).ok().filter(|v| v.bytes().all(|b| b.is_ascii_digit()));
    digits.and_then(|v| v.parse().ok()).ok_or_else(|| {
        let value = String::from_utf8_lossy(value);
        format!("{COPY_HEADER}: {value:?} is not a copy number (0, 1, ...)")
    })
}

/// The JSON body of an answer that is not a 200: `{"error":"..."}` with `reason`.
///
/// # Examples
///
/// ```
/// use chain_http::error_body;
///
/// assert_eq!(error_body("no user 0"), br#"{"error":"no user 0"}"#);
/// ```
pub fn error_body(reason: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "error": reason }))
        .expect("a map of strings always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_the_articles_data_as_json_for_every_id() {
        let user = |id| Route::User(id).body(None).unwrap();
        assert_eq!(user(1), br#"{"user_id":1,"user_name":"user-1"}"#);
        assert_eq!(user(0), br#"{"user_id":0,"user_name":"user-0"}"#);
        assert_eq!(Route::Orders(1).body(None).unwrap(), b"[1,3,10,11]");
        assert_eq!(Route::Orders(99).body(None).unwrap(), b"[]");
    }

    #[test]
    fn a_service_that_knows_fewer_users_has_no_body_for_the_others() {
        for route in [Route::User(0), Route::User(4), Route::Orders(0), Route::Orders(4)] {
            assert_eq!(route.body(Some(3)), None, "{route:?}");
        }
        assert!(Route::User(3).body(Some(3)).is_some() && Route::Orders(1).body(Some(3)).is_some());
    }

    #[test]
    fn paths_outside_the_protocol_are_rejected() {
        for path in ["/", "/users/", "/users/1/orders/2", "/users/+1", "/users/1/friends", "/u/1"] {
            assert_eq!(Route::parse(path), None, "{path}");
        }
    }
}
