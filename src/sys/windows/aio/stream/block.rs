//! What the read and write halves share: the operation slot (`IoBlock`)
//! that holds one overlapped operation's event, `OVERLAPPED` and buffer, how
//! an operation ended, and the handle value a half keeps.

use std::cell::UnsafeCell;
use std::io;
use std::os::windows::io::{OwnedHandle, RawHandle};
use std::ptr;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};

use windows_sys::Win32::Foundation::{
    DUPLICATE_SAME_ACCESS, DuplicateHandle, ERROR_IO_INCOMPLETE, ERROR_IO_PENDING, ERROR_MORE_DATA,
    GetLastError,
};
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};
use windows_sys::Win32::System::Threading::GetCurrentProcess;

use crate::sys::windows::aio::notify::Notifier;
use crate::sys::windows::error::cvt;
use crate::sys::windows::overlapped::Event;

fn last_error() -> io::Error {
    // SAFETY: reads the calling thread's last-error value; no preconditions.
    io::Error::from_raw_os_error(unsafe { GetLastError() } as i32)
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A handle value kept by a half so that it can cancel its own operation
/// when dropped; the `Stream` that owns the handle outlives its halves.
#[derive(Clone, Copy, Debug)]
pub(super) struct HandleValue(pub(super) RawHandle);

// SAFETY: a handle value is just a number that any thread may pass to the OS.
unsafe impl Send for HandleValue {}
// SAFETY: as above; it is never dereferenced.
unsafe impl Sync for HandleValue {}

/// How an operation ended.
pub(super) enum Completion {
    Done(usize),
    /// A message-mode read filled the buffer; the message goes on.
    MoreData(usize),
    Failed(io::Error),
}

/// One operation slot: the event, `OVERLAPPED` and buffer of at most one
/// operation in flight, at heap addresses that stay put while the kernel
/// holds them.
#[derive(Debug)]
pub(super) struct IoBlock {
    pub(super) event: Event,
    overlapped: Box<UnsafeCell<OVERLAPPED>>,
    pub(super) buf: Vec<u8>,
    /// Whether an operation was started and its end not yet collected; while
    /// true, the kernel may write `overlapped` and `buf`.
    pub(super) pending: bool,
}

// SAFETY: the raw pointers inside the OVERLAPPED are the event's handle
// value and kernel bookkeeping; the block is only used by whoever holds the
// Mutex around it (or, once orphaned, by the one callback that frees it).
unsafe impl Send for IoBlock {}

impl IoBlock {
    pub(super) fn new() -> io::Result<Self> {
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
    pub(super) fn start(
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
    pub(super) fn outcome(&mut self, handle: HandleValue, wait: bool) -> Option<Completion> {
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
    pub(super) fn poll(
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
    pub(super) fn cancel(&mut self, handle: HandleValue) -> Completion {
        // SAFETY: cancels only the operation started with this OVERLAPPED,
        // which is alive; a finished one is not affected.
        unsafe { CancelIoEx(handle.0, self.overlapped.get()) };
        self.outcome(handle, true)
            .expect("a waited-for operation has ended")
    }
}

/// A new handle, in this process, to what `source` refers to.
pub(super) fn duplicate(source: HandleValue) -> io::Result<OwnedHandle> {
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
