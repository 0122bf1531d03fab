//! One HTTP exchange over a plain blocking socket, for tests that read the bytes on
//! the wire.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

/// Sends `method path` with `Connection: close` and returns every byte of the
/// answer, up to the service closing the connection.
pub fn exchange(address: SocketAddr, method: &str, path: &str) -> String {
    send(address, &format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"))
}

/// Sends `request`, whole and as it is, and returns every byte of the answer, up to
/// the service closing the connection.
pub fn send(address: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    // A service that kept the connection open would fail the test, not hang it.
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the service closes the connection");
    String::from_utf8(answer).unwrap()
}

/// The answer's head (status line and headers) and its body.
pub fn head_and_body(answer: &str) -> (&str, &str) {
    answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head in {answer:?}"))
}
