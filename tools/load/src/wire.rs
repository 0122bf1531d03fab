//! One kept-alive HTTP/1.1 connection to the gateway over async-io: a fixed GET out,
//! the answer's status and body in, read as `benches::gateway_wire` says.

use std::{
    io,
    net::{SocketAddr, TcpStream},
};

use async_io::Async;
use benches::gateway_wire::parse_head;
use futures::{AsyncReadExt, AsyncWriteExt};

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
        let head = loop {
            if let Some(head) = parse_head(&self.buffer)? {
                break head;
            }
            self.fill().await?;
        };
        let end = head.length + head.body;
        while self.buffer.len() < end {
            self.fill().await?;
        }
        let body = &self.buffer[head.length..end];
        let answer = Answer {
            status: head.status,
            body_as_expected: head.status != 200 || body == expected,
        };
        self.buffer.drain(..end);
        Ok(answer)
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
