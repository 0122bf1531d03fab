//! The record protocol, written once for the service and the client: two routes and
//! their JSON bodies.
//!
//! | request | 200 body | otherwise |
//! |---|---|---|
//! | `GET /users/{id}` | `{"user_id":1,"user_name":"user-1"}` | 404 `{"error":"no user 0"}` for an unknown user |
//! | `GET /users/{id}/orders` | `[1,3,10,11]` | `[]` for a user without orders, as the article |
//!
//! Any other path is a 404 `{"error":"no such path /x"}` ([`error_body`]); `HEAD`
//! answers as `GET` does, without the body.

use chain_core::{Operation, User, UserId, model::article_orders};

/// The users a service knows by default: ids 1 to 1,000,000, enough for the largest
/// fan-out the binaries accept.
pub const DEFAULT_USERS: UserId = 1_000_000;

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

    /// The 200 response's JSON body for a service that knows users 1 to `users`, or
    /// `None` where the answer is 404.
    pub fn body(self, users: UserId) -> Option<Vec<u8>> {
        let json = match self {
            Route::User(id) if (1..=users).contains(&id) => serde_json::to_vec(&User::new(id)),
            Route::User(_) => return None,
            Route::Orders(id) => serde_json::to_vec(article_orders(id)),
        };
        Some(json.expect("the model always serialises"))
    }
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
    fn bodies_are_the_articles_data_as_json() {
        assert_eq!(Route::User(1).body(3).unwrap(), br#"{"user_id":1,"user_name":"user-1"}"#);
        assert_eq!(Route::Orders(1).body(3).unwrap(), b"[1,3,10,11]");
        assert_eq!(Route::Orders(99).body(3).unwrap(), b"[]");
    }

    #[test]
    fn only_known_users_have_a_user_body() {
        assert_eq!(Route::User(0).body(3), None);
        assert_eq!(Route::User(4).body(3), None);
    }

    #[test]
    fn paths_outside_the_protocol_are_rejected() {
        for path in ["/", "/users/", "/users/1/orders/2", "/users/+1", "/users/1/friends", "/u/1"] {
            assert_eq!(Route::parse(path), None, "{path}");
        }
    }
}
