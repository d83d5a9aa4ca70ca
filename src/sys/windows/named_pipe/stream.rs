//! A connected pipe end, server or client side, and its overlapped reads
//! and writes, with timeouts and nonblocking mode.

use std::io;
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle};
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use windows_sys::Win32::Storage::FileSystem::{FlushFileBuffers, ReadFile, WriteFile};

use super::info::{
    self, client_process_id, client_session_id, impersonate_client, server_process_id,
    server_session_id,
};
use super::timeout::{NO_TIMEOUT, millis_to_timeout, wait_millis};
use crate::sys::windows::error::{cvt, is_pipe_closed, normalise_write_error};
use crate::sys::windows::overlapped::{self, EventSlot, Outcome};

/// Bytes an async stream had already read when it became a blocking one:
/// served before anything else is read from the pipe.
#[derive(Debug)]
pub(crate) struct Prefix {
    pub(crate) bytes: Vec<u8>,
    /// How much of `bytes` has been read.
    pub(crate) pos: usize,
    /// Whether the message these bytes belong to goes on in the pipe
    /// (message mode).
    pub(crate) continues: bool,
}

/// A connected pipe end, server or client side, opened for overlapped I/O.
#[derive(Debug)]
pub(crate) struct Stream {
    handle: OwnedHandle,
    /// Checked with one relaxed load per read, so the data path pays nothing
    /// more for streams that never were async.
    has_prefix: AtomicBool,
    prefix: Mutex<Option<Prefix>>,
    reads: EventSlot,
    writes: EventSlot,
    read_timeout: AtomicU32,
    write_timeout: AtomicU32,
    nonblocking: AtomicBool,
    server: bool,
    messages: bool,
}

/// What a message read found.
#[derive(Debug)]
pub(crate) enum Received {
    /// A whole message of this many bytes.
    Whole(usize),
    /// The buffer was filled with this many bytes of a longer message.
    Partial(usize),
    /// The peer closed and everything was read.
    End,
}

impl Stream {
    pub(super) fn new(handle: OwnedHandle, server: bool, messages: bool) -> io::Result<Self> {
        Self::from_parts(handle, server, messages, None)
    }

    /// A stream over `handle`, which must be an overlapped pipe handle of the
    /// given side and mode; `prefix` is data already read from it.
    pub(crate) fn from_parts(
        handle: OwnedHandle,
        server: bool,
        messages: bool,
        prefix: Option<Prefix>,
    ) -> io::Result<Self> {
        Ok(Self {
            handle,
            has_prefix: AtomicBool::new(prefix.is_some()),
            prefix: Mutex::new(prefix),
            reads: EventSlot::new()?,
            writes: EventSlot::new()?,
            read_timeout: AtomicU32::new(NO_TIMEOUT),
            write_timeout: AtomicU32::new(NO_TIMEOUT),
            nonblocking: AtomicBool::new(false),
            server,
            messages,
        })
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.handle.as_handle()
    }

    pub(crate) fn into_owned(self) -> OwnedHandle {
        self.handle
    }

    /// The handle, side, mode and any data read ahead but not yet consumed.
    #[cfg(async_front_end)]
    pub(crate) fn into_parts(self) -> (OwnedHandle, bool, bool, Option<Prefix>) {
        let prefix = self
            .prefix
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (self.handle, self.server, self.messages, prefix)
    }

    /// Serves a read from the prefix, if there is one.
    fn read_prefix(&self, buf: *mut u8, len: u32) -> Option<Received> {
        let mut guard = self
            .prefix
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let prefix = guard.as_mut()?;
        let rest = &prefix.bytes[prefix.pos..];
        let n = rest.len().min(len as usize);
        // SAFETY: the caller guarantees `buf` is writable for `len` bytes, and
        // `n` is at most `len`; the prefix is a separate allocation.
        unsafe { ptr::copy_nonoverlapping(rest.as_ptr(), buf, n) };
        prefix.pos += n;
        if prefix.pos < prefix.bytes.len() {
            return Some(if self.messages {
                Received::Partial(n)
            } else {
                Received::Whole(n)
            });
        }
        let continues = prefix.continues;
        *guard = None;
        self.has_prefix.store(false, Ordering::Relaxed);
        Some(if continues {
            Received::Partial(n)
        } else {
            Received::Whole(n)
        })
    }

    /// How many bytes of the prefix are unread, and whether its message goes on.
    fn prefix_left(&self) -> Option<(usize, bool)> {
        if !self.has_prefix.load(Ordering::Relaxed) {
            return None;
        }
        let guard = self
            .prefix
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .as_ref()
            .map(|prefix| (prefix.bytes.len() - prefix.pos, prefix.continues))
    }

    pub(crate) fn is_server(&self) -> bool {
        self.server
    }

    pub(crate) fn is_message_mode(&self) -> bool {
        self.messages
    }

    fn wait_for(&self, timeout: &AtomicU32) -> u32 {
        if self.nonblocking.load(Ordering::Relaxed) {
            0
        } else {
            timeout.load(Ordering::Relaxed)
        }
    }

    fn gave_up(&self) -> io::Error {
        if self.nonblocking.load(Ordering::Relaxed) {
            io::Error::from(io::ErrorKind::WouldBlock)
        } else {
            io::Error::new(io::ErrorKind::TimedOut, "the pipe operation timed out")
        }
    }

    /// When a call that starts now and reads more than once must end: the
    /// read timeout from now; `None` without one (or in nonblocking mode,
    /// where nothing waits).
    pub(crate) fn read_deadline(&self) -> Option<Instant> {
        self.deadline(&self.read_timeout)
    }

    /// As [`read_deadline`](Self::read_deadline), for writes.
    pub(crate) fn write_deadline(&self) -> Option<Instant> {
        self.deadline(&self.write_timeout)
    }

    fn deadline(&self, timeout: &AtomicU32) -> Option<Instant> {
        match self.wait_for(timeout) {
            NO_TIMEOUT | 0 => None,
            millis => Instant::now().checked_add(Duration::from_millis(millis.into())),
        }
    }

    /// How long one wait of a call that must end by `deadline` may last:
    /// the time left, 0 once it has passed (then only what needs no wait
    /// is done); the timeout's own wait without a deadline.
    fn wait_by(&self, deadline: Option<Instant>, timeout: &AtomicU32) -> u32 {
        match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => wait_millis(left),
                _ => 0,
            },
            None => self.wait_for(timeout),
        }
    }

    /// One read of a call that reads more than once, waiting only for
    /// what is left until `deadline` (from [`read_deadline`](Self::read_deadline)):
    /// the call's timeout bounds all of its reads, not each.
    pub(crate) fn read_by(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let wait_ms = self.wait_by(deadline, &self.read_timeout);
        match self.read_raw(buf.as_mut_ptr(), clamp(buf.len()), wait_ms)? {
            Received::Whole(n) | Received::Partial(n) => Ok(n),
            Received::End => Ok(0),
        }
    }

    /// One write of a call that writes more than once, waiting only for
    /// what is left until `deadline` (from [`write_deadline`](Self::write_deadline)).
    pub(crate) fn write_by(&self, buf: &[u8], deadline: Option<Instant>) -> io::Result<usize> {
        self.write_waiting(buf, self.wait_by(deadline, &self.write_timeout))
    }

    /// One `ReadFile` into `len` bytes at `buf`, which must be valid for
    /// writes of `len` bytes for the duration of the call, waiting up to
    /// `wait_ms`.
    fn read_raw(&self, buf: *mut u8, len: u32, wait_ms: u32) -> io::Result<Received> {
        if self.has_prefix.load(Ordering::Relaxed) {
            if let Some(received) = self.read_prefix(buf, len) {
                return Ok(received);
            }
        }
        let handle = self.handle.as_raw_handle();
        let outcome = overlapped::run(self.as_borrowed(), &self.reads, wait_ms, |ov| {
            // SAFETY: the caller guarantees `buf` is writable for `len` bytes
            // until this call returns, and `run` waits for the operation to end.
            unsafe { ReadFile(handle, buf, len, ptr::null_mut(), ov) }
        });
        match outcome {
            Ok(Outcome::Done(n)) => Ok(Received::Whole(n)),
            Ok(Outcome::MoreData(n)) => Ok(Received::Partial(n)),
            Ok(Outcome::GaveUp) => Err(self.gave_up()),
            // Every writer is gone: the end of the stream, not an error.
            Err(error) if is_pipe_closed(&error) => Ok(Received::End),
            Err(error) => Err(error),
        }
    }

    /// Reads bytes: in message mode, as much of the next message as fits.
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.read_by(buf, None)
    }

    /// Reads one message into `buf`, or as much of it as fits.
    pub(crate) fn recv_into(&self, buf: &mut [u8]) -> io::Result<Received> {
        let wait_ms = self.wait_for(&self.read_timeout);
        self.read_raw(buf.as_mut_ptr(), clamp(buf.len()), wait_ms)
    }

    /// Reads one whole message, replacing the contents of `buf` and growing it
    /// as needed. Returns `None` at the end of the stream.
    pub(crate) fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
        const FIRST_CHUNK: usize = 4096;
        buf.clear();
        if buf.capacity() < FIRST_CHUNK {
            buf.reserve(FIRST_CHUNK);
        }
        loop {
            if buf.len() == buf.capacity() {
                buf.reserve(buf.capacity());
            }
            let spare = buf.capacity() - buf.len();
            match self.recv_into_spare(buf, spare)? {
                Received::Whole(_) => return Ok(Some(buf.len())),
                Received::Partial(_) => {}
                Received::End if buf.is_empty() => return Ok(None),
                // A message is delivered whole or not at all, so the stream
                // cannot end in the middle of one.
                Received::End => return Ok(Some(buf.len())),
            }
        }
    }

    /// Reads (the next part of) a message into the spare capacity of `buf`,
    /// at most `len` bytes of it (which must be spare), and appends what came:
    /// one `ReadFile`, with no byte of `buf` initialised first.
    pub(crate) fn recv_into_spare(&self, buf: &mut Vec<u8>, len: usize) -> io::Result<Received> {
        let spare = &mut buf.spare_capacity_mut()[..len];
        let wait_ms = self.wait_for(&self.read_timeout);
        let received = self.read_raw(spare.as_mut_ptr().cast(), clamp(spare.len()), wait_ms)?;
        if let Received::Whole(n) | Received::Partial(n) = received {
            // SAFETY: ReadFile initialised the first `n` spare bytes, at
            // most `len`, which is within the capacity.
            unsafe { buf.set_len(buf.len() + n) };
        }
        Ok(received)
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.write_by(buf, None)
    }

    /// One `WriteFile` of (at most 4 GiB of) `buf`, waiting up to `wait_ms`.
    fn write_waiting(&self, buf: &[u8], wait_ms: u32) -> io::Result<usize> {
        // A zero-byte WriteFile would make the peer's read return 0, which
        // reads as the end of the stream.
        if buf.is_empty() {
            return Ok(0);
        }
        let handle = self.handle.as_raw_handle();
        let len = clamp(buf.len());
        let outcome = overlapped::run(self.as_borrowed(), &self.writes, wait_ms, |ov| {
            // SAFETY: `buf` is readable for `len` bytes until this call
            // returns, and `run` waits for the operation to end.
            unsafe { WriteFile(handle, buf.as_ptr(), len, ptr::null_mut(), ov) }
        });
        match outcome {
            Ok(Outcome::Done(n) | Outcome::MoreData(n)) => Ok(n),
            Ok(Outcome::GaveUp) => Err(self.gave_up()),
            Err(error) => Err(normalise_write_error(error)),
        }
    }

    /// Writes one message (message mode), possibly empty, in one call.
    pub(crate) fn send(&self, message: &[u8]) -> io::Result<()> {
        let handle = self.handle.as_raw_handle();
        let len = u32::try_from(message.len()).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "a message cannot exceed 4 GiB")
        })?;
        let outcome = overlapped::run(
            self.as_borrowed(),
            &self.writes,
            self.wait_for(&self.write_timeout),
            |ov| {
                // SAFETY: `message` is readable for `len` bytes until this call
                // returns, and `run` waits for the operation to end.
                unsafe { WriteFile(handle, message.as_ptr(), len, ptr::null_mut(), ov) }
            },
        );
        match outcome {
            Ok(Outcome::Done(n)) if n == message.len() => Ok(()),
            Ok(Outcome::Done(n) | Outcome::MoreData(n)) => Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!(
                    "only {n} of the message's {} bytes were written",
                    message.len()
                ),
            )),
            Ok(Outcome::GaveUp) => Err(self.gave_up()),
            Err(error) => Err(normalise_write_error(error)),
        }
    }

    /// Waits until the peer has read everything written so far.
    pub(crate) fn flush(&self) -> io::Result<()> {
        // SAFETY: the handle is open for the duration of the call.
        cvt(unsafe { FlushFileBuffers(self.handle.as_raw_handle()) }).map_err(normalise_write_error)
    }

    /// The number of bytes left in the next message (message mode) or
    /// waiting to be read (byte mode); `None` if nothing is waiting.
    pub(crate) fn peek_len(&self) -> io::Result<Option<usize>> {
        if let Some((left, continues)) = self.prefix_left() {
            let more = if continues || !self.messages {
                self.peek_pipe().unwrap_or(None).unwrap_or(0)
            } else {
                0
            };
            return Ok(Some(left + more));
        }
        self.peek_pipe()
    }

    fn peek_pipe(&self) -> io::Result<Option<usize>> {
        let (available, left_in_message) =
            info::peek(self.handle.as_handle()).map_err(normalise_write_error)?;
        Ok(match (available, self.messages) {
            (0, _) => None,
            (_, true) => Some(left_in_message as usize),
            (n, false) => Some(n as usize),
        })
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) {
        self.read_timeout
            .store(timeout.map_or(NO_TIMEOUT, wait_millis), Ordering::Relaxed);
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) {
        self.write_timeout
            .store(timeout.map_or(NO_TIMEOUT, wait_millis), Ordering::Relaxed);
    }

    pub(crate) fn read_timeout(&self) -> Option<Duration> {
        millis_to_timeout(self.read_timeout.load(Ordering::Relaxed))
    }

    pub(crate) fn write_timeout(&self) -> Option<Duration> {
        millis_to_timeout(self.write_timeout.load(Ordering::Relaxed))
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) {
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
    }

    pub(crate) fn is_nonblocking(&self) -> bool {
        self.nonblocking.load(Ordering::Relaxed)
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        let clone = Self::new(self.handle.try_clone()?, self.server, self.messages)?;
        clone
            .read_timeout
            .store(self.read_timeout.load(Ordering::Relaxed), Ordering::Relaxed);
        clone.write_timeout.store(
            self.write_timeout.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        clone.set_nonblocking(self.is_nonblocking());
        Ok(clone)
    }

    pub(crate) fn client_process_id(&self) -> io::Result<u32> {
        client_process_id(self.as_borrowed())
    }

    pub(crate) fn server_process_id(&self) -> io::Result<u32> {
        server_process_id(self.as_borrowed())
    }

    pub(crate) fn client_session_id(&self) -> io::Result<u32> {
        client_session_id(self.as_borrowed())
    }

    pub(crate) fn server_session_id(&self) -> io::Result<u32> {
        server_session_id(self.as_borrowed())
    }

    /// Runs `f` with the calling thread impersonating the client.
    pub(crate) fn impersonate_client<R>(&self, f: impl FnOnce() -> R) -> io::Result<R> {
        impersonate_client(self.as_borrowed(), self.server, f)
    }
}

fn clamp(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
