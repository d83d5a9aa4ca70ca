//! The overlapped core of an async pipe end: one read half and one write
//! half, each with its own operation slot, buffer and thread-pool wait.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::io::{self, IoSlice};
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle, RawHandle};
use std::ptr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{
    DUPLICATE_SAME_ACCESS, DuplicateHandle, ERROR_IO_INCOMPLETE, ERROR_IO_PENDING, ERROR_MORE_DATA,
    ERROR_OPERATION_ABORTED, GetLastError,
};
use windows_sys::Win32::Storage::FileSystem::{FlushFileBuffers, ReadFile, WriteFile};
use windows_sys::Win32::System::IO::{
    CancelIoEx, CancelSynchronousIo, GetOverlappedResult, OVERLAPPED,
};
use windows_sys::Win32::System::Threading::{
    CloseThreadpoolWait, CreateThreadpoolWait, GetCurrentProcess, GetCurrentThread,
    PTP_CALLBACK_INSTANCE, PTP_WAIT, SetThreadpoolWait, TrySubmitThreadpoolCallback,
};

use super::notify::Notifier;
use crate::sys::Credentials;
use crate::sys::windows::error::{cvt, is_pipe_closed, normalise_write_error};
use crate::sys::windows::named_pipe::{self, Prefix};
use crate::sys::windows::overlapped::Event;

/// How much one read asks for: the default pipe buffer size.
const READ_CHUNK: usize = 64 * 1024;
/// The most one byte-mode `poll_write` takes; message-mode writes take the
/// whole message, since each write is one message.
const WRITE_CHUNK: usize = 64 * 1024;

fn last_error() -> io::Error {
    // SAFETY: reads the calling thread's last-error value; no preconditions.
    io::Error::from_raw_os_error(unsafe { GetLastError() } as i32)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A handle value kept by a half so that it can cancel its own operation
/// when dropped; the `Stream` that owns the handle outlives its halves.
#[derive(Clone, Copy, Debug)]
struct HandleValue(RawHandle);

// SAFETY: a handle value is just a number that any thread may pass to the OS.
unsafe impl Send for HandleValue {}
// SAFETY: as above; it is never dereferenced.
unsafe impl Sync for HandleValue {}

/// How an operation ended.
enum Completion {
    Done(usize),
    /// A message-mode read filled the buffer; the message goes on.
    MoreData(usize),
    Failed(io::Error),
}

/// One operation slot: the event, `OVERLAPPED` and buffer of at most one
/// operation in flight, at heap addresses that stay put while the kernel
/// holds them.
#[derive(Debug)]
struct IoBlock {
    event: Event,
    overlapped: Box<UnsafeCell<OVERLAPPED>>,
    buf: Vec<u8>,
    /// Whether an operation was started and its end not yet collected; while
    /// true, the kernel may write `overlapped` and `buf`.
    pending: bool,
}

// SAFETY: the raw pointers inside the OVERLAPPED are the event's handle
// value and kernel bookkeeping; the block is only used by whoever holds the
// Mutex around it (or, once orphaned, by the one callback that frees it).
unsafe impl Send for IoBlock {}

impl IoBlock {
    fn new() -> io::Result<Self> {
        Ok(Self {
            event: Event::new()?,
            overlapped: Box::new(UnsafeCell::new(OVERLAPPED::default())),
            buf: Vec::new(),
            pending: false,
        })
    }

    /// Starts one operation: `start` receives the `OVERLAPPED` and returns the
    /// Win32 call's `BOOL`. A call that failed outright is returned as the
    /// error and leaves nothing pending.
    fn start(
        &mut self,
        start: impl FnOnce(*mut OVERLAPPED) -> windows_sys::core::BOOL,
    ) -> io::Result<()> {
        debug_assert!(!self.pending);
        let overlapped = self.overlapped.get();
        // SAFETY: nothing is pending, so neither the kernel nor anyone else
        // uses the OVERLAPPED now.
        unsafe {
            overlapped.write(OVERLAPPED {
                hEvent: self.event.for_overlapped(),
                ..OVERLAPPED::default()
            });
        }
        if start(overlapped) != 0 {
            self.pending = true;
            return Ok(());
        }
        let error = last_error();
        match error.raw_os_error().map(|code| code as u32) {
            // Pending, or (ERROR_MORE_DATA) finished at once with part of a
            // message: either way the OVERLAPPED holds the outcome.
            Some(ERROR_IO_PENDING | ERROR_MORE_DATA) => {
                self.pending = true;
                Ok(())
            }
            _ => Err(error),
        }
    }

    /// The outcome of the pending operation, without waiting (`wait` false)
    /// or waiting for it to end (`wait` true); `None` if it is still running.
    fn outcome(&mut self, handle: HandleValue, wait: bool) -> Option<Completion> {
        debug_assert!(self.pending);
        let mut transferred = 0;
        // SAFETY: the OVERLAPPED belongs to the operation pending on `handle`
        // and stays alive; waiting only blocks until that operation ends.
        let ok = unsafe {
            GetOverlappedResult(
                handle.0,
                self.overlapped.get(),
                &mut transferred,
                i32::from(wait),
            )
        };
        let transferred = transferred as usize;
        let completion = if ok != 0 {
            Completion::Done(transferred)
        } else {
            let error = last_error();
            match error.raw_os_error().map(|code| code as u32) {
                Some(ERROR_IO_INCOMPLETE) => return None,
                Some(ERROR_MORE_DATA) => Completion::MoreData(transferred),
                _ => Completion::Failed(error),
            }
        };
        self.pending = false;
        Some(completion)
    }

    /// Polls the pending operation, registering the task to wake when it ends.
    fn poll(
        &mut self,
        handle: HandleValue,
        notifier: &Notifier,
        cx: &mut Context<'_>,
    ) -> Poll<Completion> {
        if let Some(completion) = self.outcome(handle, false) {
            return Poll::Ready(completion);
        }
        notifier.register(cx.waker(), self.event.raw());
        // The event may have been set between the check and the arming; the
        // armed wait then fires at once, so no wake-up is lost.
        Poll::Pending
    }

    /// Cancels the pending operation and waits until it has ended, so that
    /// the kernel is done with the buffer and the `OVERLAPPED`.
    fn cancel(&mut self, handle: HandleValue) -> Completion {
        // SAFETY: cancels only the operation started with this OVERLAPPED,
        // which is alive; a finished one is not affected.
        unsafe { CancelIoEx(handle.0, self.overlapped.get()) };
        self.outcome(handle, true)
            .expect("a waited-for operation has ended")
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

// --- Reading -------------------------------------------------------------------

#[derive(Debug)]
struct ReadState {
    io: IoBlock,
    /// Whether `io.buf[pos..]` holds the unread rest of a completed read.
    has_chunk: bool,
    pos: usize,
    /// Whether the message that chunk belongs to goes on (message mode).
    continues: bool,
    /// The start of a message whose end has not arrived yet, kept here by a
    /// whole-message receive that was interrupted, so nothing is lost.
    assembled: Vec<u8>,
    /// The length so far of a message over the receive's limit, whose
    /// chunks are being dropped until its end.
    dropping: Option<usize>,
    eof: bool,
}

#[derive(Debug)]
struct ReadHalf {
    handle: HandleValue,
    /// Declared before the state: the wait goes before the event closes.
    notifier: Notifier,
    state: Mutex<ReadState>,
}

impl ReadHalf {
    fn new(handle: HandleValue, prefix: Option<Prefix>) -> io::Result<Self> {
        let mut state = ReadState {
            io: IoBlock::new()?,
            has_chunk: false,
            pos: 0,
            continues: false,
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
                buf.reserve(READ_CHUNK);
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

    fn poll_read(&self, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
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
    fn poll_recv(
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
                continue;
            }
            out.append(&mut state.assembled);
            out.extend_from_slice(chunk);
            return Poll::Ready(Ok(Some(len)));
        }
    }

    /// Ends the pending read, if any, and returns everything read ahead.
    fn into_prefix(mut self) -> Option<Prefix> {
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

// --- Writing -------------------------------------------------------------------

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
struct WriteHalf {
    handle: HandleValue,
    messages: bool,
    notifier: Notifier,
    state: Mutex<WriteState>,
}

impl WriteHalf {
    fn new(handle: HandleValue, messages: bool) -> io::Result<Self> {
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

    fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
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

    fn poll_write_vectored(
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

    fn poll_start_message(&self, cx: &mut Context<'_>, message: &[u8]) -> Poll<io::Result<()>> {
        self.poll_start(cx, self.messages, |buf| buf.extend_from_slice(message))
            .map_ok(|_| ())
    }

    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&self.state);
        self.poll_idle(&mut state, cx)
    }

    fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
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

// --- Waiting for the peer to read (FlushFileBuffers) ----------------------------

/// One `FlushFileBuffers` call running on a thread-pool thread.
#[derive(Debug, Default)]
struct FlushJob {
    state: Mutex<FlushState>,
}

#[derive(Debug, Default)]
struct FlushState {
    /// A duplicate of the pipe handle, closed as soon as the call returns.
    pipe: Option<OwnedHandle>,
    /// The worker thread while it is in the call, for CancelSynchronousIo.
    thread: Option<OwnedHandle>,
    result: Option<io::Result<()>>,
    cancelled: bool,
    waker: Option<Waker>,
}

impl FlushJob {
    fn start(pipe: OwnedHandle) -> io::Result<Arc<Self>> {
        let job = Arc::new(Self {
            state: Mutex::new(FlushState {
                pipe: Some(pipe),
                ..FlushState::default()
            }),
        });
        let context = Arc::into_raw(Arc::clone(&job));
        // SAFETY: the callback has the expected signature and takes over the
        // reference counted into `context`; a null environment is the default pool.
        let submitted = unsafe {
            TrySubmitThreadpoolCallback(
                Some(flush_callback),
                context.cast_mut().cast(),
                ptr::null(),
            )
        };
        if submitted == 0 {
            let error = io::Error::last_os_error();
            // SAFETY: the callback was not queued, so the reference is still ours.
            drop(unsafe { Arc::from_raw(context) });
            return Err(error);
        }
        Ok(job)
    }

    /// Makes the call return now (or never start), so that the duplicate
    /// handle does not keep the pipe open for as long as the peer does not read.
    fn cancel(&self) {
        let give_up = Instant::now() + Duration::from_secs(1);
        loop {
            let mut state = lock(&self.state);
            state.cancelled = true;
            let Some(thread) = &state.thread else {
                // Not started (it will see `cancelled`) or already done.
                return;
            };
            // SAFETY: `thread` is an open handle to the worker thread, held
            // while that thread is inside (or about to enter) the call.
            if unsafe { CancelSynchronousIo(thread.as_raw_handle()) } != 0 {
                return;
            }
            drop(state);
            // The worker is between publishing its thread and entering the
            // call (or has just left it): a few instructions. Try again.
            if Instant::now() > give_up {
                return;
            }
            std::thread::yield_now();
        }
    }
}

/// A new handle, in this process, to what `source` refers to.
fn duplicate(source: HandleValue) -> io::Result<OwnedHandle> {
    let mut duplicate = ptr::null_mut();
    // SAFETY: returns the current-process pseudo handle; no preconditions.
    let process = unsafe { GetCurrentProcess() };
    // SAFETY: both process handles are the current-process pseudo handle, the
    // source is open (a pseudo handle or a handle its owner keeps open during
    // the call), and `duplicate` is a live out-pointer.
    cvt(unsafe {
        DuplicateHandle(
            process,
            source.0,
            process,
            &mut duplicate,
            0,
            0,
            DUPLICATE_SAME_ACCESS,
        )
    })?;
    // SAFETY: DuplicateHandle succeeded, so `duplicate` is a new handle we own.
    Ok(unsafe { std::os::windows::io::FromRawHandle::from_raw_handle(duplicate) })
}

fn current_thread() -> io::Result<OwnedHandle> {
    // SAFETY: returns the current-thread pseudo handle; no preconditions.
    duplicate(HandleValue(unsafe { GetCurrentThread() }))
}

unsafe extern "system" fn flush_callback(_instance: PTP_CALLBACK_INSTANCE, context: *mut c_void) {
    // SAFETY: `context` is the reference counted into it by FlushJob::start,
    // handed to this one callback.
    let job = unsafe { Arc::from_raw(context.cast_const().cast::<FlushJob>()) };
    let pipe = {
        let mut state = lock(&job.state);
        if state.cancelled {
            state.pipe = None;
            state.result = Some(Err(io::Error::from(io::ErrorKind::Interrupted)));
            return;
        }
        state.thread = current_thread().ok();
        state
            .pipe
            .as_ref()
            .map(|pipe| HandleValue(pipe.as_raw_handle()))
            .expect("the duplicate is held until the call returns")
    };
    // SAFETY: the duplicate handle stays open until the state is updated
    // below (nobody else takes it).
    let result = cvt(unsafe { FlushFileBuffers(pipe.0) }).map_err(normalise_write_error);
    let waker = {
        let mut state = lock(&job.state);
        state.thread = None;
        state.pipe = None;
        state.result = Some(result);
        state.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The flush in progress, if any: kept across polls, so a dropped flush
/// future leaves it running for the next flush to collect.
#[derive(Debug, Default)]
struct FlushSlot(Mutex<Option<Arc<FlushJob>>>);

impl Drop for FlushSlot {
    fn drop(&mut self) {
        if let Some(job) = self.0.get_mut().unwrap_or_else(|p| p.into_inner()).take() {
            job.cancel();
        }
    }
}

// --- The stream ------------------------------------------------------------------

/// A connected pipe end for async I/O. Every method takes `&self`; a reading
/// task and a writing task can share one stream.
#[derive(Debug)]
pub(crate) struct Stream {
    reads: ReadHalf,
    writes: WriteHalf,
    flush: FlushSlot,
    /// Declared after the halves: closed only once they have settled their
    /// operations.
    handle: OwnedHandle,
    server: bool,
    messages: bool,
}

impl Stream {
    /// Takes an overlapped pipe handle; `prefix` is data already read from it.
    pub(crate) fn new(
        handle: OwnedHandle,
        server: bool,
        messages: bool,
        prefix: Option<Prefix>,
    ) -> io::Result<Self> {
        super::bind_to_port(handle.as_handle());
        let value = HandleValue(handle.as_raw_handle());
        Ok(Self {
            reads: ReadHalf::new(value, prefix)?,
            writes: WriteHalf::new(value, messages)?,
            flush: FlushSlot::default(),
            handle,
            server,
            messages,
        })
    }

    pub(crate) fn from_blocking(stream: named_pipe::Stream) -> io::Result<Self> {
        let (handle, server, messages, prefix) = stream.into_parts();
        Self::new(handle, server, messages, prefix)
    }

    /// Back to a blocking stream: a pending read is cancelled and whatever it
    /// and earlier reads brought in goes with the stream; a pending write
    /// carries on.
    pub(crate) fn into_blocking(self) -> io::Result<named_pipe::Stream> {
        let Self {
            reads,
            writes,
            flush,
            handle,
            server,
            messages,
        } = self;
        drop(flush);
        drop(writes);
        let prefix = reads.into_prefix();
        named_pipe::Stream::from_parts(handle, server, messages, prefix)
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.handle.as_handle()
    }

    pub(crate) fn is_server(&self) -> bool {
        self.server
    }

    pub(crate) fn is_message_mode(&self) -> bool {
        self.messages
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.reads.poll_read(cx, buf)
    }

    /// Appends one whole message to `buf` (in byte mode: what one read
    /// brought); `None` at the end of the stream. A message longer than
    /// `limit` is dropped as it comes, and an error.
    pub(crate) fn poll_recv_message(
        &self,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
        limit: usize,
    ) -> Poll<io::Result<Option<usize>>> {
        self.reads.poll_recv(cx, buf, limit)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.writes.poll_write(cx, buf)
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.writes.poll_write_vectored(cx, bufs)
    }

    /// Starts writing one whole message (possibly empty); ready once started.
    pub(crate) fn poll_start_message(
        &self,
        cx: &mut Context<'_>,
        message: &[u8],
    ) -> Poll<io::Result<()>> {
        self.writes.poll_start_message(cx, message)
    }

    /// Ready once every write accepted so far has been handed to the pipe.
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writes.poll_flush(cx)
    }

    /// Ready once the peer has read everything written so far.
    pub(crate) fn poll_flush_peer(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush(cx))?;
        let mut slot = lock(&self.flush.0);
        let job = match &*slot {
            Some(job) => Arc::clone(job),
            None => {
                let job = FlushJob::start(self.handle.try_clone()?)?;
                *slot = Some(Arc::clone(&job));
                job
            }
        };
        let mut state = lock(&job.state);
        if let Some(result) = state.result.take() {
            drop(state);
            *slot = None;
            return Poll::Ready(result);
        }
        match &mut state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            waker => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writes.poll_shutdown(cx)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        let pid = if self.server {
            named_pipe::client_process_id(self.as_borrowed())?
        } else {
            named_pipe::server_process_id(self.as_borrowed())?
        };
        Ok(Credentials {
            pid: Some(pid),
            uid: None,
            gid: None,
        })
    }
}
