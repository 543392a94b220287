//! `baton healthcheck`: ask the Baton on this machine whether it is ready
//! (`GET /readyz` on `BATON_LISTEN`), for a container `HEALTHCHECK` or a
//! service manager, without curl in the image. Exit 0 when Baton answers
//! 200, 1 otherwise (the reason on stderr).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Config;

/// A ready Baton answers in milliseconds; a health check must not hang.
const TIMEOUT: Duration = Duration::from_secs(3);

pub fn run(config: &Config) -> ExitCode {
    let target = local_target(config.listen);
    match readyz(target) {
        Ok(()) => {
            println!("ready: http://{target}/readyz answered 200");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("baton healthcheck: not ready: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// Where to reach a server listening on `listen` from this machine: a
/// wildcard address (0.0.0.0, ::) is reached on loopback.
pub(crate) fn local_target(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// One plain HTTP/1.0 request; the status line decides.
pub(crate) fn readyz(target: SocketAddr) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&target, TIMEOUT)
        .map_err(|e| format!("nothing answers at {target} ({e})"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /readyz HTTP/1.0\r\nHost: {target}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("cannot send to {target} ({e})"))?;
    let mut answer = Vec::new();
    let _ = stream.take(4096).read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or("");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").trim();
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        Some(code) => Err(format!("{target} answered HTTP {code}: {body}")),
        None => Err(format!("{target} did not answer with HTTP")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_listen_address_is_checked_on_loopback() {
        assert_eq!(
            local_target("0.0.0.0:3000".parse().unwrap()).to_string(),
            "127.0.0.1:3000"
        );
        assert_eq!(
            local_target("[::]:3000".parse().unwrap()).to_string(),
            "[::1]:3000"
        );
        assert_eq!(
            local_target("10.0.0.5:80".parse().unwrap()).to_string(),
            "10.0.0.5:80"
        );
    }
}
