//! Descriptors with bytes over a Unix stream socket: `SCM_RIGHTS`.
//!
//! Descriptors ride with the first byte of the `sendmsg` that carries them,
//! and the kernel delivers them with the `recvmsg` that reads that byte (it
//! never merges bytes that carry descriptors with bytes before them). A
//! receiver that passes no room for them, or too little, gets `MSG_CTRUNC`
//! and the kernel closes what it could not deliver.

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{BorrowedFd, OwnedFd};

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, SendAncillaryBuffer, SendAncillaryMessage,
};

use super::socket_io::{self, MAX_RW};

/// The most descriptors one call may carry.
const MAX_PER_CALL: usize = crate::sys::MAX_RESOURCES;

/// Room for the control message of [`MAX_PER_CALL`] descriptors.
const CONTROL_SPACE: usize = rustix::cmsg_space!(ScmRights(MAX_PER_CALL));

/// One `sendmsg` of some of `bytes` (at least one), with every descriptor
/// of `fds` attached.
pub(crate) fn send_with(
    socket: BorrowedFd<'_>,
    bytes: &[u8],
    fds: &[BorrowedFd<'_>],
) -> io::Result<usize> {
    crate::sys::check_resources(bytes, fds.len())?;
    let len = bytes.len().min(MAX_RW);
    let bufs = [IoSlice::new(&bytes[..len])];
    if fds.is_empty() {
        return socket_io::send_message(socket, &bufs, &mut SendAncillaryBuffer::default());
    }
    let mut space = [MaybeUninit::<u8>::uninit(); CONTROL_SPACE];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let pushed = control.push(SendAncillaryMessage::ScmRights(fds));
    debug_assert!(pushed, "the buffer has room for MAX_PER_CALL descriptors");
    socket_io::send_message(socket, &bufs, &mut control)
}

/// What [`recv_with`] got: bytes, and whether descriptors that came with
/// them were lost (the kernel could not deliver them all: too many open
/// files, or more than fit). Those that did arrive are closed then.
pub(crate) struct Received {
    pub(crate) bytes: usize,
    pub(crate) lost: bool,
}

/// One `recvmsg` into `buf`, appending the descriptors that came with the
/// bytes to `fds` (close-on-exec: atomically where the OS can, at once
/// after otherwise). If any were lost, none is appended and every one that
/// arrived is closed.
pub(crate) fn recv_with(
    socket: BorrowedFd<'_>,
    buf: &mut [u8],
    fds: &mut Vec<OwnedFd>,
) -> rustix::io::Result<Received> {
    let len = buf.len().min(MAX_RW);
    let mut space = [MaybeUninit::<u8>::uninit(); CONTROL_SPACE];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let received = socket_io::recv_message(
        socket,
        &mut [IoSliceMut::new(&mut buf[..len])],
        &mut control,
    )?;
    let mut arrived = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(rights) = message {
            arrived.extend(rights);
        }
    }
    let lost = received.control_truncated;
    if !lost {
        for fd in &arrived {
            mark_close_on_exec(fd)?;
        }
        fds.append(&mut arrived);
    }
    // Otherwise `arrived` is dropped here: every descriptor closed.
    Ok(Received {
        bytes: received.bytes,
        lost,
    })
}

/// `MSG_CMSG_CLOEXEC` did it already.
#[cfg(not(no_cmsg_cloexec))]
fn mark_close_on_exec(_fd: &OwnedFd) -> rustix::io::Result<()> {
    Ok(())
}

/// No `MSG_CMSG_CLOEXEC`: set `FD_CLOEXEC` now (a `fork` in another thread
/// in between could inherit the descriptor).
#[cfg(no_cmsg_cloexec)]
fn mark_close_on_exec(fd: &OwnedFd) -> rustix::io::Result<()> {
    rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)
}
