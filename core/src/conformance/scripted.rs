//! A data source whose timing and failures a test dictates.

use std::time::Duration;

use crate::{
    DataSource, FetchError, Operation, OrderId, Runtime, User, UserId, model::article_orders,
};

/// The article's data, with per-fetch delays, one user whose orders fetch fails and
/// one user whose fetches panic, all chosen by the test.
#[derive(Clone, Debug)]
pub struct Scripted<R> {
    rt: R,
    delay: fn(UserId, Operation) -> Duration,
    failing: Option<UserId>,
    panicking: Option<UserId>,
}

impl<R: Runtime> Scripted<R> {
    /// Every fetch waits `delay(user, operation)`; nothing fails.
    pub fn new(rt: R, delay: fn(UserId, Operation) -> Duration) -> Self {
        Scripted { rt, delay, failing: None, panicking: None }
    }

    /// `fetch_orders(user)` fails, after its delay.
    pub fn failing_orders_of(self, user: UserId) -> Self {
        Scripted { failing: Some(user), ..self }
    }

    /// Both fetches of `user` panic, after their delay.
    pub fn panicking_for(self, user: UserId) -> Self {
        Scripted { panicking: Some(user), ..self }
    }

    async fn act(&self, user_id: UserId, operation: Operation) -> Result<(), FetchError> {
        let delay = (self.delay)(user_id, operation);
        if !delay.is_zero() {
            self.rt.sleep(delay).await;
        }
        if self.panicking == Some(user_id) {
            panic!("scripted panic in {operation}({user_id})");
        }
        if self.failing == Some(user_id) && operation == Operation::FetchOrders {
            let reason = "scripted failure".to_owned();
            return Err(FetchError::Failed { user_id, operation, reason });
        }
        Ok(())
    }
}

impl<R: Runtime> DataSource for Scripted<R> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.act(user_id, Operation::FetchUser).await?;
        Ok(User::new(user_id))
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.act(user_id, Operation::FetchOrders).await?;
        Ok(article_orders(user_id).to_vec())
    }
}
