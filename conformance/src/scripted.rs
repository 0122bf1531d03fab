//! A data source whose timing and failures a test dictates.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    time::Duration,
};

use super::holding::wait_until_started;
use chain_contract::Launch;
use chain_core::{
    DataSource, FetchError, FetchErrorKind, Operation, OrderId, User, UserId, model::article_orders,
};

/// The article's data, with per-fetch delays, one user whose orders fetch fails, one
/// user whose fetches panic, and a gate that holds user fetches until other fetches
/// have started, all chosen by the test.
///
/// The gate makes overlap certain rather than likely: a test that needs two fetches
/// in flight together holds one until the other has started, however slowly a loaded
/// machine schedules them.
#[derive(Clone, Debug)]
pub struct Scripted<R> {
    rt: R,
    delay: fn(UserId, Operation) -> Duration,
    failing: Option<UserId>,
    panicking: Option<UserId>,
    gate: Gate,
    started_users: Arc<AtomicUsize>,
    started_orders: Arc<AtomicUsize>,
}

/// What a `fetch_user` waits for before its delay.
#[derive(Clone, Copy, Debug)]
enum Gate {
    Open,
    UsersStarted(usize),
    OrdersStarted(usize),
}

impl<R: Launch> Scripted<R> {
    /// Every fetch waits `delay(user, operation)`; nothing fails.
    pub fn new(rt: R, delay: fn(UserId, Operation) -> Duration) -> Self {
        Scripted {
            rt,
            delay,
            failing: None,
            panicking: None,
            gate: Gate::Open,
            started_users: Arc::default(),
            started_orders: Arc::default(),
        }
    }

    /// Every `fetch_user` waits until `n` user fetches have started.
    pub fn holding_users_until_users_started(self, n: usize) -> Self {
        Scripted { gate: Gate::UsersStarted(n), ..self }
    }

    /// Every `fetch_user` waits until `n` orders fetches have started.
    pub fn holding_users_until_orders_started(self, n: usize) -> Self {
        Scripted { gate: Gate::OrdersStarted(n), ..self }
    }

    /// `fetch_orders(user)` fails, after its delay.
    pub fn failing_orders_of(self, user: UserId) -> Self {
        Scripted { failing: Some(user), ..self }
    }

    /// Both fetches of `user` panic, after their delay.
    pub fn panicking_for(self, user: UserId) -> Self {
        Scripted { panicking: Some(user), ..self }
    }

    async fn pass_gate(&self) {
        let (counter, n) = match self.gate {
            Gate::Open => return,
            Gate::UsersStarted(n) => (&self.started_users, n),
            Gate::OrdersStarted(n) => (&self.started_orders, n),
        };
        wait_until_started(&self.rt, counter, n, self.gate).await;
    }

    async fn act(&self, user_id: UserId, operation: Operation) -> Result<(), FetchError> {
        match operation {
            Operation::FetchUser => {
                self.started_users.fetch_add(1, SeqCst);
                self.pass_gate().await;
            }
            Operation::FetchOrders => {
                self.started_orders.fetch_add(1, SeqCst);
            }
        }
        let delay = (self.delay)(user_id, operation);
        if !delay.is_zero() {
            self.rt.sleep(delay).await;
        }
        if self.panicking == Some(user_id) {
            panic!("scripted panic in {operation}({user_id})");
        }
        if self.failing == Some(user_id) && operation == Operation::FetchOrders {
            let reason = "scripted failure".to_owned();
            return Err(FetchErrorKind::Failed { user_id, operation, reason }.into());
        }
        Ok(())
    }
}

impl<R: Launch> DataSource for Scripted<R> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.act(user_id, Operation::FetchUser).await?;
        Ok(User::new(user_id))
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.act(user_id, Operation::FetchOrders).await?;
        Ok(article_orders(user_id).to_vec())
    }
}
