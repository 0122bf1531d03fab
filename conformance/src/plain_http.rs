//! A client nobody could mistake for the gateway's own: HTTP/1.1 written and read by
//! hand over a blocking `std::net::TcpStream`, with a read timeout so that a case
//! fails rather than hangs.

use std::{
    io::{self, BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

/// Longer than any answer takes on a loaded machine: only a hang reaches it.
const READ_LIMIT: Duration = Duration::from_secs(30);

/// A request head hyper cannot parse: a header line without a colon.
pub(crate) const MALFORMED_HEAD: &[u8] = b"GET /users/1/with-orders HTTP/1.1\r\nHost x\r\n\r\n";

/// One answer, as read off the wire.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// Header names in lower case, with their values.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A kept-alive connection to the gateway.
pub(crate) struct Connection {
    reader: BufReader<TcpStream>,
    /// Whether the request last sent was a HEAD, whose answer has no body.
    head: bool,
}

impl Connection {
    pub(crate) fn open(address: SocketAddr) -> Self {
        let stream = TcpStream::connect(address).expect("the gateway accepts connections");
        stream.set_read_timeout(Some(READ_LIMIT)).expect("a read timeout can be set");
        Connection { reader: BufReader::new(stream), head: false }
    }

    /// Sends `bytes` as they are: a request, part of one, or nonsense.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("the gateway reads the request");
    }

    /// Sends `method path` on this connection, kept alive.
    pub(crate) fn send_request(&mut self, method: &str, path: &str) {
        self.send(format!("{method} {path} HTTP/1.1\r\nHost: gateway\r\n\r\n").as_bytes());
        self.head = method == "HEAD";
    }

    /// Sends `method path` and reads its answer.
    pub(crate) fn request(&mut self, method: &str, path: &str) -> Answer {
        self.send_request(method, path);
        self.answer().expect("an answer")
    }

    /// The next answer, or the error that ended the connection instead (the gateway
    /// closed it: `UnexpectedEof`).
    pub(crate) fn answer(&mut self) -> io::Result<Answer> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok());
        let status =
            status.ok_or_else(|| io::Error::other(format!("not a status line: {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let Some((name, value)) = line.trim_end().split_once(':') else { break };
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let length = headers.iter().find(|(n, _)| n == "content-length");
        let length = length.and_then(|(_, v)| v.parse().ok()).filter(|_| !self.head);
        let length: usize = length.unwrap_or(0);
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        let body = String::from_utf8(body).map_err(io::Error::other)?;
        Ok(Answer { status, headers, body })
    }

    /// Whether the gateway has closed this connection: the next read finds its end
    /// (after any answer it sent first, which is returned).
    pub(crate) fn closed(&mut self) -> (bool, Option<Answer>) {
        let answer = self.answer().ok();
        let mut rest = Vec::new();
        let closed = match self.reader.read_to_end(&mut rest) {
            Ok(0) => true,
            Err(e) => e.kind() == io::ErrorKind::ConnectionReset,
            Ok(_) => false,
        };
        (closed, answer)
    }
}
