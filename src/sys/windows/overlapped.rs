//! Overlapped I/O driven to completion on the calling thread.
//!
//! Named-pipe handles are opened with `FILE_FLAG_OVERLAPPED` so that a read
//! blocked in one thread never holds up a write in another (synchronous
//! handles serialise all I/O on a handle). Blocking calls are built from an
//! overlapped call plus a wait on an event, which also gives timeouts and
//! nonblocking mode: when the wait gives up, the operation is cancelled and
//! its completion awaited, so the kernel never touches a buffer or an
//! `OVERLAPPED` after the call returns.

use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use windows_sys::Win32::Foundation::{
    ERROR_IO_PENDING, ERROR_MORE_DATA, ERROR_OPERATION_ABORTED, GetLastError, WAIT_OBJECT_0,
};
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};
use windows_sys::Win32::System::Threading::{CreateEventW, WaitForSingleObject};

use super::error::cvt;

/// A manual-reset event, unsignalled when created.
#[derive(Debug)]
pub(crate) struct Event(OwnedHandle);

impl Event {
    pub(crate) fn new() -> io::Result<Self> {
        // SAFETY: null attributes and name are allowed; the flags ask for a
        // manual-reset event that starts unsignalled.
        let handle = unsafe { CreateEventW(ptr::null(), 1, 0, ptr::null()) };
        if handle.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: CreateEventW succeeded, so `handle` is a new handle we own.
        Ok(Self(unsafe { OwnedHandle::from_raw_handle(handle) }))
    }

    pub(crate) fn raw(&self) -> RawHandle {
        self.0.as_raw_handle()
    }

    /// The handle to put in an `OVERLAPPED`: tagged with the low bit, which
    /// tells Windows not to queue a completion packet even if the file handle
    /// is associated with a completion port (the async front ends associate
    /// their handles with one, see `aio`). Handle values ignore their low two
    /// bits, so waits on the tagged value work as on the plain one.
    pub(crate) fn for_overlapped(&self) -> RawHandle {
        self.raw().map_addr(|addr| addr | 1)
    }

    pub(crate) fn set(&self) -> io::Result<()> {
        // SAFETY: the handle is an open event owned by self.
        cvt(unsafe { windows_sys::Win32::System::Threading::SetEvent(self.raw()) })
    }
}

impl From<Event> for OwnedHandle {
    fn from(event: Event) -> Self {
        event.0
    }
}

/// One cached event for the common case of one operation at a time in a
/// direction, so that the data path creates no kernel objects. A second
/// concurrent operation gets an event of its own.
#[derive(Debug)]
pub(crate) struct EventSlot {
    event: Event,
    busy: AtomicBool,
}

/// An event lent out for one operation.
pub(crate) enum Lent<'a> {
    Cached(&'a EventSlot),
    Own(Event),
}

impl EventSlot {
    pub(crate) fn new() -> io::Result<Self> {
        Ok(Self {
            event: Event::new()?,
            busy: AtomicBool::new(false),
        })
    }

    pub(crate) fn lend(&self) -> io::Result<Lent<'_>> {
        if self.busy.swap(true, Ordering::Acquire) {
            Event::new().map(Lent::Own)
        } else {
            Ok(Lent::Cached(self))
        }
    }
}

impl Lent<'_> {
    fn event(&self) -> &Event {
        match self {
            Lent::Cached(slot) => &slot.event,
            Lent::Own(event) => event,
        }
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Lent::Cached(slot) = self {
            slot.busy.store(false, Ordering::Release);
        }
    }
}

/// How an overlapped operation ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// It completed, moving this many bytes.
    Done(usize),
    /// A message-mode read filled the buffer with this many bytes and more of
    /// the message remains (`ERROR_MORE_DATA`).
    MoreData(usize),
    /// The wait gave up (timeout, or zero wait in nonblocking mode) and the
    /// operation was cancelled before it moved anything.
    GaveUp,
}

/// Starts an overlapped operation with `start` and waits up to `wait_ms`
/// (`INFINITE` for no limit) for it to complete.
///
/// `start` receives the `OVERLAPPED` to pass to the Win32 call and returns
/// that call's `BOOL`. It must start at most one operation on `handle`, on
/// memory that outlives this function call.
pub(crate) fn run(
    handle: BorrowedHandle<'_>,
    slot: &EventSlot,
    wait_ms: u32,
    start: impl FnOnce(*mut OVERLAPPED) -> windows_sys::core::BOOL,
) -> io::Result<Outcome> {
    let event = slot.lend()?;
    let mut overlapped = OVERLAPPED {
        hEvent: event.event().for_overlapped(),
        ..OVERLAPPED::default()
    };
    let started = start(&mut overlapped);
    let mut gave_up = false;
    if started == 0 {
        // SAFETY: reads the calling thread's last-error value; no preconditions.
        let error = unsafe { GetLastError() };
        match error {
            ERROR_IO_PENDING => {
                // SAFETY: the event is open for the whole call.
                let waited = unsafe { WaitForSingleObject(event.event().raw(), wait_ms) };
                if waited != WAIT_OBJECT_0 {
                    // Timed out (or the wait failed): cancel, then fall
                    // through to wait for the cancellation to land.
                    gave_up = true;
                    // SAFETY: cancels only the operation started with
                    // `overlapped`, which is still alive.
                    unsafe { CancelIoEx(handle.as_raw_handle(), &overlapped) };
                }
            }
            ERROR_MORE_DATA => {}
            _ => return Err(io::Error::from_raw_os_error(error as i32)),
        }
    }
    let mut transferred = 0;
    // SAFETY: `overlapped` belongs to the operation started above; waiting
    // (bWait = TRUE) guarantees the operation is over, cancelled or not,
    // before its buffer and `overlapped` go out of scope.
    let finished =
        unsafe { GetOverlappedResult(handle.as_raw_handle(), &overlapped, &mut transferred, 1) };
    if finished != 0 {
        return Ok(Outcome::Done(transferred as usize));
    }
    // SAFETY: reads the calling thread's last-error value; no preconditions.
    match unsafe { GetLastError() } {
        ERROR_MORE_DATA => Ok(Outcome::MoreData(transferred as usize)),
        ERROR_OPERATION_ABORTED if gave_up && transferred == 0 => Ok(Outcome::GaveUp),
        ERROR_OPERATION_ABORTED if gave_up => Ok(Outcome::Done(transferred as usize)),
        error => Err(io::Error::from_raw_os_error(error as i32)),
    }
}
