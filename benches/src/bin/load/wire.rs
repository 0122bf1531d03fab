//! One kept-alive HTTP/1.1 connection to the gateway, written and read by hand: a
//! fixed GET out, the answer's status and body in, parsed with httparse. Nothing of
//! the gateway's own code, so that it cannot agree with a wrong answer.

use std::{
    io,
    net::{SocketAddr, TcpStream},
};

use async_io::Async;
use futures::{AsyncReadExt, AsyncWriteExt};

/// The largest answer head read: the gateway's are about 150 bytes.
const HEAD_LIMIT: usize = 8 * 1024;

/// An answer: its status, and whether its body was the one expected.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body_as_expected: bool,
}

/// A connection, and what it has read past the last answer.
pub struct Connection {
    stream: Async<TcpStream>,
    buffer: Vec<u8>,
}

impl Connection {
    pub async fn open(address: SocketAddr) -> io::Result<Self> {
        let stream = Async::<TcpStream>::connect(address).await?;
        stream.get_ref().set_nodelay(true)?;
        Ok(Connection { stream, buffer: Vec::with_capacity(1024) })
    }

    /// Sends `request` (a whole GET) and reads its answer, comparing the body with
    /// `expected` when the status is 200.
    pub async fn exchange(&mut self, request: &[u8], expected: &[u8]) -> io::Result<Answer> {
        self.stream.write_all(request).await?;
        let (status, head, length) = self.read_head().await?;
        while self.buffer.len() < head + length {
            self.fill().await?;
        }
        let body = &self.buffer[head..head + length];
        let answer = Answer { status, body_as_expected: status != 200 || body == expected };
        self.buffer.drain(..head + length);
        Ok(answer)
    }

    /// The status, the head's length and the body's (its `content-length`).
    async fn read_head(&mut self) -> io::Result<(u16, usize, usize)> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.buffer) {
                Ok(httparse::Status::Complete(head)) => {
                    let status = response.code.unwrap_or(0);
                    let length = response
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                        .ok_or_else(|| invalid("an answer without a content-length"))?;
                    return Ok((status, head, length));
                }
                Ok(httparse::Status::Partial) if self.buffer.len() < HEAD_LIMIT => {
                    self.fill().await?
                }
                Ok(httparse::Status::Partial) => return Err(invalid("an answer head over 8 KiB")),
                Err(e) => return Err(invalid(&format!("not an HTTP answer: {e}"))),
            }
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        let start = self.buffer.len();
        self.buffer.resize(start + 4096, 0);
        let read = self.stream.read(&mut self.buffer[start..]).await;
        self.buffer.truncate(start + *read.as_ref().unwrap_or(&0));
        match read? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            _ => Ok(()),
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}
