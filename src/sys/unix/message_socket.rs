//! Message sockets on Linux, Android and the BSDs: `SOCK_SEQPACKET` Unix
//! domain sockets, connected and bound through the same code as streams
//! (`socket`), so names, access policies and server checks are theirs.
//!
//! # One system call per receive
//!
//! A receive is one `recvmsg(2)`, which takes the next message off the
//! socket whatever the buffer it is given: a message longer than the
//! buffer would lose its rest, so nothing may be taken before its size is
//! known. Asking it first (`MSG_PEEK | MSG_TRUNC` on Linux, growing peeks
//! on the BSDs) costs a second system call on every receive, a third of
//! the throughput of 4 KiB messages. So the receive scatters the message
//! instead: the caller's buffer first, then a scratch buffer of the
//! thread's, so that the two hold at least the socket's largest message
//! ([`max_message_size`](MessageSocket::max_message_size), cached).
//!
//! * A message that fits the caller's buffer (the common case) is there
//!   after that one call; the scratch is never touched.
//! * A longer one that fits the two is now out of the socket, whole: it is
//!   kept here (the *held* message, with the descriptors that rode with
//!   it), the receive fails with `MessageTooLong`, and the next receive
//!   takes the held message before the socket, without a system call. To
//!   the caller it stayed queued, whole, as Windows keeps one (where a
//!   message-mode read cuts too) and as the framed sockets of Apple
//!   systems do; the one difference is that the socket no longer polls
//!   readable for it, which the async front ends allow for (a receive with
//!   a held message does not wait for readiness).
//! * A message longer than both (longer than the caller's buffer and than
//!   the socket's largest) is cut by the kernel: it is dropped, with the
//!   descriptors that rode with it, and the receive fails with
//!   `InvalidData`, as `recv_to_vec` fails for it and as the other OSes'
//!   message sockets do. Nothing past that bound is ever read or kept, so
//!   a peer that sends huge messages costs no more memory than the limit.
//!   Linux and Android learn its length too (`MSG_TRUNC` as a request);
//!   the BSDs only that it was longer.
//!
//! Why not the alternatives: peeking into the caller's buffer (`MSG_PEEK |
//! MSG_TRUNC` with the buffer) gives the length and the bytes but still
//! leaves the message queued, so a message that fits needs a second call
//! to take it; a receive with no scratch when the buffer is at least this
//! socket's largest message is not safe either, because the largest
//! message a peer may send is the *peer's* send buffer, which it sets
//! itself (the kernel checks a send against the sender's `SO_SNDBUF`,
//! never the receiver's).
//!
//! A receive that takes no descriptors (`MessageSocket::recv`) does with
//! a plain `recv(2)` where the OS tells it a message's length (Linux and
//! Android): `recvmsg(2)`'s own work (its header and vector copied in and
//! out, the control messages) costs about 4% of a round trip between two
//! processes on one CPU. The semantics above stay:
//!
//! * a buffer of at least the limit takes the message straight, as the
//!   scatter would with no scratch part;
//! * a small buffer ([`SMALL_BUFFER`]: 2 KiB) takes the message into the
//!   scratch and copies it over, a copy of at most 2 KiB, cheaper than
//!   what `recvmsg(2)` costs; a longer message is held or dropped as
//!   above;
//! * other buffers scatter, as the copy could cost more than it saves.
//!
//! The kernel closes descriptors that ride with a message taken by
//! `recv(2)`, as the receives that take none close them.
//!
//! `recv_to_vec` scatters the same way: into the vector's spare capacity
//! first (capped at the limit), then the scratch, whose part is appended
//! once the length is known. A vector reused across receives keeps its
//! capacity, so after the first message the kernel copies straight into
//! it; a message longer than the limit is dropped, as above.
//!
//! The scratch is one buffer per thread, used only inside a receive and
//! grown to the largest limit it served; it is never initialized by
//! localipc, so the memory it takes is only what messages longer than
//! their buffers have written into it. The limit is read from the socket
//! on its first receive and again by every `max_message_size` and
//! `set_max_message_size`, not on each receive: a send buffer changed
//! behind localipc's back through the descriptor reaches the receives
//! only then.
//!
//! A receive runs under a lock of the socket, so two threads receiving at
//! once never take a held message twice nor each half of one.

#[cfg(not(messages_framed))]
use std::cell::Cell;
use std::io::{self, IoSlice};
#[cfg(not(messages_framed))]
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
#[cfg(not(messages_framed))]
use std::sync::Mutex;
#[cfg(not(messages_framed))]
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustix::net::SocketType;
use rustix::net::sockopt::{self, Timeout};

#[cfg(not(messages_framed))]
use super::deadline::Deadline;
use super::local_socket::{BindOptions, Listener, Resolved};
pub(crate) use super::refusal::Verdict;
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

/// Whether a receive asks the kernel for the whole length of a message
/// longer than its buffers (`MSG_TRUNC` as a request): Linux and Android.
/// The BSDs (and Linux with `--cfg localipc_portable_seqpacket`, so that CI
/// runs their code) only learn that it was longer.
#[cfg(not(messages_framed))]
const ASK_REAL_LENGTH: bool = cfg!(not(seqpacket_peek_loop));

/// The largest buffer a receive fills by copying: where the OS tells a
/// message's length to a plain `recv(2)`, a receive into a buffer this
/// small takes the message whole into the scratch with `recv(2)` and copies
/// it, which costs less than `recvmsg(2)`'s own work (about 4% of a round
/// trip between two processes on one CPU) for messages this short.
#[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
const SMALL_BUFFER: usize = 2048;

#[cfg(not(messages_framed))]
thread_local! {
    /// Where the part of a message past the caller's buffer lands (see the
    /// module docs): empty, with the capacity of the largest room asked on
    /// this thread, never initialized here.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A connected `SOCK_SEQPACKET` socket (Apple systems: a `SOCK_STREAM`
/// socket carrying frames).
#[derive(Debug)]
pub(crate) struct MessageSocket {
    socket: OwnedFd,
    /// Mirrors `O_NONBLOCK`, to tell a timeout from a "would block".
    nonblocking: AtomicBool,
    /// Held for the whole of a receive: the message taken whole that did
    /// not fit its receive's buffer (see the module docs).
    #[cfg(not(messages_framed))]
    receiving: Mutex<Option<Held>>,
    /// Mirrors whether `receiving` holds a message, read without the lock.
    #[cfg(not(messages_framed))]
    holding: AtomicBool,
    /// The largest message, as last read from the socket; 0 until then.
    #[cfg(not(messages_framed))]
    limit: AtomicUsize,
    /// Whether `SO_RCVTIMEO` is set: a plain receive without one reads no
    /// clock (see `deadline`).
    #[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
    has_read_timeout: AtomicBool,
    #[cfg(messages_framed)]
    framing: super::message_framed::Framing,
    /// Whether `SO_SNDTIMEO` is set (see `deadline`).
    #[cfg(messages_framed)]
    has_write_timeout: AtomicBool,
    /// Whether the first bytes may be a listener's refusal (see
    /// `refusal`): on the client side of localipc's own connects.
    verdict: Verdict,
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
    pub(crate) fn new(socket: OwnedFd, nonblocking: bool, verdict: Verdict) -> io::Result<Self> {
        socket_io::suppress_sigpipe(socket.as_fd())?;
        #[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
        let has_read_timeout = sockopt::socket_timeout(&socket, Timeout::Recv)?.is_some();
        let socket = Self {
            socket,
            nonblocking: AtomicBool::new(nonblocking),
            #[cfg(not(messages_framed))]
            receiving: Mutex::new(None),
            #[cfg(not(messages_framed))]
            holding: AtomicBool::new(false),
            #[cfg(not(messages_framed))]
            limit: AtomicUsize::new(0),
            #[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
            has_read_timeout: AtomicBool::new(has_read_timeout),
            #[cfg(messages_framed)]
            framing: super::message_framed::Framing::new(),
            // A socket of localipc's own connect or accept: none yet.
            #[cfg(messages_framed)]
            has_write_timeout: AtomicBool::new(false),
            verdict,
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

    /// Before a receive: `PermissionDenied` if the listener refused this
    /// client (see `refusal`; framed, the notice comes where the hello
    /// would).
    #[inline]
    fn check_verdict(&self) -> io::Result<()> {
        self.verdict
            .check(self.socket.as_fd(), false)
            .map_err(|error| self.normalise(error))
    }

    /// Sends `bufs`, gathered, as one message with `fds` attached, all of
    /// it or nothing (framed: see `message_framed`).
    #[cfg(messages_framed)]
    pub(crate) fn send(&self, bufs: &[IoSlice<'_>], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        self.framing
            .send(self, bufs, fds)
            .map_err(|error| self.verdict.explain(self.socket.as_fd(), error))
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
    ///
    /// Inlined into the caller, so that the system call is made from the
    /// caller's own code: on AMD Zen machines with the SRSO mitigation,
    /// a `send(2)` made from a function that then returns moved a quarter
    /// fewer 4 KiB messages a second, from one CPU, than the same call
    /// inlined (1,300 against 1,750 MiB/s; more context switches), while a
    /// call made before the system call cost nothing measurable. Whatever
    /// fails goes to [`send_failed`](Self::send_failed), out of line.
    #[cfg(not(messages_framed))]
    #[inline(always)]
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
            other => self.send_failed(other, len),
        }
    }

    /// The error of a send of a `len`-byte message that did not go whole.
    #[cfg(not(messages_framed))]
    #[cold]
    #[inline(never)]
    fn send_failed(&self, sent: io::Result<usize>, len: usize) -> io::Result<()> {
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
            Err(error) => Err(self
                .verdict
                .explain(self.socket.as_fd(), self.normalise(error))),
        }
    }

    /// Receives the next message into `buf`, with the descriptors that came
    /// with it, if it fits: its length (0 at the end of the stream).
    /// Otherwise `MessageTooLong`, and the message is kept.
    #[cfg(messages_framed)]
    pub(crate) fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        self.check_verdict()?;
        self.framing.recv(self, buf, fds)
    }

    /// As [`recv`](Self::recv), closing any descriptors that came.
    #[cfg(messages_framed)]
    pub(crate) fn recv_bytes(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf, &mut Vec::new())
    }

    /// Receives the next message whole into `buf`, replacing its contents.
    #[cfg(messages_framed)]
    pub(crate) fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.check_verdict()?;
        self.framing.recv_to_vec(self, buf)
    }

    /// Whether a message taken whole waits here for the next receive
    /// (framed: never one the socket would not poll readable for).
    #[cfg(all(messages_framed, async_front_end))]
    pub(crate) fn holds_message(&self) -> bool {
        false
    }

    /// Whether a message taken whole waits here for the next receive,
    /// which takes it without waiting for the socket (see the module docs).
    #[cfg(all(not(messages_framed), async_front_end))]
    pub(crate) fn holds_message(&self) -> bool {
        self.holding.load(Ordering::Acquire)
    }

    /// As [`recv`](Self::recv) for a caller that takes no descriptors
    /// (the kernel closes any that came). Where the OS tells a plain
    /// `recv(2)` a message's length, a buffer at least as large as the
    /// limit, or a small one ([`SMALL_BUFFER`]), takes the message with
    /// `recv(2)`, which costs less than `recvmsg(2)`; other buffers scatter
    /// as `recv` does.
    #[cfg(not(messages_framed))]
    pub(crate) fn recv_bytes(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.check_verdict()?;
        #[cfg(not(seqpacket_peek_loop))]
        {
            let mut held = self.lock_receiving();
            if let Some(message) = held.take() {
                let delivered = message.deliver(buf, &mut Vec::new());
                return self.keep(&mut held, delivered);
            }
            let limit = self.limit()?;
            if buf.len() >= limit {
                // Every message the scratch would take is longer than the
                // limit: straight into `buf`, as the scatter would.
                let (written, len) = self.receive_plain(as_uninit(buf))?;
                return if len > written {
                    Err(self.dropped(len))
                } else {
                    Ok(len)
                };
            }
            if buf.len() <= SMALL_BUFFER {
                return self.recv_small(buf, &mut held, limit);
            }
        }
        self.recv(buf, &mut Vec::new())
    }

    /// Receives the next message into `buf`, with the descriptors that came
    /// with it, if it fits: its length (0 at the end of the stream).
    /// Otherwise `MessageTooLong`, and the message is held for the next
    /// receive; one longer than the limit too is dropped, `InvalidData`
    /// (see the module docs). One `recvmsg(2)`, or none for a held message.
    #[cfg(not(messages_framed))]
    pub(crate) fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        self.check_verdict()?;
        let mut held = self.lock_receiving();
        if let Some(message) = held.take() {
            let delivered = message.deliver(buf, fds);
            return self.keep(&mut held, delivered);
        }
        let limit = self.limit()?;
        let room = limit.saturating_sub(buf.len());
        let first_fd = fds.len();
        with_scratch(room, |scratch| {
            let received = {
                let mut parts = [as_uninit(buf), &mut scratch.spare_capacity_mut()[..room]];
                let parts = if room == 0 {
                    &mut parts[..1]
                } else {
                    &mut parts[..]
                };
                self.receive(parts, fds)?
            };
            let len = received.bytes;
            if received.truncated {
                // Dropping them closes the descriptors that rode with it.
                fds.truncate(first_fd);
                return Err(self.dropped(len));
            }
            if len <= buf.len() {
                return Ok(len);
            }
            // SAFETY: the kernel wrote the message's first `len` bytes over
            // `buf` and then the scratch's spare capacity (its length was
            // 0): `len - buf.len()` of them, at most `room`.
            unsafe { scratch.set_len(len - buf.len()) };
            let mut bytes = Vec::with_capacity(len);
            bytes.extend_from_slice(buf);
            bytes.extend_from_slice(scratch);
            let message = Held {
                bytes,
                fds: fds.split_off(first_fd),
            };
            let buffer = buf.len();
            self.keep(&mut held, Err((message, buffer)))
        })
    }

    /// Receives the next message whole into `buf`, replacing its contents:
    /// its length (0 at the end of the stream). One longer than the limit
    /// is dropped, and an `InvalidData` error. One `recvmsg(2)`, or none
    /// for a held message.
    #[cfg(not(messages_framed))]
    pub(crate) fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.check_verdict()?;
        let mut held = self.lock_receiving();
        buf.clear();
        if let Some(message) = held.take() {
            self.holding.store(false, Ordering::Release);
            // Its descriptors are closed: nothing asked for them.
            *buf = message.bytes;
            return Ok(buf.len());
        }
        let limit = self.limit()?;
        let first = buf.capacity().min(limit);
        let room = limit - first;
        with_scratch(room, |scratch| {
            let received = {
                let mut parts = [
                    &mut buf.spare_capacity_mut()[..first],
                    &mut scratch.spare_capacity_mut()[..room],
                ];
                // Descriptors that came are closed: nothing asked for them.
                self.receive(&mut parts, &mut Vec::new())?
            };
            let len = received.bytes;
            if received.truncated {
                return Err(self.dropped(len));
            }
            // SAFETY: the kernel wrote the message's `len` bytes over the
            // spare capacity of `buf` (its length was 0) and then, past
            // `first` of them, the scratch's (its length was 0 too).
            unsafe { buf.set_len(len.min(first)) };
            if len > first {
                // SAFETY: as above: `len - first` bytes, at most `room`.
                unsafe { scratch.set_len(len - first) };
                buf.extend_from_slice(scratch);
            }
            Ok(len)
        })
    }

    /// The receive of a small buffer (see [`SMALL_BUFFER`]): the whole
    /// message into the scratch with one `recv(2)`, then copied.
    #[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
    fn recv_small(
        &self,
        buf: &mut [u8],
        held: &mut Option<Held>,
        limit: usize,
    ) -> io::Result<usize> {
        with_scratch(limit, |scratch| {
            let (written, len) = self.receive_plain(&mut scratch.spare_capacity_mut()[..limit])?;
            if len > written {
                return Err(self.dropped(len));
            }
            // SAFETY: `recv(2)` wrote the message's `written` bytes at the
            // start of the scratch's spare capacity (its length was 0).
            unsafe { scratch.set_len(written) };
            if len <= buf.len() {
                buf[..len].copy_from_slice(scratch);
                return Ok(len);
            }
            let message = Held {
                bytes: scratch.clone(),
                fds: Vec::new(),
            };
            self.keep(held, Err((message, buf.len())))
        })
    }

    /// One plain `recv(2)` of the next message into `part`, asking its
    /// whole length, waiting as the socket's mode and read timeout say:
    /// the bytes written and the message's length (0 and 0 at the end of
    /// the stream, or from a peer that reset it). Descriptors that rode
    /// with the message are closed by the kernel: the callers take none.
    #[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
    fn receive_plain(&self, part: &mut [MaybeUninit<u8>]) -> io::Result<(usize, usize)> {
        use rustix::net::RecvFlags;
        let received = Deadline::receive_timed(
            self.socket.as_fd(),
            self.has_read_timeout.load(Ordering::Relaxed),
        )
        .run(|dont_wait| {
            let flags = if dont_wait {
                RecvFlags::TRUNC | RecvFlags::DONTWAIT
            } else {
                RecvFlags::TRUNC
            };
            let ((written, _), len) = rustix::net::recv(&self.socket, &mut *part, flags)?;
            Ok((written.len(), len))
        });
        match received {
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => Ok((0, 0)),
            Err(error) => Err(self.normalise(error)),
            received => received,
        }
    }

    /// One `recvmsg(2)` of the next message, scattered over `parts`
    /// (asking its whole length where the OS tells it), waiting as the
    /// socket's mode and read timeout say; the end of the stream (or a
    /// peer that reset it) is 0 bytes. A loss of descriptors is an error
    /// (the message is gone; the descriptors that came are closed).
    #[cfg(not(messages_framed))]
    fn receive(
        &self,
        parts: &mut [&mut [MaybeUninit<u8>]],
        fds: &mut Vec<OwnedFd>,
    ) -> io::Result<scm_rights::Received> {
        let received = Deadline::receive(self.socket.as_fd()).run(|dont_wait| {
            scm_rights::recv_scattered_once(
                self.socket.as_fd(),
                parts,
                fds,
                dont_wait,
                ASK_REAL_LENGTH,
            )
        });
        match received {
            Ok(received) if received.lost => Err(crate::error::ResourcesLost::error(
                io::ErrorKind::InvalidData,
                received.bytes,
                "the kernel could not deliver them all: too many open files, or too many for one call",
            )),
            Ok(received) => Ok(received),
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => {
                Ok(scm_rights::Received {
                    bytes: 0,
                    lost: false,
                    truncated: false,
                    writer: None,
                })
            }
            Err(error) => Err(self.normalise(error)),
        }
    }

    /// Keeps `message` held after a receive whose buffer of `buffer` bytes
    /// it did not fit (the error of that receive), or, delivered, clears
    /// the mirror.
    #[cfg(not(messages_framed))]
    fn keep(
        &self,
        held: &mut Option<Held>,
        delivered: Result<usize, (Held, usize)>,
    ) -> io::Result<usize> {
        match delivered {
            Ok(len) => {
                self.holding.store(false, Ordering::Release);
                Ok(len)
            }
            Err((message, buffer)) => {
                let len = message.bytes.len();
                *held = Some(message);
                self.holding.store(true, Ordering::Release);
                Err(crate::error::MessageTooLong::error(len, buffer))
            }
        }
    }

    /// The error of a message longer than the limit and than the buffer,
    /// which the kernel cut: `len` is its length where the OS tells it
    /// (see [`ASK_REAL_LENGTH`]), what was read of it otherwise.
    #[cfg(not(messages_framed))]
    fn dropped(&self, len: usize) -> io::Error {
        let limit = self.limit.load(Ordering::Relaxed);
        if ASK_REAL_LENGTH {
            crate::sys::message_too_long_to_receive(len, limit)
        } else {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the peer sent a message longer than this socket's largest, {limit} \
                     (see set_max_message_size); it was discarded"
                ),
            )
        }
    }

    /// The largest message, cached (see the module docs).
    #[cfg(not(messages_framed))]
    fn limit(&self) -> io::Result<usize> {
        match self.limit.load(Ordering::Relaxed) {
            0 => self.max_message_size(),
            limit => Ok(limit),
        }
    }

    #[cfg(not(messages_framed))]
    fn lock_receiving(&self) -> std::sync::MutexGuard<'_, Option<Held>> {
        self.receiving
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
    /// Read from the socket, and cached for receives.
    #[cfg(not(messages_framed))]
    pub(crate) fn max_message_size(&self) -> io::Result<usize> {
        let buffer = sockopt::socket_send_buffer_size(&self.socket)?;
        let limit = buffer.saturating_sub(SEND_BUFFER_OVERHEAD);
        self.limit.store(limit, Ordering::Relaxed);
        Ok(limit)
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
        sockopt::set_socket_timeout(&self.socket, Timeout::Recv, timeout)?;
        #[cfg(all(not(messages_framed), not(seqpacket_peek_loop)))]
        self.has_read_timeout
            .store(timeout.is_some(), Ordering::Relaxed);
        Ok(())
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

/// A message taken whole off the socket that did not fit the buffer of
/// its receive, with the descriptors that rode with it (closed if it is
/// never received).
#[cfg(not(messages_framed))]
#[derive(Debug)]
struct Held {
    bytes: Vec<u8>,
    fds: Vec<OwnedFd>,
}

#[cfg(not(messages_framed))]
impl Held {
    /// Into `buf` and `fds` if it fits: its length; otherwise itself back,
    /// with the length of `buf`.
    fn deliver(mut self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> Result<usize, (Self, usize)> {
        let len = self.bytes.len();
        if len > buf.len() {
            return Err((self, buf.len()));
        }
        buf[..len].copy_from_slice(&self.bytes);
        fds.append(&mut self.fds);
        Ok(len)
    }
}

/// Runs `receive` with this thread's scratch buffer, empty and with room
/// for at least `room` bytes (see the module docs); a `room` of 0 takes
/// no scratch at all.
#[cfg(not(messages_framed))]
fn with_scratch<T>(room: usize, receive: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    if room == 0 {
        return receive(&mut Vec::new());
    }
    // Taken out for the call (a thread being torn down has none: a fresh
    // one then).
    let mut scratch = SCRATCH.try_with(Cell::take).unwrap_or_default();
    if scratch.capacity() < room {
        // Not grown in place: `realloc` would copy what it held before.
        scratch = Vec::with_capacity(room);
    }
    let result = receive(&mut scratch);
    scratch.clear();
    let _ = SCRATCH.try_with(|cell| cell.set(scratch));
    result
}

/// `buf` as memory the kernel writes into.
#[cfg(not(messages_framed))]
fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and the
    // only writer through the new slice is the kernel (`recvmsg`), which
    // writes bytes: `buf` stays initialized.
    unsafe { &mut *(std::ptr::from_mut(buf) as *mut [MaybeUninit<u8>]) }
}

/// Connects a message socket to `resolved`, and checks who serves it.
pub(crate) fn connect(resolved: &Resolved, options: &ConnectOptions) -> io::Result<MessageSocket> {
    #[cfg(messages_framed)]
    super::local_socket::refuse_framed_other_kind(resolved, true)?;
    let fd = super::socket::connect(resolved, options, KIND)
        .map_err(|error| super::local_socket::other_kind_listens(resolved, error, true))?;
    MessageSocket::new(fd, options.nonblocking, Verdict::awaited())
}

/// Connects without waiting, and checks who serves the name: the socket
/// (nonblocking), or `None` when the listener's backlog is full.
#[cfg(async_front_end)]
pub(crate) fn connect_nonblocking(
    resolved: &Resolved,
    expected_server: &crate::sys::ExpectedServer,
) -> io::Result<Option<MessageSocket>> {
    #[cfg(messages_framed)]
    super::local_socket::refuse_framed_other_kind(resolved, true)?;
    let connected = super::socket::connect_nonblocking(resolved, expected_server, KIND)
        .map_err(|error| super::local_socket::other_kind_listens(resolved, error, true))?;
    connected
        .map(|fd| MessageSocket::new(fd, true, Verdict::awaited()))
        .transpose()
}

impl Listener {
    /// Accepts a message socket, as [`accept`](Listener::accept) a stream.
    /// (Written here, not beside `accept`, so that `local_socket.rs` does
    /// not import this module, which imports it.)
    pub(crate) fn accept_messages(&self) -> io::Result<MessageSocket> {
        MessageSocket::new(
            OwnedFd::from(self.accept_socket()?),
            false,
            Verdict::settled(),
        )
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
    super::local_socket::bind_kind(resolved, options, KIND, true)
}
