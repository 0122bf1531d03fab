//! The gateway's requests and answers as a client writes and reads them by hand,
//! shared by the `http_serve` group, the load generator and compare serve's held
//! connections: nothing of the gateway's own code, so that a wrong answer cannot
//! agree with itself.

use std::io::{self, Read, Write};

use chain_core::UserId;

/// The largest answer head read: the gateway's are about 150 bytes.
pub const HEAD_LIMIT: usize = 8 * 1024;

/// `GET /users/{user}/with-orders` on a kept-alive connection.
pub fn request(user: UserId) -> Vec<u8> {
    format!("GET /users/{user}/with-orders HTTP/1.1\r\nHost: gateway\r\n\r\n").into_bytes()
}

/// The article's answer for `user`, written out here rather than taken from the
/// gateway's code.
pub fn expected_body(user: UserId) -> Vec<u8> {
    let orders = match user {
        1 => "1,3,10,11",
        2 => "23,34",
        _ => "",
    };
    format!(r#"{{"user":{{"user_id":{user},"user_name":"user-{user}"}},"orders":[{orders}]}}"#)
        .into_bytes()
}

/// `GET /users/with-orders?ids=...` for `users`, in their order, on a kept-alive
/// connection: the batch route.
pub fn batch_request(users: &[UserId]) -> Vec<u8> {
    let ids: Vec<String> = users.iter().map(UserId::to_string).collect();
    let ids = ids.join(",");
    format!("GET /users/with-orders?ids={ids} HTTP/1.1\r\nHost: gateway\r\n\r\n").into_bytes()
}

/// The batch route's answer for `users`: each one's [`expected_body`], in order, as a
/// JSON array.
pub fn expected_batch_body(users: &[UserId]) -> Vec<u8> {
    let bodies: Vec<Vec<u8>> = users.iter().map(|&user| expected_body(user)).collect();
    [b"[".as_slice(), &bodies.join(b",".as_slice()), b"]"].concat()
}

/// An answer's head: its status, its length, and its body's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// The status code.
    pub status: u16,
    /// The head's length in bytes, its blank line included.
    pub length: usize,
    /// The body's length in bytes (its `content-length`).
    pub body: usize,
}

/// The head at the start of `buffer`, `None` if it is not all there yet.
///
/// # Errors
///
/// Not an HTTP answer, one without a `content-length`, or a head over [`HEAD_LIMIT`].
pub fn parse_head(buffer: &[u8]) -> io::Result<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => {
            let body = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                .ok_or_else(|| invalid("an answer without a content-length"))?;
            Ok(Some(Head { status: response.code.unwrap_or(0), length, body }))
        }
        Ok(httparse::Status::Partial) if buffer.len() < HEAD_LIMIT => Ok(None),
        Ok(httparse::Status::Partial) => Err(invalid("an answer head over 8 KiB")),
        Err(e) => Err(invalid(&format!("not an HTTP answer: {e}"))),
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// A blocking client on one kept-alive connection: one request at a time, no
/// reactor of any runtime involved.
pub struct Blocking {
    stream: std::net::TcpStream,
    buffer: Vec<u8>,
}

impl Blocking {
    /// Connects to `address`, with `TCP_NODELAY` set.
    ///
    /// # Errors
    ///
    /// The connection failed.
    pub fn connect(address: std::net::SocketAddr) -> io::Result<Self> {
        let stream = std::net::TcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        // A server that stops answering fails the measurement instead of hanging it.
        stream.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
        Ok(Blocking { stream, buffer: Vec::with_capacity(1024) })
    }

    /// Sends `request` and returns its answer's status and body.
    ///
    /// # Errors
    ///
    /// The connection failed, or the answer is not HTTP.
    pub fn exchange(&mut self, request: &[u8]) -> io::Result<(u16, &[u8])> {
        self.buffer.clear();
        self.stream.write_all(request)?;
        let head = loop {
            if let Some(head) = parse_head(&self.buffer)? {
                break head;
            }
            self.fill()?;
        };
        while self.buffer.len() < head.length + head.body {
            self.fill()?;
        }
        Ok((head.status, &self.buffer[head.length..head.length + head.body]))
    }

    fn fill(&mut self) -> io::Result<()> {
        let start = self.buffer.len();
        self.buffer.resize(start + 4096, 0);
        let read = self.stream.read(&mut self.buffer[start..]);
        self.buffer.truncate(start + *read.as_ref().unwrap_or(&0));
        match read? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            _ => Ok(()),
        }
    }
}
