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
/// same for all of them. A port that any other socket listens on is refused, even
/// one whose owner shares it with `SO_REUSEPORT`.
///
/// # Errors
///
/// The port is taken (`AddrInUse`) or not allowed, or the system is out of sockets.
pub fn bind(address: SocketAddr, count: NonZeroUsize) -> io::Result<Vec<std::net::TcpListener>> {
    // The first socket binds and listens without SO_REUSEPORT, so the kernel admits it
    // only to a port nobody else holds: a listener with SO_REUSEPORT of another of
    // this user's processes would otherwise take it in, and the two would split the
    // connections. A rival that bound at the same moment (SO_REUSEADDR lets two
    // sockets bind) is refused at listen(), so the check has no window. Only once the
    // first listens does it turn SO_REUSEPORT on, admitting its siblings (Linux checks
    // the option at each bind, and adds the first to the group when the second
    // listens). A probe bound and closed before the real sockets would leave a gap.
    let first = listener(address, false)?;
    let address = first.local_addr()?;
    if count.get() > 1 {
        set_reuse_port(&socket2::SockRef::from(&first))?;
    }
    let mut listeners = vec![first];
    for _ in 1..count.get() {
        listeners.push(listener(address, true)?);
    }
    Ok(listeners)
}

fn listener(address: SocketAddr, shared: bool) -> io::Result<std::net::TcpListener> {
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
    fn every_listener_is_dealt_connections() {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        let listeners = bind(any_port, NonZeroUsize::new(2).unwrap()).unwrap();
        let address = listeners[0].local_addr().unwrap();
        // 64 connections by a hash of their ports: all on one listener once in 2^63.
        let _clients: Vec<_> =
            (0..64).map(|_| std::net::TcpStream::connect(address).unwrap()).collect();
        for (i, listener) in listeners.iter().enumerate() {
            listener.set_nonblocking(true).unwrap();
            let accepted = std::iter::from_fn(|| listener.accept().ok()).count();
            assert!(accepted > 0, "listener {i} was dealt no connection of 64");
        }
    }

    #[test]
    fn a_port_another_group_of_listeners_holds_is_refused() {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        let group = bind(any_port, NonZeroUsize::new(2).unwrap()).unwrap();
        let taken = group[0].local_addr().unwrap();
        for count in [1, 2] {
            let refused = bind(taken, NonZeroUsize::new(count).unwrap()).map(drop).unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::AddrInUse, "{count} listeners: {refused}");
        }
    }

    #[test]
    fn a_single_listener_does_not_share_its_port() {
        let one = bind(SocketAddr::from(([127, 0, 0, 1], 0)), NonZeroUsize::MIN).unwrap();
        let taken = one[0].local_addr().unwrap();
        assert!(bind(taken, NonZeroUsize::MIN).is_err(), "a second server on a port in use");
    }
}
