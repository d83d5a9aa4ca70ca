//! I/O on Unix domain sockets of any type: one `sendmsg`/`recvmsg` per
//! call, with room for ancillary data (control messages), and never a
//! `SIGPIPE`. Stream and message sockets both read and write through here.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::BorrowedFd;

use rustix::net::{RecvAncillaryBuffer, RecvFlags, ReturnFlags, SendAncillaryBuffer, SendFlags};

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

/// `MSG_CMSG_CLOEXEC` where the OS has it: descriptors received with a
/// message are close-on-exec from the start.
#[cfg(not(no_cmsg_cloexec))]
const CLOSE_ON_EXEC: RecvFlags = RecvFlags::CMSG_CLOEXEC;
#[cfg(no_cmsg_cloexec)]
const CLOSE_ON_EXEC: RecvFlags = RecvFlags::empty();

/// `send(2)`: a closed peer is `EPIPE`, never `SIGPIPE`.
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    let len = buf.len().min(MAX_RW);
    Ok(rustix::net::send(fd, &buf[..len], NO_SIGNAL)?)
}

/// `sendmsg(2)` of `bufs`, gathered, with `ancillary` (empty for plain
/// data): a closed peer is `EPIPE`, never `SIGPIPE`.
pub(crate) fn send_message(
    fd: BorrowedFd<'_>,
    bufs: &[IoSlice<'_>],
    ancillary: &mut SendAncillaryBuffer<'_, '_, '_>,
) -> io::Result<usize> {
    let count = bufs.len().min(MAX_IOV);
    Ok(rustix::net::sendmsg(
        fd,
        &bufs[..count],
        ancillary,
        NO_SIGNAL,
    )?)
}

/// What one `recvmsg` received.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Received {
    pub(crate) bytes: usize,
    /// `MSG_CTRUNC`: control messages did not fit `ancillary` and were
    /// discarded (the kernel closes descriptors it drops). Plain reads pass
    /// no room at all and need not look.
    pub(crate) control_truncated: bool,
}

/// `recvmsg(2)` into `bufs`, scattered, with room for control messages in
/// `ancillary` (empty: the kernel discards any, closing descriptors).
/// Descriptors that arrive are close-on-exec where the OS can do that at
/// once (`MSG_CMSG_CLOEXEC`).
pub(crate) fn recv_message(
    fd: BorrowedFd<'_>,
    bufs: &mut [IoSliceMut<'_>],
    ancillary: &mut RecvAncillaryBuffer<'_>,
) -> rustix::io::Result<Received> {
    let count = bufs.len().min(MAX_IOV);
    let received = rustix::net::recvmsg(fd, &mut bufs[..count], ancillary, CLOSE_ON_EXEC)?;
    Ok(Received {
        bytes: received.bytes,
        control_truncated: received.flags.contains(ReturnFlags::CTRUNC),
    })
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
