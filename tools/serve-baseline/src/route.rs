//! The gateway's route answered as the native baselines answer it, on hyper, with
//! the runtime's own sleep: shared by the task-per-connection runtimes ([`crate::native`])
//! and the thread-per-core ones ([`crate::per_core`]).

use std::{future::Future, pin::pin, time::Duration};

use bytes::Bytes;
use chain_core::{User, UserId, UserWithOrders, model::article_orders};
use chain_http::gateway::route::{admit, error, json};
use futures::future::{Either, select};
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};

use crate::{FETCH_TIMEOUT, Limits};

/// The gateway's answer to `request`, the chain's waits on `sleep`, the runtime's own.
pub async fn respond<B, S, F>(
    request: &Request<B>,
    limits: &Limits,
    sleep: S,
) -> Response<Full<Bytes>>
where
    S: Fn(Duration) -> F,
    F: Future<Output = ()>,
{
    let (user, _slot) = match admit(
        request.method().as_str(),
        request.uri().path(),
        &limits.in_flight,
        limits.max_in_flight,
    ) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let chained = pin!(chain(user, limits.latency, &sleep));
    match select(chained, pin!(sleep(FETCH_TIMEOUT))).await {
        Either::Left((joined, _)) => json(StatusCode::OK, serde_json::to_vec(&joined)),
        Either::Right(_) => error(
            StatusCode::GATEWAY_TIMEOUT,
            &format!("get_user_with_orders({user}) took longer than {FETCH_TIMEOUT:?}"),
        ),
    }
}

/// The article's two fetches at once, each first waiting `latency` (none when zero,
/// as the gateway's in-memory source).
async fn chain<S, F>(user: UserId, latency: Duration, sleep: &S) -> UserWithOrders
where
    S: Fn(Duration) -> F,
    F: Future<Output = ()>,
{
    let wait = || async {
        if !latency.is_zero() {
            sleep(latency).await;
        }
    };
    let fetch_user = async {
        wait().await;
        User::new(user)
    };
    let fetch_orders = async {
        wait().await;
        article_orders(user).to_vec()
    };
    let (user, orders) = futures::join!(fetch_user, fetch_orders);
    UserWithOrders { user, orders }
}
