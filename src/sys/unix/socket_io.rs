//! I/O on Unix domain sockets of any type: one `sendmsg`/`recvmsg` per
//! call, with room for ancillary data (control messages), and never a
//! `SIGPIPE`. Stream and message sockets both read and write through here.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::BorrowedFd;

use rustix::net::{RecvAncillaryBuffer, RecvFlags, SendAncillaryBuffer, SendFlags};

/// The most one call is asked to move, as for pipes.
pub(crate) const MAX_RW: usize = 0x7fff_f000;
/// The most buffers one call gathers or scatters (`IOV_MAX` is 1024 on
/// Linux and the BSDs).
pub(crate) const MAX_IOV: usize = 1024;

/// `MSG_NOSIGNAL` where the OS has it; Apple sockets get `SO_NOSIGPIPE`
/// instead (see [`suppress_sigpipe`]).
#[cfg(not(apple))]
const NO_SIGNAL: SendFlags = SendFlags::NOSIGNAL;
#[cfg(apple)]
const NO_SIGNAL: SendFlags = SendFlags::empty();

/// `send(2)`, waiting for room as the socket's mode says unless
/// `dont_wait` (`MSG_DONTWAIT`): a closed peer is `EPIPE`, never `SIGPIPE`.
#[inline(always)]
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8], dont_wait: bool) -> io::Result<usize> {
    let len = buf.len().min(MAX_RW);
    Ok(rustix::net::send(fd, &buf[..len], send_flags(dont_wait))?)
}

/// `MSG_NOSIGNAL` where the OS has it, and `MSG_DONTWAIT` if asked.
fn send_flags(dont_wait: bool) -> SendFlags {
    if dont_wait {
        NO_SIGNAL | SendFlags::DONTWAIT
    } else {
        NO_SIGNAL
    }
}

/// `sendmsg(2)` of `bufs`, gathered, with `ancillary` (empty for plain
/// data), waiting for room as the socket's mode says unless `dont_wait`
/// (`MSG_DONTWAIT`): a closed peer is `EPIPE`, never `SIGPIPE`.
pub(crate) fn send_message(
    fd: BorrowedFd<'_>,
    bufs: &[IoSlice<'_>],
    ancillary: &mut SendAncillaryBuffer<'_, '_, '_>,
    dont_wait: bool,
) -> io::Result<usize> {
    let count = bufs.len().min(MAX_IOV);
    Ok(rustix::net::sendmsg(
        fd,
        &bufs[..count],
        ancillary,
        send_flags(dont_wait),
    )?)
}

/// `recvmsg(2)` into `bufs`, scattered, with no room for control
/// messages: the kernel discards any that come (closing descriptors).
/// Receives with control messages parse them from a raw buffer instead
/// (`scm_rights`).
pub(crate) fn recv_vectored(
    fd: BorrowedFd<'_>,
    bufs: &mut [IoSliceMut<'_>],
) -> rustix::io::Result<usize> {
    let count = bufs.len().min(MAX_IOV);
    let mut no_control = RecvAncillaryBuffer::default();
    let received =
        rustix::net::recvmsg(fd, &mut bufs[..count], &mut no_control, RecvFlags::empty())?;
    Ok(received.bytes)
}

/// The error of an I/O call on a connected socket as localipc reports it:
/// a blocking socket (`nonblocking` false) reports an expired timeout as
/// `EAGAIN`: say `TimedOut`. A write to a peer that died with data unread
/// fails with `ECONNRESET` instead of `EPIPE`: say `BrokenPipe` for both.
pub(crate) fn normalise(error: io::Error, nonblocking: bool) -> io::Error {
    match error.kind() {
        io::ErrorKind::WouldBlock if !nonblocking => {
            io::Error::new(io::ErrorKind::TimedOut, "the socket operation timed out")
        }
        io::ErrorKind::ConnectionReset => io::Error::new(io::ErrorKind::BrokenPipe, error),
        _ => error,
    }
}

/// Apple has no `MSG_NOSIGNAL`: each socket says `SO_NOSIGPIPE` instead.
#[cfg(apple)]
pub(crate) fn suppress_sigpipe(fd: BorrowedFd<'_>) -> io::Result<()> {
    Ok(rustix::net::sockopt::set_socket_nosigpipe(fd, true)?)
}

/// Every send passes `MSG_NOSIGNAL`: nothing to set on the socket.
#[cfg(not(apple))]
pub(crate) fn suppress_sigpipe(_fd: BorrowedFd<'_>) -> io::Result<()> {
    Ok(())
}
