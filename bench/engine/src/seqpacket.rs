//! Raw `SOCK_SEQPACKET` Unix sockets on Linux's abstract names, through
//! rustix's safe calls: the message family's peer listens with them, and
//! the suite measures them as the raw contender.
//!
//! One `send(2)` per message and one `recv(2)` per message, straight into
//! the caller's buffer, with `MSG_TRUNC` to tell a message that did not fit
//! (the kernel drops the rest of it): as little as a message socket costs.

use std::io;
use std::os::fd::OwnedFd;

use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketAddrUnix, SocketFlags, SocketType};

use crate::message::{Messages, too_long};

/// A connected socket.
#[derive(Debug)]
pub struct Seqpacket(OwnedFd);

impl Seqpacket {
    /// Connects to the listener on the abstract name `name`.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made or no listener is there.
    pub fn connect(name: &str) -> io::Result<Self> {
        let socket = socket()?;
        rustix::net::connect(&socket, &address(name)?)?;
        Ok(Self(socket))
    }
}

impl Messages for Seqpacket {
    fn send_message(&mut self, message: &[u8]) -> io::Result<()> {
        // No SIGPIPE if the peer is gone: an EPIPE error instead.
        let sent = retried(|| rustix::net::send(&self.0, message, SendFlags::NOSIGNAL))?;
        if sent == message.len() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("only {sent} of the message's {} bytes went", message.len()),
            ))
        }
    }

    fn recv_message(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (received, len) = retried(|| rustix::net::recv(&self.0, &mut *buf, RecvFlags::TRUNC))?;
        if len > received {
            return Err(too_long(len, buf.len()));
        }
        Ok(received)
    }
}

/// A listening socket, for the peer.
#[derive(Debug)]
pub(crate) struct Listener(OwnedFd);

impl Listener {
    /// Listens on the abstract name `name`.
    pub(crate) fn bind(name: &str) -> io::Result<Self> {
        let socket = socket()?;
        rustix::net::bind(&socket, &address(name)?)?;
        rustix::net::listen(&socket, 1)?;
        Ok(Self(socket))
    }

    /// Waits for a client.
    pub(crate) fn accept(&self) -> io::Result<Seqpacket> {
        retried(|| rustix::net::accept_with(&self.0, SocketFlags::CLOEXEC)).map(Seqpacket)
    }
}

fn socket() -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )?)
}

fn address(name: &str) -> io::Result<SocketAddrUnix> {
    Ok(SocketAddrUnix::new_abstract_name(name.as_bytes())?)
}

/// `call`, again for as long as a signal interrupts it.
fn retried<T>(mut call: impl FnMut() -> rustix::io::Result<T>) -> io::Result<T> {
    loop {
        match call() {
            Err(rustix::io::Errno::INTR) => {}
            result => return Ok(result?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_boundaries_and_a_long_one_is_refused() {
        let name = format!("localipc-bench-engine-test-{}", std::process::id());
        let listener = Listener::bind(&name).unwrap();
        let mut client = Seqpacket::connect(&name).unwrap();
        let mut server = listener.accept().unwrap();
        client.send_message(b"one").unwrap();
        client.send_message(b"three").unwrap();
        client.send_message(&[9; 100]).unwrap();
        let mut buf = [0; 64];
        server.recv_exact_message(&mut buf[..3]).unwrap();
        assert_eq!(&buf[..3], b"one");
        assert_eq!(server.recv_message(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"three");
        let error = server.recv_message(&mut buf).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        drop(client);
        assert_eq!(server.recv_message(&mut buf).unwrap(), 0);
    }
}
