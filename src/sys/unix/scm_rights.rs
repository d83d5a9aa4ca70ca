//! Descriptors with bytes over a Unix stream socket: `SCM_RIGHTS`.
//!
//! Descriptors ride with the first byte of the `sendmsg` that carries them,
//! and the kernel delivers them with the `recvmsg` that reads that byte (it
//! never merges bytes that carry descriptors with bytes before them). A
//! receiver that passes no room for them, or too little, gets `MSG_CTRUNC`
//! and the kernel closes what it could not deliver.

use std::io::{self, IoSlice};
use std::mem::{MaybeUninit, size_of};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage};

use super::deadline::Deadline;
use super::socket_io::{self, MAX_RW};

/// The most descriptors one call may carry.
const MAX_PER_CALL: usize = crate::sys::MAX_RESOURCES;

/// Room for the control messages of one receive: [`MAX_PER_CALL`]
/// descriptors and, on Linux and Android, the writer's credentials (which
/// come with every receive once `SO_PASSCRED` is on; without room for them
/// the kernel would flag the receive truncated).
#[cfg(linux_like)]
const CONTROL_SPACE: usize = rustix::cmsg_space!(ScmRights(MAX_PER_CALL), ScmCredentials(1));
#[cfg(not(linux_like))]
const CONTROL_SPACE: usize = rustix::cmsg_space!(ScmRights(MAX_PER_CALL));

/// `MSG_CMSG_CLOEXEC` where the OS has it: descriptors arrive close-on-exec.
#[cfg(not(no_cmsg_cloexec))]
const RECV_FLAGS: libc::c_int = libc::MSG_CMSG_CLOEXEC;
#[cfg(no_cmsg_cloexec)]
const RECV_FLAGS: libc::c_int = 0;

/// One `sendmsg` of some of `bytes` (at least one), with every descriptor
/// of `fds` attached.
pub(crate) fn send_with(
    socket: BorrowedFd<'_>,
    bytes: &[u8],
    fds: &[BorrowedFd<'_>],
) -> io::Result<usize> {
    crate::sys::check_resources(bytes, fds.len())?;
    let len = bytes.len().min(MAX_RW);
    send_vectored_with(socket, &[IoSlice::new(&bytes[..len])], fds, false)
}

/// One `sendmsg` of `bufs`, gathered, with every descriptor of `fds` (at
/// most [`MAX_PER_CALL`]) attached; with `dont_wait`, `MSG_DONTWAIT`.
pub(crate) fn send_vectored_with(
    socket: BorrowedFd<'_>,
    bufs: &[IoSlice<'_>],
    fds: &[BorrowedFd<'_>],
    dont_wait: bool,
) -> io::Result<usize> {
    if fds.is_empty() {
        let mut no_control = SendAncillaryBuffer::default();
        return socket_io::send_message(socket, bufs, &mut no_control, dont_wait);
    }
    let mut space = [MaybeUninit::<u8>::uninit(); CONTROL_SPACE];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let pushed = control.push(SendAncillaryMessage::ScmRights(fds));
    debug_assert!(pushed, "the buffer has room for MAX_PER_CALL descriptors");
    socket_io::send_message(socket, bufs, &mut control, dont_wait)
}

/// What [`recv_with`] got: bytes, whether descriptors that came with them
/// were lost (the kernel could not deliver them all: too many open files,
/// or more than fit; those that did arrive are closed then), and the
/// writer's credentials if they came (Linux and Android, once
/// `SO_PASSCRED` is on).
pub(crate) struct Received {
    pub(crate) bytes: usize,
    pub(crate) lost: bool,
    /// `MSG_TRUNC`: a message (of a message socket) was longer than the
    /// buffers, and its rest is gone.
    #[cfg_attr(
        any(not(message_sockets), messages_framed),
        allow(dead_code, reason = "read by SOCK_SEQPACKET message sockets")
    )]
    pub(crate) truncated: bool,
    pub(crate) writer: Option<crate::sys::Credentials>,
}

/// Room for one `recvmsg`'s control messages, aligned for `cmsghdr`.
#[repr(C, align(8))]
struct ControlSpace([u8; CONTROL_SPACE]);

/// A `recvmsg` into `buf`, appending the descriptors that came with the
/// bytes to `fds` (see [`recv_once`]). Interrupted by a signal, it waits
/// on for what is left of the socket's read timeout, never for a fresh one
/// (see `deadline`).
pub(crate) fn recv_with(
    socket: BorrowedFd<'_>,
    buf: &mut [u8],
    fds: &mut Vec<OwnedFd>,
) -> io::Result<Received> {
    Deadline::receive(socket).run(|dont_wait| recv_once(socket, buf, fds, dont_wait))
}

/// One `recvmsg` into `buf` (with `dont_wait`, `MSG_DONTWAIT`; `EINTR` is
/// an `Interrupted` error), appending the descriptors that came with the
/// bytes to `fds` (close-on-exec: atomically where the OS can, at once
/// after otherwise). If any were lost, none is appended and every one that
/// arrived is closed.
///
/// The control messages are parsed here, from the raw buffer, rather than
/// by rustix: its credentials type cannot hold the pid 0 that Linux
/// reports for a writer outside this process's pid namespace.
pub(crate) fn recv_once(
    socket: BorrowedFd<'_>,
    buf: &mut [u8],
    fds: &mut Vec<OwnedFd>,
    dont_wait: bool,
) -> io::Result<Received> {
    let len = buf.len();
    // SAFETY: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and the
    // only writer through the new slice is the kernel, which writes bytes:
    // `buf` stays initialized.
    let buf = unsafe { &mut *(std::ptr::from_mut(buf) as *mut [MaybeUninit<u8>]) };
    debug_assert_eq!(buf.len(), len);
    recv_scattered_once(socket, &mut [buf], fds, dont_wait, false)
}

/// One `recvmsg` that scatters one message (or stream bytes) over `parts`
/// in order, which may be uninitialized (at most [`MAX_RW`] bytes in all),
/// and otherwise as [`recv_once`]. The first [`Received::bytes`] bytes of
/// the parts, taken in order, are then initialized, unless
/// `real_length` asked the kernel for the length of a message longer than
/// the parts (`MSG_TRUNC` as a request, Linux and Android only): then
/// `bytes` is that length, and all of the parts were written.
pub(crate) fn recv_scattered_once(
    socket: BorrowedFd<'_>,
    parts: &mut [&mut [MaybeUninit<u8>]],
    fds: &mut Vec<OwnedFd>,
    dont_wait: bool,
    real_length: bool,
) -> io::Result<Received> {
    const MAX_PARTS: usize = 2;
    assert!(parts.len() <= MAX_PARTS, "at most {MAX_PARTS} parts");
    let mut data = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; MAX_PARTS];
    let mut room = MAX_RW;
    for (iovec, part) in data.iter_mut().zip(parts.iter_mut()) {
        let len = part.len().min(room);
        room -= len;
        *iovec = libc::iovec {
            iov_base: part.as_mut_ptr().cast(),
            iov_len: len,
        };
    }
    let mut space = ControlSpace([0; CONTROL_SPACE]);
    // SAFETY: `msghdr` is plain data; all zeros is a valid value (no name,
    // no buffers) that the lines below fill in.
    let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
    header.msg_iov = data.as_mut_ptr();
    header.msg_iovlen = parts.len() as _;
    header.msg_control = space.0.as_mut_ptr().cast();
    header.msg_controllen = CONTROL_SPACE as _;
    let mut flags = RECV_FLAGS;
    if dont_wait {
        flags |= libc::MSG_DONTWAIT;
    }
    if real_length {
        flags |= libc::MSG_TRUNC;
    }
    // SAFETY: `header` points to `parts.len()` `iovec`s, each of writable
    // bytes of one of `parts`, and to `CONTROL_SPACE` writable bytes of
    // `space`, all of which outlive the call.
    let received = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut header, flags) };
    let Ok(bytes) = usize::try_from(received) else {
        return Err(io::Error::last_os_error());
    };
    let control_len = length(header.msg_controllen).min(CONTROL_SPACE);
    let (mut arrived, writer) = parse_control(&space.0[..control_len]);
    let lost = header.msg_flags & libc::MSG_CTRUNC != 0;
    if !lost {
        for fd in &arrived {
            mark_close_on_exec(fd)?;
        }
        fds.append(&mut arrived);
    }
    // Otherwise `arrived` is dropped here: every descriptor closed.
    Ok(Received {
        bytes,
        lost,
        truncated: header.msg_flags & libc::MSG_TRUNC != 0,
        writer,
    })
}

/// The descriptors (owned at once, so none can leak) and the credentials
/// in the control messages of `control`, which `recvmsg` filled. Reads
/// each header and payload unaligned and within `control` (Apple systems
/// leave a truncated message's untruncated length in its header).
fn parse_control(control: &[u8]) -> (Vec<OwnedFd>, Option<crate::sys::Credentials>) {
    let mut fds = Vec::new();
    #[cfg_attr(not(linux_like), allow(unused_mut, reason = "no credentials messages"))]
    let mut writer = None;
    let header_len = cmsg_len(0);
    let mut offset = 0;
    while control.len().saturating_sub(offset) >= size_of::<libc::cmsghdr>() {
        let at = control[offset..].as_ptr();
        // SAFETY: a whole `cmsghdr` lies within `control` at `at` (checked
        // above); it is plain data, read unaligned.
        let message: libc::cmsghdr = unsafe { at.cast::<libc::cmsghdr>().read_unaligned() };
        let message_len = length(message.cmsg_len).min(control.len() - offset);
        if message_len < header_len {
            break;
        }
        let payload = &control[offset + header_len..offset + message_len];
        match (message.cmsg_level, message.cmsg_type) {
            (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
                for raw in payload.chunks_exact(size_of::<RawFd>()) {
                    let raw = RawFd::from_ne_bytes(raw.try_into().expect("chunks are exact"));
                    if raw >= 0 {
                        // SAFETY: the kernel installed this descriptor in
                        // this process for this message; nothing else owns
                        // it.
                        fds.push(unsafe { OwnedFd::from_raw_fd(raw) });
                    }
                }
            }
            #[cfg(linux_like)]
            (libc::SOL_SOCKET, libc::SCM_CREDENTIALS)
                if payload.len() >= size_of::<libc::ucred>() =>
            {
                // SAFETY: a whole `ucred` lies within `payload`; it is plain
                // data (any pid, even 0, is a valid `pid_t`), read unaligned.
                let ucred: libc::ucred =
                    unsafe { payload.as_ptr().cast::<libc::ucred>().read_unaligned() };
                writer = Some(crate::sys::Credentials {
                    pid: u32::try_from(ucred.pid).ok().filter(|&pid| pid != 0),
                    uid: Some(ucred.uid),
                    gid: Some(ucred.gid),
                });
            }
            _ => {}
        }
        offset += cmsg_align(message_len);
    }
    (fds, writer)
}

/// A length from a `msghdr` or `cmsghdr`: `size_t` on some systems,
/// `socklen_t` on others.
fn length(field: impl TryInto<usize>) -> usize {
    field.try_into().unwrap_or(usize::MAX)
}

/// `CMSG_LEN(payload)`: a control message's header and payload.
fn cmsg_len(payload: usize) -> usize {
    // SAFETY: `CMSG_LEN` is arithmetic on its argument.
    unsafe { libc::CMSG_LEN(payload as _) as usize }
}

/// A length rounded up to the alignment of control messages:
/// `CMSG_SPACE(n) - CMSG_SPACE(0)` is `n` aligned.
fn cmsg_align(len: usize) -> usize {
    // SAFETY: `CMSG_SPACE` is arithmetic on its argument.
    let with = unsafe { libc::CMSG_SPACE(len as _) } as usize;
    // SAFETY: as above.
    let without = unsafe { libc::CMSG_SPACE(0) } as usize;
    with - without
}

/// `MSG_CMSG_CLOEXEC` did it already.
#[cfg(not(no_cmsg_cloexec))]
fn mark_close_on_exec(_fd: &OwnedFd) -> io::Result<()> {
    Ok(())
}

/// No `MSG_CMSG_CLOEXEC`: set `FD_CLOEXEC` now (a `fork` in another thread
/// in between could inherit the descriptor).
#[cfg(no_cmsg_cloexec)]
fn mark_close_on_exec(fd: &OwnedFd) -> io::Result<()> {
    Ok(rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)?)
}
