//! Messages framed over a `SOCK_STREAM` Unix socket, where the OS has no
//! `SOCK_SEQPACKET` for Unix sockets (Apple systems). Only localipc speaks
//! it: each side first sends [`HELLO`], then each message as a 4-byte
//! little-endian length and the message. Descriptors ride with the first
//! byte of their message's frame.
//!
//! * A send writes the whole frame. If the socket takes only part of it,
//!   the rest is kept here and written before anything else: a blocking
//!   send waits for it (a write timeout then cuts the connection's sending
//!   side, so the peer never takes a part for a message), a nonblocking or
//!   async one finishes it on the next send.
//! * A receive assembles the next frame here across calls (a timeout or
//!   `WouldBlock` midway keeps what came), and hands it over whole.
//! * A blocking send or receive may take several system calls; the
//!   socket's timeout bounds the whole of it, not each (see `deadline`), so
//!   a peer that trickles a frame cannot stretch it.
//! * The peer is untrusted: a frame longer than this socket's limit is
//!   read and dropped (an `InvalidData` error, as for `SOCK_SEQPACKET`), an
//!   empty frame, a wrong hello or the end of the stream inside a frame is
//!   `InvalidData`.

use std::io::{self, IoSlice};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::deadline::Deadline;
use super::scm_rights;

/// What each side sends first: "localipc messages, version 1".
pub(crate) const HELLO: [u8; 8] = *b"LIPCMSG\x01";
/// The largest message by default: localipc's own limit.
const DEFAULT_MAX_MESSAGE: usize = 1 << 20;
/// The largest limit a 32-bit length allows.
const MAX_MAX_MESSAGE: usize = u32::MAX as usize;
/// How much of a dropped frame is read at a time.
const DROP_CHUNK: usize = 64 * 1024;

/// The framing state of one socket.
#[derive(Debug)]
pub(crate) struct Framing {
    max: AtomicUsize,
    outgoing: Mutex<Outgoing>,
    incoming: Mutex<Incoming>,
}

#[derive(Debug, Default)]
struct Outgoing {
    /// The unwritten rest of the last frame.
    rest: Vec<u8>,
    /// A blocking send timed out inside a frame: the sending side is shut.
    cut: bool,
}

#[derive(Debug, Default)]
struct Incoming {
    hello: usize,
    header: [u8; 4],
    header_got: usize,
    /// The frame's length, once its header is complete.
    len: Option<usize>,
    /// The frame's message, sized once its length is known.
    body: Vec<u8>,
    body_got: usize,
    fds: Vec<OwnedFd>,
    /// Resources of this frame were lost (`MSG_CTRUNC`).
    lost: bool,
    /// The frame is longer than the limit: its bytes are dropped.
    dropping: bool,
    dropped: usize,
}

impl Incoming {
    fn reset(&mut self) {
        self.header_got = 0;
        self.len = None;
        self.body = Vec::new();
        self.body_got = 0;
        self.fds.clear();
        self.lost = false;
        self.dropping = false;
        self.dropped = 0;
    }

    fn inside_frame(&self) -> bool {
        self.header_got > 0
    }
}

/// What the socket underneath does for the framing: its I/O and its error
/// mapping.
pub(crate) trait Wire {
    fn fd(&self) -> BorrowedFd<'_>;
    fn normalise(&self, error: io::Error) -> io::Error;
    fn is_nonblocking(&self) -> bool;
    /// Whether the socket blocks and has a write timeout, which then
    /// bounds each send whole (see `deadline`).
    fn bounded_sends(&self) -> bool;
}

impl Framing {
    pub(crate) fn new() -> Self {
        Self {
            max: AtomicUsize::new(DEFAULT_MAX_MESSAGE),
            outgoing: Mutex::new(Outgoing::default()),
            incoming: Mutex::new(Incoming::default()),
        }
    }

    /// Sends the hello on a fresh connection. A peer already gone is not
    /// an error here: the first receive tells.
    pub(crate) fn greet(&self, wire: &impl Wire) -> io::Result<()> {
        let mut outgoing = lock(&self.outgoing);
        outgoing.rest = HELLO.to_vec();
        let mut deadline = Deadline::send(wire.fd(), wire.bounded_sends());
        match self.write_rest(wire, &mut outgoing, &mut deadline) {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }

    pub(crate) fn max_message_size(&self) -> usize {
        self.max.load(Ordering::Relaxed)
    }

    pub(crate) fn set_max_message_size(&self, size: usize) -> io::Result<()> {
        if size > MAX_MAX_MESSAGE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "messages of {size} bytes do not fit: a frame holds at most {MAX_MAX_MESSAGE}"
                ),
            ));
        }
        self.max.store(size, Ordering::Relaxed);
        Ok(())
    }

    /// Writes the kept rest of a frame; `WouldBlock` (or, once `deadline`
    /// passes, the timeout) if it does not all go now.
    fn write_rest(
        &self,
        wire: &impl Wire,
        outgoing: &mut Outgoing,
        deadline: &mut Deadline<'_>,
    ) -> io::Result<()> {
        while !outgoing.rest.is_empty() {
            let rest = [IoSlice::new(&outgoing.rest)];
            let n = deadline
                .run(|dont_wait| scm_rights::send_vectored_with(wire.fd(), &rest, &[], dont_wait))
                .map_err(|error| wire.normalise(error))?;
            outgoing.rest.drain(..n);
        }
        Ok(())
    }

    /// Finishes the frame a send started, if any.
    pub(crate) fn flush(&self, wire: &impl Wire) -> io::Result<()> {
        let mut outgoing = lock(&self.outgoing);
        let mut deadline = Deadline::send(wire.fd(), wire.bounded_sends());
        self.write_rest(wire, &mut outgoing, &mut deadline)
    }

    /// Starts sending one message: writes what the socket takes of its
    /// frame and keeps the rest (the message is then committed: it goes
    /// whole). `WouldBlock` only if an earlier frame's rest does not go, or
    /// nothing of this one did: nothing of this message was sent then.
    pub(crate) fn start_send(
        &self,
        wire: &impl Wire,
        bufs: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
    ) -> io::Result<()> {
        let mut deadline = Deadline::send(wire.fd(), wire.bounded_sends());
        self.start_send_within(wire, bufs, fds, &mut deadline)
    }

    /// [`start_send`](Self::start_send), within `deadline`.
    fn start_send_within(
        &self,
        wire: &impl Wire,
        bufs: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
        deadline: &mut Deadline<'_>,
    ) -> io::Result<()> {
        let len = crate::sys::check_message(bufs, super::socket_io::MAX_IOV - 1)?;
        crate::sys::check_resources(&[0], fds.len())?;
        let max = self.max_message_size();
        if len > max {
            return Err(crate::sys::message_too_long_to_send(len, max));
        }
        let mut outgoing = lock(&self.outgoing);
        if outgoing.cut {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "an earlier send timed out inside a message, which ended this socket's sending",
            ));
        }
        self.write_rest(wire, &mut outgoing, deadline)?;
        let header = u32::try_from(len)
            .expect("checked against the limit")
            .to_le_bytes();
        let mut frame = Vec::with_capacity(bufs.len() + 1);
        frame.push(IoSlice::new(&header));
        frame.extend(
            bufs.iter()
                .filter(|buf| !buf.is_empty())
                .map(|buf| IoSlice::new(buf)),
        );
        let sent = deadline
            .run(|dont_wait| scm_rights::send_vectored_with(wire.fd(), &frame, fds, dont_wait))
            .map_err(|error| wire.normalise(error))?;
        // Keep what did not go, to write before anything else.
        let mut skip = sent;
        for part in &frame {
            if skip >= part.len() {
                skip -= part.len();
                continue;
            }
            outgoing.rest.extend_from_slice(&part[skip..]);
            skip = 0;
        }
        Ok(())
    }

    /// A blocking send: the frame goes whole, or a write timeout inside it
    /// cuts the sending side (`cut`), so the peer never takes part of it
    /// for a message. In nonblocking mode the rest goes with the next send.
    pub(crate) fn send(
        &self,
        wire: &impl Wire,
        bufs: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
    ) -> io::Result<()> {
        let mut deadline = Deadline::send(wire.fd(), wire.bounded_sends());
        self.start_send_within(wire, bufs, fds, &mut deadline)?;
        let mut outgoing = lock(&self.outgoing);
        if wire.is_nonblocking() {
            return match self.write_rest(wire, &mut outgoing, &mut deadline) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(()),
                other => other,
            };
        }
        match self.write_rest(wire, &mut outgoing, &mut deadline) {
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                outgoing.cut = true;
                outgoing.rest.clear();
                let _ = rustix::net::shutdown(wire.fd(), rustix::net::Shutdown::Write);
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the send timed out inside the message; this socket can no longer send",
                ))
            }
            other => other,
        }
    }

    /// Reads into the frame being assembled until it is complete: `true`
    /// then, `false` at the end of the stream between frames. The reads
    /// share one deadline: a frame in pieces is not a fresh timeout each.
    fn fill(&self, wire: &impl Wire, incoming: &mut Incoming) -> io::Result<bool> {
        let mut deadline = Deadline::receive(wire.fd());
        loop {
            if incoming.hello < HELLO.len() {
                let mut hello = [0; HELLO.len()];
                let want = HELLO.len() - incoming.hello;
                let n = self.read(wire, &mut hello[..want], incoming, &mut deadline)?;
                if n == 0 {
                    return if incoming.hello == 0 {
                        Ok(false)
                    } else {
                        Err(not_localipc())
                    };
                }
                if hello[..n] != HELLO[incoming.hello..incoming.hello + n] {
                    return Err(not_localipc());
                }
                incoming.hello += n;
                continue;
            }
            let Some(len) = incoming.len else {
                let got = incoming.header_got;
                let mut header = [0; 4];
                let n = self.read(wire, &mut header[..4 - got], incoming, &mut deadline)?;
                if n == 0 {
                    return if incoming.inside_frame() {
                        Err(ended_inside())
                    } else {
                        Ok(false)
                    };
                }
                incoming.header[got..got + n].copy_from_slice(&header[..n]);
                incoming.header_got += n;
                if incoming.header_got == 4 {
                    let len = u32::from_le_bytes(incoming.header) as usize;
                    if len == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "the peer sent an empty frame, which localipc never sends",
                        ));
                    }
                    incoming.len = Some(len);
                    incoming.dropping = len > self.max_message_size();
                    if !incoming.dropping {
                        incoming.body = vec![0; len];
                    }
                }
                continue;
            };
            if incoming.dropping {
                if incoming.dropped == len {
                    let max = self.max_message_size();
                    incoming.reset();
                    return Err(crate::sys::message_too_long_to_receive(len, max));
                }
                let mut chunk = vec![0; (len - incoming.dropped).min(DROP_CHUNK)];
                let n = self.read(wire, &mut chunk, incoming, &mut deadline)?;
                if n == 0 {
                    return Err(ended_inside());
                }
                incoming.dropped += n;
                incoming.fds.clear();
                continue;
            }
            let got = incoming.body_got;
            if got == len {
                return Ok(true);
            }
            let mut body = std::mem::take(&mut incoming.body);
            let read = self.read(wire, &mut body[got..], incoming, &mut deadline);
            incoming.body = body;
            let n = read?;
            if n == 0 {
                return Err(ended_inside());
            }
            incoming.body_got += n;
        }
    }

    /// One read into `buf` within `deadline`, keeping the descriptors that
    /// came with the frame; 0 at the end of the stream.
    fn read(
        &self,
        wire: &impl Wire,
        buf: &mut [u8],
        incoming: &mut Incoming,
        deadline: &mut Deadline<'_>,
    ) -> io::Result<usize> {
        let fds = &mut incoming.fds;
        match deadline.run(|dont_wait| scm_rights::recv_once(wire.fd(), buf, fds, dont_wait)) {
            Ok(received) => {
                incoming.lost |= received.lost;
                Ok(received.bytes)
            }
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => Ok(0),
            Err(error) => Err(wire.normalise(error)),
        }
    }

    /// Receives the next message into `buf` if it fits (0 at the end of
    /// the stream); else `MessageTooLong`, and the message is kept.
    pub(crate) fn recv(
        &self,
        wire: &impl Wire,
        buf: &mut [u8],
        fds: &mut Vec<OwnedFd>,
    ) -> io::Result<usize> {
        let mut incoming = lock(&self.incoming);
        if !self.fill(wire, &mut incoming)? {
            return Ok(0);
        }
        let len = incoming.body.len();
        if len > buf.len() {
            return Err(crate::error::MessageTooLong::error(len, buf.len()));
        }
        buf[..len].copy_from_slice(&incoming.body);
        take(&mut incoming, fds, len)?;
        Ok(len)
    }

    /// Receives the next message whole into `buf` (0 at the end).
    pub(crate) fn recv_to_vec(&self, wire: &impl Wire, buf: &mut Vec<u8>) -> io::Result<usize> {
        let mut incoming = lock(&self.incoming);
        buf.clear();
        if !self.fill(wire, &mut incoming)? {
            return Ok(0);
        }
        *buf = std::mem::take(&mut incoming.body);
        let len = buf.len();
        take(&mut incoming, &mut Vec::new(), len)?;
        Ok(len)
    }
}

/// Hands over a complete frame's descriptors and starts the next frame; a
/// frame whose descriptors were lost is an error that closes the rest.
fn take(incoming: &mut Incoming, fds: &mut Vec<OwnedFd>, len: usize) -> io::Result<()> {
    let lost = incoming.lost;
    if lost {
        incoming.fds.clear();
    } else {
        fds.append(&mut incoming.fds);
    }
    incoming.reset();
    if lost {
        return Err(crate::error::ResourcesLost::error(
            io::ErrorKind::InvalidData,
            len,
            "the kernel could not deliver them all: too many open files, or too many for one call",
        ));
    }
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn ended_inside() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the stream ended inside a message",
    )
}

fn not_localipc() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the peer is not a localipc message socket (a stream listener or client has the name?)",
    )
}
