//! hyper's I/O traits over a `futures-io` stream, without zero-filling hyper's read
//! buffer.
//!
//! `futures-io` reads into initialised bytes, and hyper hands out an uninitialised
//! buffer (8 KiB to start with). smol-hyper's `FuturesIo` zeroes the whole unfilled
//! buffer before every read: a memset per read, and pages of every kept-alive
//! connection's buffer made resident though a request fills a few hundred bytes: on
//! tokio, 19.6 KiB per open connection through it, 13.5 KiB through this adapter
//! (`compare serve --hold 10000`). Here a stream reads into a scratch buffer of its
//! thread, initialised once, and only the bytes read are copied into hyper's.

use std::{
    cell::RefCell,
    io,
    pin::Pin,
    task::{Context, Poll, ready},
};

use futures::io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

/// The most one read takes: hyper's first buffer is 8 KiB, and the gateway's requests
/// and the record service's answers are far smaller (a larger answer takes more reads,
/// as hyper's buffer grows beyond this).
const SCRATCH_LEN: usize = 16 * 1024;

/// What a read into the thread's scratch buffer uses when that is not available (a
/// read inside another, or the thread's storage already torn down): a small buffer
/// on the stack.
const FALLBACK_LEN: usize = 1024;

thread_local! {
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0; SCRATCH_LEN].into_boxed_slice());
}

/// A `futures-io` stream as hyper's [`Read`](hyper::rt::Read) and
/// [`Write`](hyper::rt::Write).
#[derive(Debug)]
pub(crate) struct HyperIo<S>(pub(crate) S);

impl<S: AsyncRead + Unpin> hyper::rt::Read for HyperIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let stream = &mut self.0;
        let polled = SCRATCH.try_with(|scratch| {
            let mut scratch = scratch.try_borrow_mut().ok()?;
            Some(read_into(Pin::new(&mut *stream), cx, &mut buf, &mut scratch))
        });
        match polled {
            Ok(Some(polled)) => polled,
            _ => read_into(Pin::new(stream), cx, &mut buf, &mut [0; FALLBACK_LEN]),
        }
    }
}

/// Reads from `stream` into `scratch`, at most what `buf` has room for, and copies
/// what was read into `buf`.
fn read_into<S: AsyncRead>(
    stream: Pin<&mut S>,
    cx: &mut Context<'_>,
    buf: &mut ReadBufCursor<'_>,
    scratch: &mut [u8],
) -> Poll<io::Result<()>> {
    let room = buf.remaining().min(scratch.len());
    let n = ready!(stream.poll_read(cx, &mut scratch[..room]))?;
    buf.put_slice(&scratch[..n]);
    Poll::Ready(Ok(()))
}

impl<S: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }

    // hyper writes vectored only where `is_write_vectored` says so, which futures-io
    // cannot tell; kept so that a caller that asks gets the stream's own.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use futures::io::Cursor;
    use hyper::rt::{Read, ReadBuf};

    use super::*;

    /// Polls one read through `io` into `room` bytes: what it read.
    fn read_once<S: AsyncRead + Unpin>(
        io: &mut HyperIo<S>,
        room: usize,
    ) -> Poll<io::Result<Vec<u8>>> {
        let mut storage = vec![0xAA; room];
        let mut buf = ReadBuf::new(&mut storage);
        let mut cx = Context::from_waker(Waker::noop());
        Pin::new(io).poll_read(&mut cx, buf.unfilled()).map_ok(|()| buf.filled().to_vec())
    }

    /// What `read_once` read from a stream that is always ready.
    fn read_ready<S: AsyncRead + Unpin>(io: &mut HyperIo<S>, room: usize) -> Vec<u8> {
        match read_once(io, room) {
            Poll::Ready(read) => read.expect("the stream does not fail"),
            Poll::Pending => panic!("the stream is always ready"),
        }
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn the_bytes_read_reach_hypers_buffer_whole_and_in_order() {
        let sent = pattern(3 * SCRATCH_LEN + 17);
        let mut io = HyperIo(Cursor::new(sent.clone()));
        let mut received = Vec::new();
        loop {
            let read = read_ready(&mut io, 2 * SCRATCH_LEN);
            assert!(read.len() <= SCRATCH_LEN, "one read takes at most the scratch buffer");
            if read.is_empty() {
                break;
            }
            received.extend(read);
        }
        assert_eq!(received, sent);
    }

    #[test]
    fn a_read_takes_no_more_than_hyper_has_room_for() {
        let mut io = HyperIo(Cursor::new(pattern(100)));
        assert_eq!(read_ready(&mut io, 7), pattern(7));
        assert_eq!(read_ready(&mut io, 1000).len(), 93);
    }

    /// A stream whose every read first reads through another `HyperIo` on the same
    /// thread, while the outer read holds the scratch buffer.
    struct ReadsInside(HyperIo<Cursor<Vec<u8>>>);

    impl AsyncRead for ReadsInside {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            out: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let inner = read_ready(&mut self.0, out.len());
            out[..inner.len()].copy_from_slice(&inner);
            Poll::Ready(Ok(inner.len()))
        }
    }

    #[test]
    fn a_read_inside_another_on_the_same_thread_still_reads() {
        let mut io = HyperIo(ReadsInside(HyperIo(Cursor::new(pattern(5000)))));
        let read = read_ready(&mut io, 5000);
        assert_eq!(read, pattern(FALLBACK_LEN), "the inner read used the stack buffer");
    }

    /// A stream that is never ready to read, fails to read, and records what is
    /// written, flushed and closed.
    #[derive(Default)]
    struct Recording {
        fail_reads: bool,
        written: Vec<u8>,
        flushed: bool,
        closed: bool,
    }

    impl AsyncRead for Recording {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            match self.fail_reads {
                true => Poll::Ready(Err(io::ErrorKind::ConnectionReset.into())),
                false => Poll::Pending,
            }
        }
    }

    impl AsyncWrite for Recording {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.written.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.flushed = true;
            Poll::Ready(Ok(()))
        }

        fn poll_close(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.closed = true;
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_pending_stream_stays_pending() {
        assert!(read_once(&mut HyperIo(Recording::default()), 64).is_pending());
    }

    #[test]
    fn a_failed_read_fails_with_the_streams_error() {
        let mut io = HyperIo(Recording { fail_reads: true, ..Recording::default() });
        match read_once(&mut io, 64) {
            Poll::Ready(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
            other => panic!("expected the stream's error, got {other:?}"),
        }
    }

    #[test]
    fn writes_flushes_and_shutdowns_reach_the_stream() {
        use hyper::rt::Write;
        let mut io = HyperIo(Recording::default());
        let mut cx = Context::from_waker(Waker::noop());
        let written = Pin::new(&mut io).poll_write(&mut cx, b"GET / HTTP/1.1\r\n\r\n");
        assert!(matches!(written, Poll::Ready(Ok(18))));
        assert!(Pin::new(&mut io).poll_flush(&mut cx).is_ready() && io.0.flushed && !io.0.closed);
        assert!(Pin::new(&mut io).poll_shutdown(&mut cx).is_ready() && io.0.closed);
        assert_eq!(io.0.written, b"GET / HTTP/1.1\r\n\r\n");
    }
}
