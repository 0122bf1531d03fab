//! What the gateway answers to one request: the article's chain for a user, or for
//! each user of a batch at once, or an error that says what went wrong, as JSON.

use std::{
    sync::{Arc, atomic::AtomicUsize},
    time::Duration,
};

use bytes::Bytes;
use futures::future::join_all;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode};

use super::{
    GatewayStats, Stall,
    route::{Asked, admit, error, json},
};
use chain_contract::{Runtime, timeout};
use chain_core::{
    DataSource, FetchError, FetchErrorKind, HttpFailure, UserId, UserWithOrders,
    get_user_with_orders, readable::duration,
};
use chain_lab::Instrumented;

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
        let uri = request.uri();
        let response = self.respond(request.method(), uri.path(), uri.query()).await;
        self.stats.answer(response.status().as_u16());
        counted.complete();
        response
    }

    async fn respond(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
    ) -> Response<Full<Bytes>> {
        let max = self.max_in_flight;
        let (asked, _slot) = match admit(method.as_str(), path, query, &self.in_flight, max) {
            Ok(admitted) => admitted,
            Err(refused) => return refused,
        };
        match asked {
            Asked::One(user) => self.one(user).await,
            Asked::Batch(users) => self.batch(&users).await,
        }
    }

    async fn one(&self, user: UserId) -> Response<Full<Bytes>> {
        match self.chained(user).await {
            Ok(joined) => json(StatusCode::OK, serde_json::to_vec(&joined)),
            Err(refused) => refused,
        }
    }

    /// Every user's chain at once, each under its own time limit: all their answers
    /// in the order asked, or the first failing user's error.
    async fn batch(&self, users: &[UserId]) -> Response<Full<Bytes>> {
        let chains = join_all(users.iter().map(|&user| self.chained(user))).await;
        match chains.into_iter().collect::<Result<Vec<_>, _>>() {
            Ok(all) => json(StatusCode::OK, serde_json::to_vec(&all)),
            Err(refused) => refused,
        }
    }

    /// `user`'s chain within the time limit, or the error answer that names the user.
    async fn chained(&self, user: UserId) -> Result<UserWithOrders, Response<Full<Bytes>>> {
        let chained = get_user_with_orders(&self.source, user);
        match timeout(&self.rt, self.fetch_timeout, chained).await {
            Ok(answered) => answered.map_err(|e| failed(&e)),
            Err(elapsed) => Err(error(
                StatusCode::GATEWAY_TIMEOUT,
                &format!(
                    "get_user_with_orders({user}) took longer than {}",
                    duration(elapsed.limit)
                ),
            )),
        }
    }
}

/// The answer to a chain that failed with `e`: a 404 for a user the source does not
/// know, a 504 for a fetch that timed out, a 502 for any other failure, each naming
/// the user.
fn failed(e: &FetchError) -> Response<Full<Bytes>> {
    match e.kind() {
        FetchErrorKind::Http { failure: HttpFailure::Status { status: 404 }, .. } => {
            error(StatusCode::NOT_FOUND, &format!("no user {}", e.user_id()))
        }
        FetchErrorKind::TimedOut { .. } => error(StatusCode::GATEWAY_TIMEOUT, &e.to_string()),
        _ => error(StatusCode::BAD_GATEWAY, &e.to_string()),
    }
}
