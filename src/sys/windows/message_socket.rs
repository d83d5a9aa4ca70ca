//! Message sockets on Windows: message-mode, duplex named pipes, bound,
//! secured and checked as the byte-mode local sockets are.
//!
//! A message-mode read into a buffer too small for the message takes what
//! fits and says `ERROR_MORE_DATA`; the rest stays in the pipe. To keep a
//! message whole for a later receive, the rest is read at once and the
//! message kept here (the *held* message), served before the pipe again.

use std::io::{self, IoSlice};
use std::os::windows::io::BorrowedHandle;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::local_socket::socket::{self as local_socket, BindOptions, Listener, Resolved};
use super::named_pipe::{self, Received};
use crate::sys::{ConnectOptions, Credentials};

/// The largest message by default: localipc's own limit (the OS has none
/// below 4 GiB).
pub(crate) const DEFAULT_MAX_MESSAGE: usize = 1 << 20;
/// The largest limit there can be: `WriteFile` takes a 32-bit length.
const MAX_MAX_MESSAGE: usize = u32::MAX as usize;
/// The least room a `recv_to_vec` reads into, and how much of a message
/// past the limit is read (and dropped) at a time.
const CHUNK: usize = 64 * 1024;

/// A connected message-mode pipe end.
#[derive(Debug)]
pub(crate) struct MessageSocket {
    pipe: named_pipe::Stream,
    max: AtomicUsize,
    /// A message read whole that did not fit the buffer of its receive.
    held: Mutex<Option<Vec<u8>>>,
}

impl MessageSocket {
    pub(crate) fn new(pipe: named_pipe::Stream) -> Self {
        Self {
            pipe,
            max: AtomicUsize::new(DEFAULT_MAX_MESSAGE),
            held: Mutex::new(None),
        }
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.pipe.as_borrowed()
    }

    /// Sends `bufs`, gathered, as one message: all of it or nothing.
    /// Resources do not ride with messages on Windows (`fds` is empty).
    pub(crate) fn send(&self, bufs: &[IoSlice<'_>], _fds: &[()]) -> io::Result<()> {
        let len = crate::sys::check_message(bufs, 1024)?;
        let max = self.max.load(Ordering::Relaxed);
        if len > max {
            return Err(crate::sys::message_too_long_to_send(len, max));
        }
        match bufs.iter().filter(|buf| !buf.is_empty()).count() {
            1 => {
                let only = bufs.iter().find(|buf| !buf.is_empty()).expect("counted");
                self.pipe.send(only)
            }
            _ => {
                let mut message = Vec::with_capacity(len);
                for buf in bufs {
                    message.extend_from_slice(buf);
                }
                self.pipe.send(&message)
            }
        }
    }

    fn lock_held(&self) -> MutexGuard<'_, Option<Vec<u8>>> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Receives the next message into `buf` if it fits: its length (0 at
    /// the end of the stream). Otherwise `MessageTooLong`, and the message
    /// is held for the next receive.
    pub(crate) fn recv_bytes(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf, &mut Vec::new())
    }

    /// As [`recv_bytes`](Self::recv_bytes) (no handle rides with a
    /// message here).
    pub(crate) fn recv(&self, buf: &mut [u8], _fds: &mut Vec<()>) -> io::Result<usize> {
        let mut held = self.lock_held();
        if let Some(message) = held.as_ref() {
            if message.len() > buf.len() {
                return Err(crate::error::MessageTooLong::error(
                    message.len(),
                    buf.len(),
                ));
            }
            buf[..message.len()].copy_from_slice(message);
            return Ok(held.take().map_or(0, |message| message.len()));
        }
        match self.pipe.recv_into(buf)? {
            Received::Whole(n) => Ok(n),
            Received::End => Ok(0),
            Received::Partial(n) => {
                let mut message = buf[..n].to_vec();
                if let Some(len) = self.read_rest(&mut message)? {
                    let max = self.max.load(Ordering::Relaxed);
                    return Err(crate::sys::message_too_long_to_receive(len, max));
                }
                let len = message.len();
                *held = Some(message);
                Err(crate::error::MessageTooLong::error(len, buf.len()))
            }
        }
    }

    /// Receives the next message whole into `buf`, replacing its contents:
    /// its length (0 at the end of the stream). One longer than the
    /// limit is discarded, and an `InvalidData` error.
    ///
    /// The read goes straight into the vector's spare capacity (at least
    /// [`CHUNK`], never initialised first), so a vector reused across
    /// receives takes each message of up to its capacity in one `ReadFile`;
    /// the rest of a longer one follows in more (see `read_rest`).
    pub(crate) fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let mut held = self.lock_held();
        buf.clear();
        if let Some(message) = held.take() {
            *buf = message;
            return Ok(buf.len());
        }
        if buf.capacity() < CHUNK {
            buf.reserve(CHUNK);
        }
        let spare = buf.capacity();
        let received = match self.pipe.recv_into_spare(buf, spare) {
            Ok(Received::Whole(n)) => Ok(Some(n)),
            Ok(Received::End) => Ok(None),
            Ok(Received::Partial(_)) => self
                .read_rest(buf)
                .map(|too_long| Some(too_long.unwrap_or(buf.len()))),
            Err(error) => Err(error),
        };
        let max = self.max.load(Ordering::Relaxed);
        match received {
            Ok(Some(len)) if len > max => {
                buf.clear();
                Err(crate::sys::message_too_long_to_receive(len, max))
            }
            Ok(len) => Ok(len.unwrap_or(0)),
            Err(error) => {
                buf.clear();
                Err(error)
            }
        }
    }

    /// Reads the rest of a message whose start is in `message` (it is in
    /// the pipe whole: nothing here waits), each part straight into spare
    /// capacity. `Ok(None)` once `message` holds it all; past the limit,
    /// the rest is read and dropped (and `message` emptied), and the answer
    /// is the message's length.
    fn read_rest(&self, message: &mut Vec<u8>) -> io::Result<Option<usize>> {
        let max = self.max.load(Ordering::Relaxed);
        let mut total = message.len();
        let mut scratch = Vec::new();
        loop {
            // Grown while the message may still fit the limit, and never
            // past it: what goes past it is read into the scratch, and
            // dropped.
            let target = if total < max {
                if message.len() == message.capacity() {
                    message.reserve_exact(message.len().max(CHUNK).min(max - total));
                }
                &mut *message
            } else {
                scratch.clear();
                scratch.reserve(CHUNK);
                &mut scratch
            };
            let before = target.len();
            let spare = target.capacity() - before;
            let more = match self.pipe.recv_into_spare(target, spare)? {
                Received::Whole(_) => false,
                Received::Partial(_) => true,
                // A message is in the pipe whole: it cannot end midway.
                Received::End => false,
            };
            total += target.len() - before;
            if total > max {
                message.clear();
            }
            if !more {
                return Ok((total > max).then_some(total));
            }
        }
    }

    pub(crate) fn max_message_size(&self) -> io::Result<usize> {
        Ok(self.max.load(Ordering::Relaxed))
    }

    pub(crate) fn set_max_message_size(&self, size: usize) -> io::Result<()> {
        check_max(size)?;
        self.max.store(size, Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.pipe.set_read_timeout(timeout);
        Ok(())
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.pipe.set_write_timeout(timeout);
        Ok(())
    }

    pub(crate) fn read_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(self.pipe.read_timeout())
    }

    pub(crate) fn write_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(self.pipe.write_timeout())
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.pipe.set_nonblocking(nonblocking);
        Ok(())
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        local_socket::pipe_credentials(&self.pipe)
    }
}

/// Connects a message socket to `resolved`, and checks who serves it.
pub(crate) fn connect(resolved: &Resolved, options: &ConnectOptions) -> io::Result<MessageSocket> {
    let pipe = named_pipe::connect(&local_socket::client_config(resolved, options))?;
    if !pipe.is_message_mode() {
        return Err(not_a_message_listener(resolved));
    }
    pipe.set_nonblocking(options.nonblocking);
    Ok(MessageSocket::new(pipe))
}

/// Binds message-mode pipe instances on `resolved`.
pub(crate) fn bind(resolved: &Resolved, options: &BindOptions) -> io::Result<Listener> {
    local_socket::bind_mode(resolved, options, true)
}

/// A limit on messages a pipe can carry.
pub(crate) fn check_max(size: usize) -> io::Result<()> {
    if size > MAX_MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "messages of {size} bytes do not fit: a pipe message holds at most \
                 {MAX_MAX_MESSAGE}"
            ),
        ));
    }
    Ok(())
}

/// The error of a message client whose name has a stream listener.
pub(crate) fn not_a_message_listener(resolved: &Resolved) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "`{resolved}` has a stream listener, not a message socket: a name belongs to one \
             kind; connect to it with `Stream::connect`"
        ),
    )
}
