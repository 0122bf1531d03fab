//! [`Confined`]: a thread-per-core runtime's stream or future, `Send` by a check.

use std::{
    future::Future,
    io,
    pin::Pin,
    task::{Context, Poll},
};

use futures::io::{AsyncRead, AsyncWrite};
use send_wrapper::SendWrapper;

pin_project_lite::pin_project! {
    /// A stream that must stay on the thread that opened it (its runtime's driver is
    /// that thread's), made `Send` for the contract by a check: read, written or dropped
    /// on another thread, it panics instead of racing. A thread-per-core runtime's tasks
    /// never leave their thread, so neither does a stream they opened.
    ///
    /// A future confined so is polled through: the glues' sleeps are, made on their
    /// first poll by chain-contract's `LazySleep`, in the room of the sleep alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use chain_per_core::Confined;
    /// use futures::{executor::block_on, io::{AsyncReadExt, Cursor}};
    ///
    /// let mut stream = Confined::new(Cursor::new(b"ok".to_vec()));
    /// let mut read = String::new();
    /// block_on(stream.read_to_string(&mut read)).unwrap();
    /// assert_eq!(read, "ok");
    /// ```
    #[derive(Debug)]
    pub struct Confined<S> {
        #[pin]
        inner: SendWrapper<S>,
    }
}

impl<S> Confined<S> {
    /// `stream`, confined to the calling thread.
    pub fn new(stream: S) -> Self {
        Confined { inner: SendWrapper::new(stream) }
    }

    /// The value, on its thread: how a glue reaches a confined listener to accept.
    ///
    /// # Panics
    ///
    /// On any other thread.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The stream, on its thread.
    ///
    /// # Panics
    ///
    /// On any other thread.
    fn get(self: Pin<&mut Self>) -> Pin<&mut S>
    where
        S: Unpin,
    {
        Pin::new(&mut *self.get_mut().inner)
    }
}

impl<F: Future> Future for Confined<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().inner.poll(cx)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Confined<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get().poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Confined<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get().poll_close(cx)
    }
}

/// The future that `make` builds, built where it is first polled and confined to
/// that thread: how a thread-per-core glue hands out its runtime's `!Send`
/// connection attempts and accepts as the contract's `Send` futures. Made lazily, so
/// that it lives on the thread of the task that awaits it. As an async function it
/// keeps `make` beside the future it awaits; a sleep, which every fetch holds, is a
/// [`Confined`] made by chain-contract's `LazySleep` instead, in the room of one.
///
/// # Examples
///
/// ```
/// use chain_per_core::confined;
/// use std::rc::Rc;
///
/// fn is_send<T: Send>(_: &T) {}
/// // A future that holds an Rc across an await is not Send; made and kept on the
/// // thread that polls it, it is.
/// let answer = confined(|| async {
///     let seven = Rc::new(7);
///     futures::future::ready(()).await;
///     *seven
/// });
/// is_send(&answer);
/// assert_eq!(futures::executor::block_on(answer), 7);
/// ```
///
/// # Panics
///
/// The future panics if polled on another thread than its first poll's.
pub async fn confined<F, M>(make: M) -> F::Output
where
    M: FnOnce() -> F,
    F: Future,
{
    SendWrapper::new(make()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_read_on_another_thread_panics_instead_of_racing() {
        // A stream with nothing to drop: dropping one that has would panic too.
        let mut stream = Confined::new(futures::io::Cursor::new(&b"1"[..]));
        let elsewhere = std::thread::spawn(move || {
            let mut byte = [0];
            futures::executor::block_on(futures::io::AsyncReadExt::read(&mut stream, &mut byte))
        });
        assert!(elsewhere.join().is_err());
    }
}
