//! Where a server listens: `--listen HOST:PORT`, or `--port PORT`, its short form on
//! 127.0.0.1. The same for `serve` and `record-service`.

use std::net::{Ipv4Addr, SocketAddr};

/// `--port PORT`'s address: PORT on 127.0.0.1.
fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// The address `--listen` and `--port` ask for, `default_port` on 127.0.0.1 when
/// neither is given. Check them with [`listen_conflict`] first.
pub fn listen_address(
    listen: Option<SocketAddr>,
    port: Option<u16>,
    default_port: u16,
) -> SocketAddr {
    listen.unwrap_or_else(|| loopback(port.unwrap_or(default_port)))
}

/// Why `--listen` and `--port` cannot both be given, if they cannot: `--port PORT`
/// is short for `--listen 127.0.0.1:PORT`, so both are accepted only where they
/// name that one address, rather than one silently winning.
pub fn listen_conflict(listen: Option<SocketAddr>, port: Option<u16>) -> Option<String> {
    let (listen, port) = (listen?, port?);
    (listen != loopback(port)).then(|| {
        format!(
            "--listen {listen} and --port {port} (short for --listen {}) name two addresses: give one",
            loopback(port)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_is_short_for_listening_on_127_0_0_1() {
        let anywhere: SocketAddr = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(listen_address(None, None, 8080), loopback(8080));
        assert_eq!(listen_address(None, Some(9000), 8080), loopback(9000));
        assert_eq!(listen_address(Some(anywhere), None, 8080), anywhere);
        assert_eq!(listen_conflict(Some(loopback(9000)), Some(9000)), None);
        assert_eq!(listen_conflict(Some(anywhere), None), None);
        for (listen, port) in [(anywhere, 9000), (loopback(9000), 9001)] {
            let message = listen_conflict(Some(listen), Some(port)).expect("refused");
            assert!(message.contains(&format!("--listen {listen} and --port {port}")), "{message}");
        }
    }
}
