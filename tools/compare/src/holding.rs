//! `compare serve --hold N`: the server's memory per open connection, each kept
//! alive after one request, as a long-polling or idle-client load holds them.

use std::num::NonZeroUsize;

use benches::gateway_wire::{Blocking, expected_body, request};
use chain_records::serve_record::Held;

use crate::{served::Served, server_process::Server};

/// Why `n` connections cannot be held from this process, if they cannot.
pub fn descriptor_shortage(n: NonZeroUsize) -> Option<String> {
    let (needed, limit) = chain_cli::short_of_descriptors(n.get() as u64)?;
    Some(format!(
        "--hold {n} needs about {needed} file descriptors and `ulimit -n` allows {limit}: raise `ulimit -n`, or hold fewer"
    ))
}

/// Opens `n` connections to `server`, one request answered on each, and reads its
/// resident memory before and while they are all open.
pub fn hold(server: &Server, served: &Served, n: NonZeroUsize) -> Result<Held, String> {
    let resident_before_bytes = server.resident_memory()?;
    let (request, expected) = (request(1), expected_body(1));
    let mut open = Vec::with_capacity(n.get());
    for i in 0..n.get() {
        let failed = |e: std::io::Error| format!("{served}: connection {i} of {n} failed: {e}");
        let mut connection = Blocking::connect(server.address).map_err(failed)?;
        match connection.exchange(&request).map_err(failed)? {
            (200, body) if body == expected => {}
            (status, _) => return Err(format!("{served}: connection {i} was answered {status}")),
        }
        open.push(connection);
    }
    let resident_holding_bytes = server.resident_memory()?;
    drop(open);
    Ok(Held { connections: n.get(), resident_before_bytes, resident_holding_bytes })
}
