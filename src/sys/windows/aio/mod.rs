//! The runtime-independent overlapped core behind the Tokio and smol front
//! ends on Windows.
//!
//! Pipe handles are overlapped. Each stream direction has one operation slot
//! (an event, an `OVERLAPPED` and a buffer owned by the core, never the
//! caller's) and one Win32 thread-pool wait that wakes the task waiting on
//! that direction when the slot's event is signalled. Nothing here knows a
//! runtime: a future is woken through its `Waker`, whatever executor made it.
//!
//! * Reads go into the core's buffer and are copied out, so a dropped read
//!   future leaves the kernel writing into memory the core still owns; the
//!   next read collects what it brought. Message boundaries are kept
//!   (`ERROR_MORE_DATA` says a message goes on), so whole messages can be
//!   received.
//! * A write copies into the core's buffer, starts one `WriteFile` and is
//!   done as soon as it is started; the next write or flush waits for it and
//!   reports its error.
//! * Dropping a stream cancels a pending read and waits for the cancellation
//!   to land. A pending write is not cancelled (its data was reported as
//!   written): its buffer and `OVERLAPPED` are handed to a one-shot
//!   thread-pool wait that frees them once the write ends, so the peer still
//!   gets the data and nobody waits for the peer.
//! * Handles are bound to one process-wide I/O completion port that nothing
//!   reads ([`bind_to_port`]). That makes their I/O independent of the thread
//!   that started it: Windows cancels the pending I/O of a thread that exits
//!   unless the handle is bound to a port, and executor threads come and go.
//!   Every `OVERLAPPED` carries its event tagged with the low bit, so no
//!   completion packet is ever queued to that port.

pub(crate) mod listener;
pub(crate) mod local_socket;
pub(crate) mod notify;
pub(crate) mod pipe;
pub(crate) mod resource_stream;
#[cfg_attr(
    not(feature = "tokio"),
    allow(dead_code, reason = "the smol named-pipe front end is still to come")
)]
pub(crate) mod stream;

use std::os::windows::io::{AsRawHandle, BorrowedHandle};
use std::ptr;
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
use windows_sys::Win32::System::IO::CreateIoCompletionPort;

pub(crate) use listener::{Listener, connect};
pub(crate) use stream::Stream;

/// The completion port handle value, as a number so that it can be shared.
fn port() -> Option<usize> {
    static PORT: OnceLock<Option<usize>> = OnceLock::new();
    *PORT.get_or_init(|| {
        // SAFETY: creating a new port needs no file handle (INVALID_HANDLE_VALUE)
        // and no existing port; one concurrent thread is plenty for a port
        // that is never read.
        let port = unsafe { CreateIoCompletionPort(INVALID_HANDLE_VALUE, ptr::null_mut(), 0, 1) };
        // The port lives as long as the process: it is never closed.
        (!port.is_null()).then_some(port as usize)
    })
}

/// Binds `handle` to the process-wide completion port, so that its pending
/// I/O survives the exit of the thread that started it. Best effort: a handle
/// already bound (for instance after a round trip through a blocking stream)
/// keeps its binding, and without a port the I/O still works, only tied to
/// its thread as for any handle that is not bound.
pub(crate) fn bind_to_port(handle: BorrowedHandle<'_>) {
    let Some(port) = port() else { return };
    // SAFETY: `handle` is an open overlapped handle and `port` an open
    // completion port; on failure nothing changes.
    unsafe { CreateIoCompletionPort(handle.as_raw_handle(), port as _, 0, 0) };
}
