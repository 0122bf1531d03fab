//! The contract's sockets: [`ByteStream`], a connection's bytes, and [`Listener`],
//! a runtime's own listening socket.

use std::{future::Future, io, net::SocketAddr};

/// A connection's bytes as the HTTP client reads and writes them: `futures-io`, and
/// movable between tasks and threads. Every such type is one.
pub trait ByteStream:
    futures::io::AsyncRead + futures::io::AsyncWrite + Send + Unpin + 'static
{
}

impl<S> ByteStream for S where
    S: futures::io::AsyncRead + futures::io::AsyncWrite + Send + Unpin + 'static
{
}

/// A listening TCP socket registered with a runtime's reactor
/// ([`Runtime::listen`](crate::Runtime::listen)), which accepts that runtime's own
/// streams, each with `TCP_NODELAY` set (as [`Runtime::connect`](crate::Runtime::connect)'s).
///
/// On a thread-per-core runtime the listener stays on the thread that registered it,
/// as its streams do: a server there runs one listener per thread, each bound to the
/// same port with `SO_REUSEPORT`, and the kernel deals the connections among them.
pub trait Listener: Send + Sync + 'static {
    /// The stream an accepted connection is.
    type Stream: ByteStream;

    /// Waits for the next connection and returns it with the peer's address.
    ///
    /// # Errors
    ///
    /// The operating system's error: out of file descriptors, a connection reset
    /// while it waited in the queue. The listener itself stays usable.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it loses no connection; one that arrived meanwhile is
    /// the next call's. (On io_uring the kernel completes an accept as the
    /// connection arrives, before the runtime hands it over, so a glue there keeps
    /// the operation for the next call.)
    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_;

    /// The address it listens on (with the port the system chose, for port 0).
    ///
    /// # Errors
    ///
    /// The operating system's error.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

/// A runtime's own `connect`, then its stream's `set_nodelay(true)`: the contract's
/// [`Runtime::connect`](crate::Runtime::connect) written once for every glue.
///
/// # Errors
///
/// The connect's error, or the socket option's.
///
/// # Cancel safety
///
/// As cancel safe as `connecting`.
pub async fn connect_no_delay<S>(
    connecting: impl Future<Output = io::Result<S>>,
    set_nodelay: impl FnOnce(&S, bool) -> io::Result<()>,
) -> io::Result<S> {
    let stream = connecting.await?;
    set_nodelay(&stream, true)?;
    Ok(stream)
}

/// A runtime's own `accept`, then the stream's `set_nodelay(true)`: the contract's
/// [`Listener::accept`] written once for every glue.
///
/// # Errors
///
/// The accept's error, or the socket option's.
///
/// # Cancel safety
///
/// As cancel safe as `accepting`.
pub async fn accept_no_delay<S>(
    accepting: impl Future<Output = io::Result<(S, SocketAddr)>>,
    set_nodelay: impl FnOnce(&S, bool) -> io::Result<()>,
) -> io::Result<(S, SocketAddr)> {
    let (stream, peer) = accepting.await?;
    set_nodelay(&stream, true)?;
    Ok((stream, peer))
}
