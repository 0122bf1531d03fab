//! The article's data model: users, their order ids, and the two combined.

use std::fmt;

/// A user's id, the argument of every fetch.
pub type UserId = u64;

/// An order's id.
pub type OrderId = u64;

/// A user, as the article's `fetch_user` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct User {
    /// The id it was fetched by.
    pub user_id: UserId,
    /// `user-{user_id}`.
    pub user_name: String,
}

impl User {
    /// The article's user for `user_id`: every id names a user called `user-{user_id}`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(chain_core::User::new(7).user_name, "user-7");
    /// ```
    pub fn new(user_id: UserId) -> Self {
        User { user_id, user_name: format!("user-{user_id}") }
    }
}

/// A user together with their orders: what `get_user_with_orders` returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UserWithOrders {
    /// The user.
    pub user: User,
    /// Their order ids, in the order the source listed them.
    pub orders: Vec<OrderId>,
}

/// The article's order table: user 1 has four orders, user 2 two, user 3 none, and
/// no other user any.
///
/// # Examples
///
/// ```
/// assert_eq!(chain_core::model::article_orders(1), [1, 3, 10, 11]);
/// assert!(chain_core::model::article_orders(99).is_empty());
/// ```
pub fn article_orders(user_id: UserId) -> &'static [OrderId] {
    match user_id {
        1 => &[1, 3, 10, 11],
        2 => &[23, 34],
        _ => &[],
    }
}

/// What `get_user_with_orders(user_id)` must return for the article's data.
///
/// # Examples
///
/// ```
/// use chain_core::{model::article_user_with_orders, User, UserWithOrders};
///
/// // The article's assertion.
/// let expected = UserWithOrders { user: User::new(1), orders: vec![1, 3, 10, 11] };
/// assert_eq!(article_user_with_orders(1), expected);
/// ```
pub fn article_user_with_orders(user_id: UserId) -> UserWithOrders {
    UserWithOrders { user: User::new(user_id), orders: article_orders(user_id).to_vec() }
}

/// Python's dataclass repr, so the output reads like the article's.
impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "User(user_id={}, user_name='{}')", self.user_id, self.user_name)
    }
}

impl fmt::Display for UserWithOrders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserWithOrders(user={}, orders={:?})", self.user, self.orders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_like_the_articles_dataclasses() {
        let value = UserWithOrders { user: User::new(1), orders: article_orders(1).to_vec() };
        assert_eq!(
            value.to_string(),
            "UserWithOrders(user=User(user_id=1, user_name='user-1'), orders=[1, 3, 10, 11])"
        );
    }

    #[test]
    fn user_three_is_known_and_has_no_orders() {
        assert!(article_orders(3).is_empty());
        assert_eq!(article_orders(2), [23, 34]);
    }
}
