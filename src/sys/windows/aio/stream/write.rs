//! The write half: a write is copied into the half's own buffer and
//! reported done once started; the next write or flush collects its end. A
//! write still in flight when the stream goes is left to finish on its own.

use std::ffi::c_void;
use std::io::{self, IoSlice};
use std::os::windows::io::OwnedHandle;
use std::ptr;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};

use windows_sys::Win32::Storage::FileSystem::WriteFile;
use windows_sys::Win32::System::Threading::{
    CloseThreadpoolWait, CreateThreadpoolWait, PTP_CALLBACK_INSTANCE, PTP_WAIT, SetThreadpoolWait,
};

use super::block::{Completion, HandleValue, IoBlock, duplicate, lock};
use crate::sys::windows::aio::notify::Notifier;
use crate::sys::windows::error::normalise_write_error;

/// The most one byte-mode `poll_write` takes; message-mode writes take the
/// whole message, since each write is one message.
const WRITE_CHUNK: usize = 64 * 1024;

#[derive(Debug)]
struct WriteState {
    /// `None` only once the half is being dropped.
    io: Option<IoBlock>,
    /// How many bytes the pending write carries.
    expected: usize,
    shut_down: bool,
}

impl WriteState {
    fn io(&mut self) -> &mut IoBlock {
        self.io
            .as_mut()
            .expect("the write block is gone only in Drop")
    }
}

#[derive(Debug)]
pub(super) struct WriteHalf {
    handle: HandleValue,
    messages: bool,
    notifier: Notifier,
    state: Mutex<WriteState>,
}

impl WriteHalf {
    pub(super) fn new(handle: HandleValue, messages: bool) -> io::Result<Self> {
        Ok(Self {
            handle,
            messages,
            notifier: Notifier::new()?,
            state: Mutex::new(WriteState {
                io: Some(IoBlock::new()?),
                expected: 0,
                shut_down: false,
            }),
        })
    }

    /// Waits for the write in flight, if any, and reports how it ended.
    fn poll_idle(&self, state: &mut WriteState, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let expected = state.expected;
        let io = state.io();
        if !io.pending {
            return Poll::Ready(Ok(()));
        }
        Poll::Ready(match ready!(io.poll(self.handle, &self.notifier, cx)) {
            Completion::Done(n) if n == expected => Ok(()),
            Completion::Done(n) | Completion::MoreData(n) => Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("the pipe took only {n} of the {expected} bytes of a write"),
            )),
            Completion::Failed(error) => Err(normalise_write_error(error)),
        })
    }

    /// Waits for the previous write, then copies data in with `fill` and
    /// starts writing it; ready with the byte count once started.
    fn poll_start(
        &self,
        cx: &mut Context<'_>,
        message: bool,
        fill: impl FnOnce(&mut Vec<u8>),
    ) -> Poll<io::Result<usize>> {
        let mut state = lock(&self.state);
        if state.shut_down {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the stream was shut down for writing",
            )));
        }
        ready!(self.poll_idle(&mut state, cx))?;
        let io = state.io();
        io.buf.clear();
        fill(&mut io.buf);
        let len = io.buf.len();
        // A zero-byte write would read as the end of the stream in byte mode;
        // in message mode it is an empty message.
        if len == 0 && !message {
            return Poll::Ready(Ok(0));
        }
        let Ok(len32) = u32::try_from(len) else {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a message cannot exceed 4 GiB",
            )));
        };
        let ptr = io.buf.as_ptr();
        let handle = self.handle;
        let started = io.start(|overlapped| {
            // SAFETY: the buffer holds `len32` bytes at a heap address that
            // stays put while the write is pending, like the OVERLAPPED.
            unsafe { WriteFile(handle.0, ptr, len32, ptr::null_mut(), overlapped) }
        });
        match started {
            Ok(()) => {
                state.expected = len;
                Poll::Ready(Ok(len))
            }
            Err(error) => Poll::Ready(Err(normalise_write_error(error))),
        }
    }

    pub(super) fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let take = if self.messages {
            data.len()
        } else {
            data.len().min(WRITE_CHUNK)
        };
        self.poll_start(cx, false, |buf| buf.extend_from_slice(&data[..take]))
    }

    pub(super) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let limit = if self.messages {
            usize::MAX
        } else {
            WRITE_CHUNK
        };
        self.poll_start(cx, false, |buf| {
            for slice in bufs {
                let room = limit - buf.len();
                if room == 0 {
                    break;
                }
                buf.extend_from_slice(&slice[..slice.len().min(room)]);
            }
        })
    }

    pub(super) fn poll_start_message(
        &self,
        cx: &mut Context<'_>,
        message: &[u8],
    ) -> Poll<io::Result<()>> {
        self.poll_start(cx, self.messages, |buf| buf.extend_from_slice(message))
            .map_ok(|_| ())
    }

    pub(super) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&self.state);
        self.poll_idle(&mut state, cx)
    }

    pub(super) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&self.state);
        let result = ready!(self.poll_idle(&mut state, cx));
        state.shut_down = true;
        Poll::Ready(result)
    }
}

impl Drop for WriteHalf {
    fn drop(&mut self) {
        // The wait may be armed on the write's event, which may now outlive
        // this half (below) and be signalled any time: close it first (see
        // `Notifier::disarm` for Wine).
        self.notifier.close();
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(io) = state.io.take() {
            if io.pending {
                release_when_done(self.handle, io);
            }
        }
    }
}

/// A write still in flight whose stream has gone: the block the kernel uses
/// and a handle that keeps the pipe open until the write has ended (closing
/// the last handle may cancel it, and Wine does).
#[derive(Debug)]
struct Orphan {
    block: IoBlock,
    _pipe: OwnedHandle,
}

/// Keeps a block whose operation is still running alive, with the pipe,
/// until it ends, then frees both on a thread-pool thread. Used for a write
/// still in flight when its stream goes away: the data it carries still
/// reaches the peer (then the end of the stream), the caller does not wait
/// for the peer, and the kernel never writes freed memory.
fn release_when_done(handle: HandleValue, mut block: IoBlock) {
    let event = block.event.raw();
    if block.outcome(handle, false).is_some() {
        return;
    }
    let pipe = match duplicate(handle) {
        Ok(pipe) => pipe,
        Err(_) => {
            block.cancel(handle);
            return;
        }
    };
    let context = Box::into_raw(Box::new(Orphan { block, _pipe: pipe }));
    // SAFETY: the callback has the expected signature; the context is the
    // boxed block, which only the callback frees.
    let wait = unsafe { CreateThreadpoolWait(Some(release_callback), context.cast(), ptr::null()) };
    if wait == 0 {
        // No thread-pool wait to be had: fall back to cancelling and waiting.
        // SAFETY: the context came from Box::into_raw above and no wait refers to it.
        let mut orphan = unsafe { Box::from_raw(context) };
        orphan.block.cancel(handle);
        return;
    }
    // SAFETY: the wait is new; the event stays open inside the block until the
    // callback frees it, which happens only after the wait fired.
    unsafe { SetThreadpoolWait(wait, event, ptr::null()) };
}

unsafe extern "system" fn release_callback(
    _instance: PTP_CALLBACK_INSTANCE,
    context: *mut c_void,
    wait: PTP_WAIT,
    _result: u32,
) {
    // SAFETY: `context` is the orphan boxed by `release_when_done`, and this
    // one-shot wait's callback is the only code that reclaims it.
    let orphan = unsafe { Box::from_raw(context.cast::<Orphan>()) };
    // SAFETY: `wait` is this callback's own wait object, never armed again;
    // the pool frees it once this callback returns.
    unsafe { CloseThreadpoolWait(wait) };
    // The event is signalled: the operation is over and the kernel is done
    // with the block; closing the duplicate lets the peer see the end.
    drop(orphan);
}
