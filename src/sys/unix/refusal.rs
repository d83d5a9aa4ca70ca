//! How a client learns that a listener's access policy refused it.
//!
//! Where a socket file enforces the policy, a refused client's `connect`
//! fails (`EACCES`). Where the listener checks each connection itself
//! (Linux's abstract names, lists of users), the kernel has already
//! connected the client when the listener decides, and closing the
//! connection alone would look to the client like a server that closed
//! politely: a Unix socket has no reset for a peer that has not written.
//!
//! So a listener writes a one-line notice on a connection it refuses, then
//! closes it: the byte `0x15` (NAK), `localipc: refused: `, the reason, and
//! a newline, in one `send(2)` that cannot wait (a fresh connection's
//! buffer is empty). Any client can read it: a shell user with `socat` sees
//! the line. A client that localipc connected looks at the first bytes it
//! receives (a peek, once, before the first read or receive takes
//! anything) and, if they are the notice, every read fails with
//! `PermissionDenied` carrying the reason, and so does a write that finds
//! the peer gone (instead of `BrokenPipe`); otherwise the stream is the
//! server's from the first byte, and nothing more is looked at.
//!
//! A server that sends these exact bytes first would be taken for a
//! refusal; that is all a server can do with them, and it could close the
//! connection anyway. The notice is never parsed beyond its prefix and is
//! shown escaped, so its text cannot act on the client.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::net::{RecvFlags, SendFlags};

/// What a notice starts with.
const PREFIX: &[u8] = b"\x15localipc: refused: ";
/// The most of a notice a client looks at; a longer reason is cut.
const LONGEST: usize = 512;

/// Writes the notice of a refusal for `reason` on `fd`, without waiting;
/// a failure (the client already gone) changes nothing for the listener.
pub(crate) fn tell(fd: BorrowedFd<'_>, reason: &str) {
    let mut notice = Vec::with_capacity(PREFIX.len() + reason.len() + 1);
    notice.extend_from_slice(PREFIX);
    notice.extend_from_slice(reason.as_bytes());
    notice.truncate(LONGEST - 1);
    notice.push(b'\n');
    #[cfg(not(apple))]
    let flags = SendFlags::DONTWAIT | SendFlags::NOSIGNAL;
    // Apple has no `MSG_NOSIGNAL`: the socket is told instead, and if it
    // cannot be, nothing is sent, as a `SIGPIPE` could end the listener.
    #[cfg(apple)]
    let flags = SendFlags::DONTWAIT;
    #[cfg(apple)]
    if super::socket_io::suppress_sigpipe(fd).is_err() {
        return;
    }
    let _ = rustix::net::send(fd, &notice, flags);
}

/// Whether a connection's first bytes are still to be looked at for a
/// notice: on the clients localipc connects, until something else (or
/// the end) came.
#[derive(Debug)]
pub(crate) struct Verdict {
    pending: AtomicBool,
}

impl Verdict {
    /// For a client's connection: the first receive looks.
    pub(crate) fn awaited() -> Self {
        Self {
            pending: AtomicBool::new(true),
        }
    }

    /// For a server's connection, or a socket of the caller's: nothing to
    /// look at.
    pub(crate) fn settled() -> Self {
        Self {
            pending: AtomicBool::new(false),
        }
    }

    /// The same state, for a clone of the connection.
    pub(crate) fn copy(&self) -> Self {
        Self {
            pending: AtomicBool::new(self.pending.load(Ordering::Relaxed)),
        }
    }

    /// Before a receive on `fd`: `PermissionDenied` if the listener
    /// refused this connection. The look waits as a receive would (the
    /// socket's mode and read timeout); `dont_wait` makes it not wait.
    #[inline]
    pub(crate) fn check(&self, fd: BorrowedFd<'_>, dont_wait: bool) -> io::Result<()> {
        if self.pending.load(Ordering::Relaxed) {
            self.look(fd, dont_wait)
        } else {
            Ok(())
        }
    }

    /// After a send on `fd` failed with `error`: the refusal instead, if
    /// the peer is gone (`EPIPE`) because the listener refused this client.
    #[cold]
    pub(crate) fn explain(&self, fd: BorrowedFd<'_>, error: io::Error) -> io::Error {
        if error.kind() != io::ErrorKind::BrokenPipe || !self.pending.load(Ordering::Relaxed) {
            return error;
        }
        match self.look(fd, true) {
            Err(refused) if refused.kind() == io::ErrorKind::PermissionDenied => refused,
            _ => error,
        }
    }

    #[cold]
    fn look(&self, fd: BorrowedFd<'_>, dont_wait: bool) -> io::Result<()> {
        let mut first = [0u8; LONGEST];
        let flags = if dont_wait {
            RecvFlags::PEEK | RecvFlags::DONTWAIT
        } else {
            RecvFlags::PEEK
        };
        // A reset (the listener closed with our bytes unread) is reported
        // once, and by a message socket before what is queued: look again.
        let mut peeked = rustix::net::recv(fd, &mut first, flags);
        if peeked == Err(rustix::io::Errno::CONNRESET) {
            peeked = rustix::net::recv(fd, &mut first, flags);
        }
        let seen = match peeked {
            Ok((seen, _)) => seen,
            // The receive that follows reports the end.
            Err(rustix::io::Errno::CONNRESET) => 0,
            Err(errno) => return Err(errno.into()),
        };
        match read_notice(&first[..seen]) {
            // Left queued: every later receive fails the same way.
            Some(reason) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("the server refused this connection: {reason}"),
            )),
            None => {
                self.pending.store(false, Ordering::Relaxed);
                Ok(())
            }
        }
    }
}

/// The reason a notice gives, escaped, if `first` (a connection's first
/// bytes) is one.
fn read_notice(first: &[u8]) -> Option<String> {
    let rest = first.strip_prefix(PREFIX)?;
    let line = rest.split(|&byte| byte == b'\n').next().unwrap_or(rest);
    Some(String::from_utf8_lossy(line).escape_debug().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_gives_its_reason() {
        assert_eq!(
            read_notice(b"\x15localipc: refused: not you\n").as_deref(),
            Some("not you")
        );
        assert_eq!(
            read_notice(b"\x15localipc: refused: cut sho").as_deref(),
            Some("cut sho")
        );
        assert_eq!(
            read_notice(b"\x15localipc: refused: a\x1b[2Jb\n").as_deref(),
            Some("a\\u{1b}[2Jb")
        );
    }

    #[test]
    fn other_bytes_are_not_a_notice() {
        assert_eq!(read_notice(b""), None);
        assert_eq!(read_notice(b"hello"), None);
        assert_eq!(read_notice(b"\x15localipc: refu"), None);
        assert_eq!(read_notice(b"LIPCMSG\x01"), None);
    }

    #[test]
    fn a_told_refusal_reaches_the_client_and_stays() {
        let (server, client) = std::os::unix::net::UnixStream::pair().unwrap();
        use std::os::fd::AsFd;
        tell(server.as_fd(), "policy says no");
        drop(server);
        let verdict = Verdict::awaited();
        for _ in 0..2 {
            let error = verdict.check(client.as_fd(), false).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
            assert!(error.to_string().contains("policy says no"), "{error}");
        }
    }

    #[test]
    fn other_first_bytes_settle_it() {
        let (server, client) = std::os::unix::net::UnixStream::pair().unwrap();
        use std::io::Write;
        use std::os::fd::AsFd;
        (&server).write_all(b"hi").unwrap();
        let verdict = Verdict::awaited();
        verdict.check(client.as_fd(), false).unwrap();
        assert!(!verdict.pending.load(Ordering::Relaxed));
        // The bytes are still there for the read.
        let mut buf = [0; 2];
        use std::io::Read;
        (&client).read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }
}
