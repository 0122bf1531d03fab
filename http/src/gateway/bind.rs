//! The gateway's listening sockets, bound here once for every runtime, so that they
//! all have the same options.

use std::{io, net::SocketAddr, num::NonZeroUsize};

use socket2::{Domain, Protocol, Socket, Type};

/// The listen backlog: connections the kernel holds while the accept loop catches up.
/// The kernel caps it at `net.core.somaxconn` (4096 on current Linux).
const BACKLOG: i32 = 4096;

/// `count` sockets listening on `address`: one, or one per shard of a thread-per-core
/// runtime, all on the same port with `SO_REUSEPORT`, among which the kernel deals
/// incoming connections by a hash of their addresses. Port 0 picks a free port, the
/// same for all of them.
///
/// # Errors
///
/// The port is taken or not allowed, or the system is out of sockets.
pub fn bind(address: SocketAddr, count: NonZeroUsize) -> io::Result<Vec<std::net::TcpListener>> {
    let first = socket(address, count.get() > 1)?;
    let address = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..count.get() {
        listeners.push(socket(address, true)?);
    }
    Ok(listeners)
}

fn socket(address: SocketAddr, shared: bool) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, Some(Protocol::TCP))?;
    // A restarted server binds at once, whatever its last connections left behind.
    socket.set_reuse_address(true)?;
    if shared {
        set_reuse_port(&socket)?;
    }
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

#[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
fn set_reuse_port(socket: &Socket) -> io::Result<()> {
    socket.set_reuse_port(true)
}

#[cfg(not(all(unix, not(any(target_os = "solaris", target_os = "illumos")))))]
fn set_reuse_port(_: &Socket) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "one listener per thread needs SO_REUSEPORT, which this system lacks",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listener_shares_the_port_the_first_was_given() {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        let listeners = bind(any_port, NonZeroUsize::new(3).unwrap()).unwrap();
        let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().unwrap().port()).collect();
        assert_eq!(ports.len(), 3);
        assert!(ports[0] != 0 && ports.iter().all(|p| *p == ports[0]), "{ports:?}");
    }

    #[test]
    fn a_single_listener_does_not_share_its_port() {
        let one = bind(SocketAddr::from(([127, 0, 0, 1], 0)), NonZeroUsize::MIN).unwrap();
        let taken = one[0].local_addr().unwrap();
        assert!(bind(taken, NonZeroUsize::MIN).is_err(), "a second server on a port in use");
    }
}
