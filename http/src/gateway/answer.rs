//! What the gateway answers to one request: the article's chain for a user, or an
//! error that says what went wrong, as JSON.

use std::{
    sync::{Arc, atomic::AtomicUsize},
    time::Duration,
};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode};

use super::{
    GatewayStats, Stall,
    route::{admit, error, json},
};
use chain_contract::{Runtime, timeout};
use chain_core::{
    DataSource, FetchErrorKind, HttpFailure, get_user_with_orders, readable::duration,
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
        let response = self.respond(request.method(), request.uri().path()).await;
        self.stats.answer(response.status().as_u16());
        counted.complete();
        response
    }

    async fn respond(&self, method: &Method, path: &str) -> Response<Full<Bytes>> {
        let (user, _slot) = match admit(method.as_str(), path, &self.in_flight, self.max_in_flight)
        {
            Ok(admitted) => admitted,
            Err(refused) => return refused,
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
