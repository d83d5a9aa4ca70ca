//! Message sockets on Linux, Android and the BSDs: `SOCK_SEQPACKET` Unix
//! domain sockets, connected and bound through the same code as streams
//! (`socket`), so names, access policies and server checks are theirs.
//!
//! A receive first learns the size of the next message without taking it,
//! so that a message larger than the caller's buffer stays queued instead
//! of being cut: on Linux and Android by asking (`MSG_PEEK | MSG_TRUNC`
//! with no buffer), on the BSDs by peeking into a buffer that grows until
//! the answer no longer says `MSG_TRUNC`. Both steps run under one lock,
//! so two threads never split them.

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
#[cfg(not(messages_framed))]
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[cfg(not(messages_framed))]
use rustix::net::RecvFlags;
use rustix::net::SocketType;
use rustix::net::sockopt::{self, Timeout};

#[cfg(not(messages_framed))]
use super::deadline::Deadline;
use super::local_socket::{BindOptions, Listener, Resolved};
#[cfg(not(messages_framed))]
use super::scm_rights;
use super::socket_io;
#[cfg(not(messages_framed))]
use super::socket_io::MAX_IOV;
use crate::sys::{ConnectOptions, Credentials};

/// What Linux reserves of the send buffer for a message's own accounting:
/// a message may be at most `SO_SNDBUF - 32` bytes.
#[cfg(all(linux_like, not(messages_framed)))]
const SEND_BUFFER_OVERHEAD: usize = 32;
/// The BSDs take a message as large as the send buffer.
#[cfg(all(not(linux_like), not(messages_framed)))]
const SEND_BUFFER_OVERHEAD: usize = 0;

/// The first size a peek for the next message's size tries.
#[cfg(all(seqpacket_peek_loop, not(messages_framed)))]
const FIRST_PEEK: usize = 4096;
/// The largest message a peek for its size reads whole; past this, the
/// size is reported as at least this large.
#[cfg(all(seqpacket_peek_loop, not(messages_framed)))]
const MAX_PEEK: usize = 64 << 20;

/// A connected `SOCK_SEQPACKET` socket (Apple systems: a `SOCK_STREAM`
/// socket carrying frames).
#[derive(Debug)]
pub(crate) struct MessageSocket {
    socket: OwnedFd,
    /// Mirrors `O_NONBLOCK`, to tell a timeout from a "would block".
    nonblocking: AtomicBool,
    /// Held from the size check of a receive to its end; the buffer that
    /// peeks use where the size is found by peeking.
    #[cfg(not(messages_framed))]
    receiving: Mutex<Vec<u8>>,
    #[cfg(messages_framed)]
    framing: super::message_framed::Framing,
    /// Whether `SO_SNDTIMEO` is set (see `deadline`).
    #[cfg(messages_framed)]
    has_write_timeout: AtomicBool,
}

/// The socket type of message sockets.
#[cfg(not(messages_framed))]
const KIND: SocketType = SocketType::SEQPACKET;
#[cfg(messages_framed)]
const KIND: SocketType = SocketType::STREAM;

#[cfg(messages_framed)]
impl super::message_framed::Wire for MessageSocket {
    fn fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    fn normalise(&self, error: io::Error) -> io::Error {
        MessageSocket::normalise(self, error)
    }

    fn is_nonblocking(&self) -> bool {
        self.nonblocking.load(Ordering::Relaxed)
    }

    fn bounded_sends(&self) -> bool {
        self.has_write_timeout.load(Ordering::Relaxed) && !self.is_nonblocking()
    }
}

impl MessageSocket {
    /// A connected socket in the mode `nonblocking` says (framed: having
    /// sent its hello).
    pub(crate) fn new(socket: OwnedFd, nonblocking: bool) -> io::Result<Self> {
        socket_io::suppress_sigpipe(socket.as_fd())?;
        let socket = Self {
            socket,
            nonblocking: AtomicBool::new(nonblocking),
            #[cfg(not(messages_framed))]
            receiving: Mutex::new(Vec::new()),
            #[cfg(messages_framed)]
            framing: super::message_framed::Framing::new(),
            // A socket of localipc's own connect or accept: none yet.
            #[cfg(messages_framed)]
            has_write_timeout: AtomicBool::new(false),
        };
        #[cfg(messages_framed)]
        socket.framing.greet(&socket)?;
        Ok(socket)
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    /// See [`socket_io::normalise`].
    fn normalise(&self, error: io::Error) -> io::Error {
        socket_io::normalise(error, self.nonblocking.load(Ordering::Relaxed))
    }

    /// Sends `bufs`, gathered, as one message with `fds` attached, all of
    /// it or nothing (framed: see `message_framed`).
    #[cfg(messages_framed)]
    pub(crate) fn send(&self, bufs: &[IoSlice<'_>], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        self.framing.send(self, bufs, fds)
    }

    /// The first step of an async send: the message is committed (or
    /// `WouldBlock`: nothing of it was sent); [`flush`](Self::flush)
    /// finishes it.
    #[cfg(all(messages_framed, async_front_end))]
    pub(crate) fn start_send(
        &self,
        bufs: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
    ) -> io::Result<()> {
        self.framing.start_send(self, bufs, fds)
    }

    /// The first step of an async send: here the whole of it.
    #[cfg(all(not(messages_framed), async_front_end))]
    pub(crate) fn start_send(
        &self,
        bufs: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
    ) -> io::Result<()> {
        self.send(bufs, fds)
    }

    /// Finishes what a send started (framed); nothing to do otherwise.
    #[cfg(async_front_end)]
    pub(crate) fn flush(&self) -> io::Result<()> {
        #[cfg(messages_framed)]
        return self.framing.flush(self);
        #[cfg(not(messages_framed))]
        return Ok(());
    }

    /// Sends `bufs`, gathered, as one message with `fds` attached: all of
    /// it or nothing.
    #[cfg(not(messages_framed))]
    pub(crate) fn send(&self, bufs: &[IoSlice<'_>], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        let len = crate::sys::check_message(bufs, MAX_IOV)?;
        crate::sys::check_resources(&[0], fds.len())?;
        // One buffer and no descriptors: `send(2)`, a little cheaper than
        // `sendmsg(2)`.
        let sent = match (bufs, fds) {
            ([only], []) => socket_io::send(self.socket.as_fd(), only, false),
            _ => scm_rights::send_vectored_with(self.socket.as_fd(), bufs, fds, false),
        };
        match sent {
            Ok(n) if n == len => Ok(()),
            Ok(n) => Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("only {n} of the message's {len} bytes were sent"),
            )),
            Err(error)
                if error.raw_os_error() == Some(rustix::io::Errno::MSGSIZE.raw_os_error()) =>
            {
                Err(crate::sys::message_too_long_to_send(
                    len,
                    self.max_message_size().unwrap_or(0),
                ))
            }
            Err(error) => Err(self.normalise(error)),
        }
    }

    /// The size of the next message, waiting for one as the socket's mode
    /// and `deadline` say; 0 at the end of the stream. `_probe` is the peek
    /// buffer, kept under the receive lock.
    #[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
    fn next_len(&self, _probe: &mut Vec<u8>, deadline: &mut Deadline<'_>) -> io::Result<usize> {
        let peeked = deadline.run(|dont_wait| {
            let flags = RecvFlags::PEEK | RecvFlags::TRUNC | dont_wait_flag(dont_wait);
            Ok(rustix::net::recv(&self.socket, &mut [0u8; 0], flags)?)
        });
        match peeked {
            Ok((_, len)) => Ok(len),
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => Ok(0),
            Err(error) => Err(self.normalise(error)),
        }
    }

    /// The size of the next message, waiting for one as the socket's mode
    /// and timeout say; 0 at the end of the stream. Peeks into `probe`,
    /// doubling it while the answer says `MSG_TRUNC` (up to [`MAX_PEEK`]).
    #[cfg(all(not(messages_framed), seqpacket_peek_loop))]
    fn next_len(&self, probe: &mut Vec<u8>, deadline: &mut Deadline<'_>) -> io::Result<usize> {
        use rustix::net::{RecvAncillaryBuffer, ReturnFlags};
        if probe.len() < FIRST_PEEK {
            probe.resize(FIRST_PEEK, 0);
        }
        loop {
            let peeked = deadline.run(|dont_wait| {
                Ok(rustix::net::recvmsg(
                    &self.socket,
                    &mut [std::io::IoSliceMut::new(probe)],
                    &mut RecvAncillaryBuffer::default(),
                    RecvFlags::PEEK | dont_wait_flag(dont_wait),
                )?)
            });
            match peeked {
                Ok(peeked) if !peeked.flags.contains(ReturnFlags::TRUNC) => {
                    return Ok(peeked.bytes);
                }
                Ok(_) if probe.len() >= MAX_PEEK => return Ok(MAX_PEEK + 1),
                Ok(_) => probe.resize(probe.len() * 2, 0),
                Err(error) if error.kind() == io::ErrorKind::ConnectionReset => return Ok(0),
                Err(error) => return Err(self.normalise(error)),
            }
        }
    }

    /// Receives the next message into `buf`, with the descriptors that came
    /// with it, if it fits: its length (0 at the end of the stream).
    /// Otherwise `MessageTooLong`, and the message is kept.
    #[cfg(messages_framed)]
    pub(crate) fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        self.framing.recv(self, buf, fds)
    }

    /// Receives the next message whole into `buf`, replacing its contents.
    #[cfg(messages_framed)]
    pub(crate) fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.framing.recv_to_vec(self, buf)
    }

    /// Receives the next message into `buf`, with the descriptors that came
    /// with it, if it fits: its length (0 at the end of the stream).
    /// Otherwise `MessageTooLong`, and the message stays queued.
    #[cfg(not(messages_framed))]
    pub(crate) fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        let mut deadline = Deadline::receive(self.socket.as_fd());
        let mut probe = self.lock_receiving();
        let len = self.next_len(&mut probe, &mut deadline)?;
        if len > buf.len() {
            return Err(crate::error::MessageTooLong::error(len, buf.len()));
        }
        self.take(&mut buf[..len], fds, &mut deadline)
    }

    /// Receives the next message whole into `buf`, replacing its contents:
    /// its length (0 at the end of the stream). One longer than
    /// [`max_message_size`](Self::max_message_size) is discarded, and an
    /// `InvalidData` error.
    #[cfg(not(messages_framed))]
    pub(crate) fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let mut deadline = Deadline::receive(self.socket.as_fd());
        let mut probe = self.lock_receiving();
        buf.clear();
        let len = self.next_len(&mut probe, &mut deadline)?;
        if len == 0 {
            return Ok(0);
        }
        let max = self.max_message_size()?;
        if len > max {
            let _ = self.discard_next(&mut deadline);
            return Err(crate::sys::message_too_long_to_receive(len, max));
        }
        buf.resize(len, 0);
        let n = self.take(buf, &mut Vec::new(), &mut deadline)?;
        buf.truncate(n);
        Ok(n)
    }

    #[cfg(not(messages_framed))]
    /// Takes the next message, which fits `buf` exactly (its size was
    /// asked under the receive lock, still held).
    fn take(
        &self,
        buf: &mut [u8],
        fds: &mut Vec<OwnedFd>,
        deadline: &mut Deadline<'_>,
    ) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let received = deadline
            .run(|dont_wait| scm_rights::recv_once(self.socket.as_fd(), buf, fds, dont_wait))
            .map_err(|error| self.normalise(error))?;
        if received.truncated {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a message arrived cut: another process receives from this socket too",
            ));
        }
        if received.lost {
            return Err(crate::error::ResourcesLost::error(
                io::ErrorKind::InvalidData,
                received.bytes,
                "the kernel could not deliver them all: too many open files, or too many for one call",
            ));
        }
        Ok(received.bytes)
    }

    #[cfg(not(messages_framed))]
    fn lock_receiving(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.receiving
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[cfg(not(messages_framed))]
    /// Takes the next message off the queue without reading it (closing
    /// any descriptors that came with it): a receive into no room takes a
    /// whole message and drops what does not fit.
    fn discard_next(&self, deadline: &mut Deadline<'_>) -> io::Result<()> {
        deadline
            .run(|dont_wait| {
                Ok(rustix::net::recv(
                    &self.socket,
                    &mut [0u8; 0],
                    dont_wait_flag(dont_wait),
                )?)
            })
            .map(drop)
            .map_err(|error| self.normalise(error))
    }

    /// The largest message a send may carry: localipc's own limit.
    #[cfg(messages_framed)]
    pub(crate) fn max_message_size(&self) -> io::Result<usize> {
        Ok(self.framing.max_message_size())
    }

    #[cfg(messages_framed)]
    pub(crate) fn set_max_message_size(&self, size: usize) -> io::Result<()> {
        self.framing.set_max_message_size(size)
    }

    /// The largest message a send may carry: what the send buffer holds.
    #[cfg(not(messages_framed))]
    pub(crate) fn max_message_size(&self) -> io::Result<usize> {
        let buffer = sockopt::socket_send_buffer_size(&self.socket)?;
        Ok(buffer.saturating_sub(SEND_BUFFER_OVERHEAD))
    }

    /// Grows (or shrinks) the send buffer so that messages of `size` bytes
    /// fit; the system caps what an unprivileged process may ask
    /// (`net.core.wmem_max`).
    #[cfg(not(messages_framed))]
    pub(crate) fn set_max_message_size(&self, size: usize) -> io::Result<()> {
        // Linux doubles what it is asked, for its own bookkeeping.
        let wanted = size.saturating_add(SEND_BUFFER_OVERHEAD);
        sockopt::set_socket_send_buffer_size(&self.socket, wanted.div_ceil(2))?;
        let got = self.max_message_size()?;
        if got < size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "messages of {size} bytes do not fit: the system allows at most {got} \
                     (net.core.wmem_max caps the send buffer)"
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        Ok(sockopt::set_socket_timeout(
            &self.socket,
            Timeout::Recv,
            timeout,
        )?)
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        sockopt::set_socket_timeout(&self.socket, Timeout::Send, timeout)?;
        #[cfg(messages_framed)]
        self.has_write_timeout
            .store(timeout.is_some(), Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn read_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(sockopt::socket_timeout(&self.socket, Timeout::Recv)?)
    }

    pub(crate) fn write_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(sockopt::socket_timeout(&self.socket, Timeout::Send)?)
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        rustix::io::ioctl_fionbio(&self.socket, nonblocking)?;
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        let how = match how {
            std::net::Shutdown::Read => rustix::net::Shutdown::Read,
            std::net::Shutdown::Write => rustix::net::Shutdown::Write,
            std::net::Shutdown::Both => rustix::net::Shutdown::Both,
        };
        Ok(rustix::net::shutdown(&self.socket, how)?)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        super::credentials::peer_credentials(self.socket.as_fd())
    }
}

/// `MSG_DONTWAIT` for a receive that must not wait (see `deadline`).
#[cfg(not(messages_framed))]
fn dont_wait_flag(dont_wait: bool) -> RecvFlags {
    if dont_wait {
        RecvFlags::DONTWAIT
    } else {
        RecvFlags::empty()
    }
}

/// Connects a message socket to `resolved`, and checks who serves it.
pub(crate) fn connect(resolved: &Resolved, options: &ConnectOptions) -> io::Result<MessageSocket> {
    let fd = super::socket::connect(resolved, options, KIND).map_err(|error| {
        super::local_socket::other_kind_listens(
            resolved,
            error,
            "a stream listener, not a message listener",
        )
    })?;
    MessageSocket::new(fd, options.nonblocking)
}

/// Connects without waiting, and checks who serves the name: the socket
/// (nonblocking), or `None` when the listener's backlog is full.
#[cfg(async_front_end)]
pub(crate) fn connect_nonblocking(
    resolved: &Resolved,
    expected_server: &crate::sys::ExpectedServer,
) -> io::Result<Option<MessageSocket>> {
    let connected =
        super::socket::connect_nonblocking(resolved, expected_server, KIND).map_err(|error| {
            super::local_socket::other_kind_listens(
                resolved,
                error,
                "a stream listener, not a message listener",
            )
        })?;
    connected.map(|fd| MessageSocket::new(fd, true)).transpose()
}

impl Listener {
    /// Accepts a message socket, as [`accept`](Listener::accept) a stream.
    /// (Written here, not beside `accept`, so that `local_socket.rs` does
    /// not import this module, which imports it.)
    pub(crate) fn accept_messages(&self) -> io::Result<MessageSocket> {
        MessageSocket::new(OwnedFd::from(self.accept_socket()?), false)
    }
}

impl AsFd for MessageSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl std::os::fd::AsRawFd for MessageSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.socket.as_raw_fd()
    }
}

/// Binds and listens for message sockets on `resolved`.
pub(crate) fn bind(resolved: &Resolved, options: &BindOptions) -> io::Result<Listener> {
    super::local_socket::bind_kind(resolved, options, KIND)
}
