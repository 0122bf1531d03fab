//! Why a fetch produced no value: [`FetchError`], which always names its user.

use std::{net::SocketAddr, time::Duration};

use crate::{model::UserId, readable::duration};
use chain_contract::JoinError;

/// Which of the two fetches an error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// [`DataSource::fetch_user`](crate::DataSource::fetch_user).
    FetchUser,
    /// [`DataSource::fetch_orders`](crate::DataSource::fetch_orders).
    FetchOrders,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::FetchUser => "fetch_user",
            Operation::FetchOrders => "fetch_orders",
        })
    }
}

/// Why a fetch produced no value: a [`FetchErrorKind`], which names the user it was
/// for, behind one pointer.
///
/// Boxed so that a `Result<User, FetchError>` is no larger than the `User` itself:
/// every fetch future holds its result while its sibling runs, and every spawned
/// task holds a user's, so an inline error (72 bytes, with an HTTP failure's
/// address and message) made each fan-out's tasks larger, and slower to move, than
/// the same code with an error that never happens.
///
/// # Examples
///
/// ```
/// use chain_core::{FetchError, FetchErrorKind, Operation};
///
/// let error = FetchError::from(FetchErrorKind::Failed {
///     user_id: 7,
///     operation: Operation::FetchOrders,
///     reason: "down".into(),
/// });
/// assert_eq!(error.user_id(), 7);
/// assert_eq!(error.to_string(), "fetch_orders(7) failed: down");
/// assert!(matches!(error.kind(), FetchErrorKind::Failed { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct FetchError(Box<FetchErrorKind>);

impl From<FetchErrorKind> for FetchError {
    fn from(kind: FetchErrorKind) -> Self {
        FetchError(Box::new(kind))
    }
}

/// Why a fetch produced no value, in detail. Every variant names the user it was for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchErrorKind {
    /// The source could not answer.
    #[error("{operation}({user_id}) failed: {reason}")]
    Failed {
        /// The user the fetch was for.
        user_id: UserId,
        /// Which fetch failed.
        operation: Operation,
        /// The source's explanation.
        reason: String,
    },
    /// The fetch did not complete within the source's time limit and was abandoned.
    #[error("{operation}({user_id}) timed out after {}", duration(*.after))]
    TimedOut {
        /// The user the fetch was for.
        user_id: UserId,
        /// Which fetch timed out.
        operation: Operation,
        /// The limit that passed.
        after: Duration,
    },
    /// An HTTP exchange with the record service failed.
    #[error("{operation}({user_id}) failed: {failure}")]
    Http {
        /// The user the fetch was for.
        user_id: UserId,
        /// Which fetch failed.
        operation: Operation,
        /// What went wrong on the wire.
        failure: HttpFailure,
    },
    /// The task running the fetch panicked.
    #[error("fetching user {user_id} panicked: {message}")]
    Panicked {
        /// The user the fetch was for.
        user_id: UserId,
        /// The panic message, or a note that the payload was not a string.
        message: String,
    },
    /// The runtime dropped the task running the fetch before it finished.
    #[error("fetching user {user_id} was cancelled by the runtime")]
    Cancelled {
        /// The user the fetch was for.
        user_id: UserId,
    },
}

impl FetchError {
    /// What went wrong, naming the user.
    pub fn kind(&self) -> &FetchErrorKind {
        &self.0
    }

    /// The user the failed fetch was for.
    pub fn user_id(&self) -> UserId {
        self.0.user_id()
    }

    /// A short name of the cause, for counting errors by cause.
    pub fn cause(&self) -> &'static str {
        self.0.cause()
    }

    /// The error for user `user_id` whose fetch ran in a task that produced no output.
    pub fn from_join(user_id: UserId, error: JoinError) -> Self {
        match error {
            JoinError::Panicked(_) => FetchErrorKind::Panicked {
                user_id,
                message: error.panic_message().unwrap_or("non-string panic payload").to_owned(),
            },
            JoinError::Cancelled => FetchErrorKind::Cancelled { user_id },
        }
        .into()
    }
}

impl FetchErrorKind {
    /// The user the failed fetch was for.
    pub fn user_id(&self) -> UserId {
        match self {
            FetchErrorKind::Failed { user_id, .. }
            | FetchErrorKind::TimedOut { user_id, .. }
            | FetchErrorKind::Http { user_id, .. }
            | FetchErrorKind::Panicked { user_id, .. }
            | FetchErrorKind::Cancelled { user_id } => *user_id,
        }
    }

    /// A short name of the cause, for counting errors by cause.
    pub fn cause(&self) -> &'static str {
        match self {
            FetchErrorKind::Failed { .. } => "failed",
            FetchErrorKind::TimedOut { .. } => "timed out",
            FetchErrorKind::Http { failure, .. } => failure.cause(),
            FetchErrorKind::Panicked { .. } => "panicked",
            FetchErrorKind::Cancelled { .. } => "cancelled",
        }
    }
}

/// What went wrong in an HTTP exchange, from connecting to decoding the body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpFailure {
    /// No connection could be made (refused, unreachable).
    #[error("cannot connect to {address}: {reason}")]
    Connect {
        /// The service's address.
        address: SocketAddr,
        /// The operating system's explanation.
        reason: String,
    },
    /// The connection broke before the response's head arrived (closed, reset).
    #[error("connection closed mid-response: {reason}")]
    Closed {
        /// The HTTP client's explanation.
        reason: String,
    },
    /// The response's head arrived, then the connection broke before its whole body.
    #[error("answer cut short: {reason}")]
    Truncated {
        /// The HTTP client's explanation.
        reason: String,
    },
    /// Every connection of the pool stayed busy for the whole limit: the request was
    /// never sent.
    #[error("no free connection within {} (all {connections} busy)", duration(*.waited))]
    NoConnection {
        /// How long the fetch waited.
        waited: Duration,
        /// The pool's size.
        connections: usize,
    },
    /// The service answered with a status other than 200.
    #[error("HTTP {status}")]
    Status {
        /// The status code, e.g. 404 for an unknown user or 500 for a server error.
        status: u16,
    },
    /// The answer was not HTTP/1.1 at all.
    #[error("not an HTTP/1.1 answer: {reason}")]
    Protocol {
        /// The HTTP client's explanation.
        reason: String,
    },
    /// The body was not the JSON the record protocol promises.
    #[error("malformed JSON: {reason}")]
    Malformed {
        /// The decoder's explanation.
        reason: String,
    },
}

impl HttpFailure {
    /// A short name of the cause, for counting errors by cause.
    pub fn cause(&self) -> &'static str {
        match self {
            HttpFailure::Connect { .. } => "connect",
            HttpFailure::Closed { .. } => "closed",
            HttpFailure::Truncated { .. } => "truncated",
            HttpFailure::NoConnection { .. } => "no connection",
            HttpFailure::Status { .. } => "http status",
            HttpFailure::Protocol { .. } => "protocol",
            HttpFailure::Malformed { .. } => "malformed",
        }
    }
}
