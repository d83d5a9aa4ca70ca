//! The read half: one `ReadFile` at a time into the half's own buffer,
//! copied out to readers; whole messages assembled for `poll_recv`.

use std::io;
use std::os::windows::io::BorrowedHandle;
use std::ptr;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};

use windows_sys::Win32::Foundation::ERROR_OPERATION_ABORTED;
use windows_sys::Win32::Storage::FileSystem::ReadFile;

use super::block::{Completion, HandleValue, IoBlock, lock};
use crate::sys::windows::aio::notify::Notifier;
use crate::sys::windows::error::is_pipe_closed;
use crate::sys::windows::named_pipe::{self, Prefix};

/// How much one read asks for: the default pipe buffer size. The read
/// after the start of a longer message asks for all of its rest at once
/// (see [`ReadHalf::poll_recv`]); the buffer keeps the larger capacity, so
/// a stream holds a buffer as large as the largest message it received
/// (at most the receive's limit).
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug)]
struct ReadState {
    io: IoBlock,
    /// Whether `io.buf[pos..]` holds the unread rest of a completed read.
    has_chunk: bool,
    pos: usize,
    /// Whether the message that chunk belongs to goes on (message mode).
    continues: bool,
    /// How much the next read asks for, at least [`READ_CHUNK`].
    next_read: usize,
    /// The start of a message whose end has not arrived yet, kept here by a
    /// whole-message receive that was interrupted, so nothing is lost.
    assembled: Vec<u8>,
    /// The length so far of a message over the receive's limit, whose
    /// chunks are being dropped until its end.
    dropping: Option<usize>,
    eof: bool,
}

#[derive(Debug)]
pub(super) struct ReadHalf {
    handle: HandleValue,
    /// Declared before the state: the wait goes before the event closes.
    notifier: Notifier,
    state: Mutex<ReadState>,
}

impl ReadHalf {
    pub(super) fn new(handle: HandleValue, prefix: Option<Prefix>) -> io::Result<Self> {
        let mut state = ReadState {
            io: IoBlock::new()?,
            has_chunk: false,
            pos: 0,
            continues: false,
            next_read: READ_CHUNK,
            assembled: Vec::new(),
            dropping: None,
            eof: false,
        };
        if let Some(prefix) = prefix {
            let rest = prefix.bytes[prefix.pos..].to_vec();
            if prefix.continues {
                state.assembled = rest;
            } else {
                state.io.buf = rest;
                state.has_chunk = true;
            }
        }
        Ok(Self {
            handle,
            notifier: Notifier::new()?,
            state: Mutex::new(state),
        })
    }

    /// Drives reading until a chunk (or the end of the stream) is there.
    fn poll_fill(&self, state: &mut ReadState, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if state.has_chunk || state.eof {
                return Poll::Ready(Ok(()));
            }
            if !state.io.pending {
                let buf = &mut state.io.buf;
                buf.clear();
                buf.reserve(std::mem::replace(&mut state.next_read, READ_CHUNK));
                let ptr = buf.as_mut_ptr();
                let len = u32::try_from(buf.capacity()).unwrap_or(u32::MAX);
                let handle = self.handle;
                let started = state.io.start(|overlapped| {
                    // SAFETY: the buffer's spare capacity is `len` bytes at a
                    // heap address that stays put (it is not touched or
                    // resized while the read is pending), and the OVERLAPPED
                    // lives as long.
                    unsafe { ReadFile(handle.0, ptr, len, ptr::null_mut(), overlapped) }
                });
                match started {
                    Ok(()) => {}
                    Err(error) if is_pipe_closed(&error) => {
                        state.eof = true;
                        continue;
                    }
                    Err(error) => return Poll::Ready(Err(error)),
                }
            }
            let (len, continues) = match ready!(state.io.poll(self.handle, &self.notifier, cx)) {
                Completion::Done(n) => (n, false),
                Completion::MoreData(n) => (n, true),
                Completion::Failed(error) if is_pipe_closed(&error) => {
                    state.eof = true;
                    continue;
                }
                // Not cancelled by us (we cancel only when dropping): the OS
                // cancels the I/O of a thread that exits, unless the handle
                // is bound to a completion port. Nothing was read: read again.
                Completion::Failed(error)
                    if error.raw_os_error() == Some(ERROR_OPERATION_ABORTED as i32) =>
                {
                    continue;
                }
                Completion::Failed(error) => return Poll::Ready(Err(error)),
            };
            // SAFETY: the read wrote its first `len` bytes into the buffer's
            // spare capacity, and `len` is at most the capacity.
            unsafe { state.io.buf.set_len(len) };
            state.has_chunk = true;
            state.pos = 0;
            state.continues = continues;
        }
    }

    pub(super) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut state = lock(&self.state);
        if !state.assembled.is_empty() {
            let n = out.len().min(state.assembled.len());
            out[..n].copy_from_slice(&state.assembled[..n]);
            state.assembled.drain(..n);
            return Poll::Ready(Ok(n));
        }
        ready!(self.poll_fill(&mut state, cx))?;
        if !state.has_chunk {
            return Poll::Ready(Ok(0));
        }
        let state = &mut *state;
        let chunk = &state.io.buf[state.pos..];
        let n = out.len().min(chunk.len());
        out[..n].copy_from_slice(&chunk[..n]);
        state.pos += n;
        if state.pos == state.io.buf.len() {
            state.has_chunk = false;
        }
        Poll::Ready(Ok(n))
    }

    /// Appends one whole message to `out`; a message longer than `limit`
    /// is read and dropped as it comes (never held whole), and an error.
    pub(super) fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Poll<io::Result<Option<usize>>> {
        let mut state = lock(&self.state);
        loop {
            ready!(self.poll_fill(&mut state, cx))?;
            let state = &mut *state;
            if !state.has_chunk {
                if let Some(len) = state.dropping.take() {
                    return Poll::Ready(Err(crate::sys::message_too_long_to_receive(len, limit)));
                }
                // The end: a message is delivered whole, so anything
                // assembled is a whole message too.
                if state.assembled.is_empty() {
                    return Poll::Ready(Ok(None));
                }
                let len = state.assembled.len();
                out.append(&mut state.assembled);
                return Poll::Ready(Ok(Some(len)));
            }
            let chunk = &state.io.buf[state.pos..];
            state.has_chunk = false;
            let len = state.dropping.unwrap_or(state.assembled.len()) + chunk.len();
            if len > limit {
                state.assembled = Vec::new();
                if state.continues {
                    state.dropping = Some(len);
                    continue;
                }
                state.dropping = None;
                return Poll::Ready(Err(crate::sys::message_too_long_to_receive(len, limit)));
            }
            if state.continues {
                state.assembled.extend_from_slice(chunk);
                // The rest in one read rather than in chunks: each read is
                // a round through the reactor. The OS's count is a hint
                // (the reads go on until the message ends, whatever it
                // said), capped one byte past the limit so that a longer
                // message is found out without a larger buffer.
                if let Some(left) = self.left_in_message() {
                    state.next_read = left.min((limit - len).saturating_add(1)).max(READ_CHUNK);
                }
                continue;
            }
            out.append(&mut state.assembled);
            out.extend_from_slice(chunk);
            return Poll::Ready(Ok(Some(len)));
        }
    }

    /// The bytes left of the message at the front of the pipe, as the OS
    /// counts them; `None` if it does not say.
    fn left_in_message(&self) -> Option<usize> {
        // SAFETY: the stream that owns the handle outlives its halves, so
        // the handle is open while this borrow lasts.
        let handle = unsafe { BorrowedHandle::borrow_raw(self.handle.0) };
        match named_pipe::peek(handle) {
            Ok((_, left)) if left > 0 => usize::try_from(left).ok(),
            _ => None,
        }
    }

    /// Ends the pending read, if any, and returns everything read ahead.
    pub(super) fn into_prefix(mut self) -> Option<Prefix> {
        // Before the cancellation signals the event: see Drop.
        self.notifier.close();
        let mut state = lock(&self.state);
        let state = &mut *state;
        if state.io.pending {
            let (len, continues) = match state.io.cancel(self.handle) {
                Completion::Done(n) => (Some(n), false),
                Completion::MoreData(n) => (Some(n), true),
                Completion::Failed(_) => (None, false),
            };
            if let Some(len) = len {
                // SAFETY: the read wrote its first `len` bytes into the
                // buffer's spare capacity before it ended.
                unsafe { state.io.buf.set_len(len) };
                state.has_chunk = true;
                state.pos = 0;
                state.continues = continues;
            }
        }
        let mut bytes = std::mem::take(&mut state.assembled);
        let mut continues = !bytes.is_empty();
        if state.has_chunk {
            bytes.extend_from_slice(&state.io.buf[state.pos..]);
            continues = state.continues;
        } else if bytes.is_empty() {
            return None;
        }
        Some(Prefix {
            bytes,
            pos: 0,
            continues,
        })
    }
}

impl Drop for ReadHalf {
    fn drop(&mut self) {
        // Closed before the cancellation below signals the event: under Wine
        // a wait that fires just as the notifier goes can still run its
        // callback after `disarm`, on the notifier's freed cell (see there).
        self.notifier.close();
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if state.io.pending {
            // Whatever it read is dropped with the stream.
            state.io.cancel(self.handle);
        }
    }
}
