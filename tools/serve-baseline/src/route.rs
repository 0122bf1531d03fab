//! The gateway's route answered as the native baselines answer it, on hyper, with
//! the runtime's own sleep: shared by the task-per-connection runtimes ([`crate::native`])
//! and the thread-per-core ones ([`crate::per_core`]).

use std::{future::Future, pin::pin, time::Duration};

use bytes::Bytes;
use chain_core::{User, UserId, UserWithOrders, model::article_orders};
use chain_http::gateway::route::{Asked, admit, error, json};
use futures::{
    FutureExt,
    future::{Either, join_all, select},
};
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
    let uri = request.uri();
    let (method, max) = (request.method().as_str(), limits.max_in_flight);
    let (asked, _slot) = match admit(method, uri.path(), uri.query(), &limits.in_flight, max) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    match asked {
        Asked::One(user) => {
            let chained = chain(user, limits.latency, &sleep).map(|j| serde_json::to_vec(&j));
            limited(chained, &sleep, || format!("get_user_with_orders({user})")).await
        }
        Asked::Batch(users) => {
            let chains = users.iter().map(|&user| chain(user, limits.latency, &sleep));
            let all = join_all(chains).map(|all| serde_json::to_vec(&all));
            let what = || format!("get_user_with_orders for {} users", users.len());
            limited(all, &sleep, what).await
        }
    }
}

/// `answer`'s JSON, or a 504 saying that `what` took longer than the gateway's limit.
async fn limited<S, F>(
    answer: impl Future<Output = serde_json::Result<Vec<u8>>>,
    sleep: &S,
    what: impl FnOnce() -> String,
) -> Response<Full<Bytes>>
where
    S: Fn(Duration) -> F,
    F: Future<Output = ()>,
{
    match select(pin!(answer), pin!(sleep(FETCH_TIMEOUT))).await {
        Either::Left((body, _)) => json(StatusCode::OK, body),
        Either::Right(_) => error(
            StatusCode::GATEWAY_TIMEOUT,
            &format!("{} took longer than {FETCH_TIMEOUT:?}", what()),
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
