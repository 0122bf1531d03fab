//! One answer: the protocol's body, after the delay (or the tail's, for a slow one,
//! drawn for the copy the request says it is), with the fault the seed picks.

use std::{
    io,
    pin::Pin,
    sync::{Arc, atomic::Ordering::Relaxed},
    task::{Context, Poll},
};

use crate::{Counters, ServiceConfig};
use bytes::Bytes;
use chain_http::{COPY_HEADER, Route, WireFault, copy_of, error_body};
use hyper::{
    Method, Request, Response, StatusCode,
    body::{Body, Frame, SizeHint},
    header::{ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue},
};

/// The error that makes hyper close the connection without answering.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected fault: connection dropped")
    }
}

impl std::error::Error for DropConnection {}

pub(crate) async fn answer<B>(
    request: Request<B>,
    config: Arc<ServiceConfig>,
    counters: Arc<Counters>,
) -> Result<Response<Answer>, DropConnection> {
    // HEAD answers as GET; hyper sends its head only, Content-Length included.
    let route = match Route::parse(request.uri().path()) {
        Some(route) if [Method::GET, Method::HEAD].contains(request.method()) => route,
        Some(_) => {
            let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return Ok(response);
        }
        None => {
            let reason = format!("no such path {}", request.uri().path());
            return Ok(error(StatusCode::NOT_FOUND, &reason));
        }
    };
    let copy = match copy_of(request.headers().get(COPY_HEADER).map(|v| v.as_bytes())) {
        Ok(copy) => copy,
        Err(reason) => return Ok(error(StatusCode::BAD_REQUEST, &reason)),
    };
    let slow = config.tail.is_slow(route.user_id(), route.operation(), copy);
    let delay = if slow { config.tail.slow() } else { config.delay };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    counters.answered.fetch_add(1, Relaxed);
    if slow {
        counters.slow.fetch_add(1, Relaxed);
    }
    let Some(body) = route.body(config.users) else {
        let reason = format!("no user {}", route.user_id());
        return Ok(error(StatusCode::NOT_FOUND, &reason));
    };
    let half = || Bytes::from(body[..body.len() / 2].to_vec());
    Ok(match config.faults.for_request(route) {
        None => json(body.len(), Answer::Whole(Some(body.into()))),
        Some(WireFault::ServerError) => status(StatusCode::INTERNAL_SERVER_ERROR),
        Some(WireFault::Drop) => return Err(DropConnection),
        // A prefix of a JSON value is never a whole one.
        Some(WireFault::MalformedJson) => json(body.len() / 2, Answer::Whole(Some(half()))),
        Some(WireFault::Truncate) => json(body.len(), Answer::Truncated(Truncation::Part(half()))),
        Some(WireFault::Close) => {
            let mut response = json(body.len(), Answer::Whole(Some(body.into())));
            response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            response
        }
    })
}

fn status(status: StatusCode) -> Response<Answer> {
    let mut response = Response::new(Answer::Whole(None));
    *response.status_mut() = status;
    response
}

/// An answer with `status` whose JSON body says why ([`error_body`]).
fn error(status: StatusCode, reason: &str) -> Response<Answer> {
    let body = error_body(reason);
    let mut response = json(body.len(), Answer::Whole(Some(body.into())));
    *response.status_mut() = status;
    response
}

fn json(announced: usize, body: Answer) -> Response<Answer> {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, announced.into());
    response
}

/// A response body: whole, or one that breaks off after its first part, which makes
/// hyper close the connection short of the announced length.
pub(crate) enum Answer {
    Whole(Option<Bytes>),
    Truncated(Truncation),
}

/// Where a truncated body is: hyper sends what it holds only when the body has
/// nothing ready, so the body pauses once after its first part, before the error
/// that closes the connection; erroring at once would discard the head and the part.
pub(crate) enum Truncation {
    Part(Bytes),
    Pause,
    Break,
}

impl Body for Answer {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(match self.get_mut() {
            Answer::Whole(part) => part.take().map(|data| Ok(Frame::data(data))),
            Answer::Truncated(state) => match std::mem::replace(state, Truncation::Break) {
                Truncation::Part(data) => {
                    *state = Truncation::Pause;
                    Some(Ok(Frame::data(data)))
                }
                Truncation::Pause => {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Truncation::Break => Some(Err(io::Error::other("injected fault: body truncated"))),
            },
        })
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Answer::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Answer::Whole(part) => {
                SizeHint::with_exact(part.as_ref().map_or(0, |p| p.len() as u64))
            }
            Answer::Truncated(_) => SizeHint::default(),
        }
    }
}
