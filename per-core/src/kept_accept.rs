//! [`KeptAccept`]: a completion-based runtime's accept made cancel safe, by keeping
//! the operation when the future that awaited it is dropped.

use std::{fmt, io};

use futures::{future::LocalBoxFuture, lock::Mutex};

/// The operation that accepts one connection, started by [`KeptAccept::new`]'s
/// closure.
type Operation<T> = LocalBoxFuture<'static, io::Result<T>>;

/// A listener's accepts, one operation at a time, each kept until it completes.
///
/// On io_uring an accept is an operation that the kernel completes as a connection
/// arrives, before the runtime hands the connection over: dropping the future that
/// awaits it then loses that connection. Here a dropped [`KeptAccept::accept`]
/// leaves its operation in place and the next call takes it over, with whatever it
/// got, so that accepting is cancel safe, as the contract's
/// [`Listener::accept`](chain_contract::Listener::accept) promises. Calls made at once
/// take turns.
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, io};
///
/// use chain_per_core::KeptAccept;
/// use futures::{FutureExt, executor::block_on};
///
/// // Stands in for a listener: each operation "accepts" the next number.
/// let next = Cell::new(1);
/// let accepts = KeptAccept::new(move || {
///     let n = next.replace(next.get() + 1);
///     async move { io::Result::Ok(n) }.boxed_local()
/// });
/// assert_eq!(block_on(accepts.accept()).unwrap(), 1);
/// assert_eq!(block_on(accepts.accept()).unwrap(), 2);
/// ```
pub struct KeptAccept<T> {
    start: Box<dyn Fn() -> Operation<T>>,
    /// The operation a dropped call left, if any; the lock is the calls' turn.
    pending: Mutex<Option<Operation<T>>>,
}

impl<T> KeptAccept<T> {
    /// Accepts made by `start`, each an operation that accepts one connection.
    pub fn new(start: impl Fn() -> Operation<T> + 'static) -> Self {
        KeptAccept { start: Box::new(start), pending: Mutex::new(None) }
    }

    /// The next connection: from the operation a dropped call left, or a new one.
    ///
    /// # Errors
    ///
    /// The operation's error; the next call starts a new operation.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it leaves its operation, and the connection that
    /// operation accepts, to the next call.
    pub async fn accept(&self) -> io::Result<T> {
        let mut pending = self.pending.lock().await;
        let operation = pending.get_or_insert_with(|| (self.start)());
        let accepted = operation.await;
        *pending = None;
        accepted
    }
}

impl<T> fmt::Debug for KeptAccept<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptAccept").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::{cell::Cell, rc::Rc};

    use futures::{FutureExt, channel::oneshot, executor::block_on, poll};

    use super::*;

    #[test]
    fn a_dropped_accept_leaves_its_operation_and_its_connection_to_the_next() {
        let started = Rc::new(Cell::new(0));
        let (connect, connected) = oneshot::channel::<u32>();
        let connected = Cell::new(Some(connected));
        let accepts = KeptAccept::new({
            let started = started.clone();
            move || {
                started.set(started.get() + 1);
                let connected = connected.take();
                async move {
                    let connected = connected.ok_or_else(|| io::Error::other("a second"))?;
                    connected.await.map_err(io::Error::other)
                }
                .boxed_local()
            }
        });
        let mut first = Box::pin(accepts.accept());
        assert!(block_on(async { poll!(first.as_mut()) }).is_pending());
        drop(first);
        connect.send(7).unwrap();
        assert_eq!(block_on(accepts.accept()).unwrap(), 7);
        assert_eq!(started.get(), 1, "one operation, taken over");
        assert!(block_on(accepts.accept()).is_err(), "a completed one is not kept");
        assert_eq!(started.get(), 2);
    }
}
