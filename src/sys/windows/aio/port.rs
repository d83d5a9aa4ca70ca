//! The one process-wide I/O completion port that async pipe handles are
//! bound to, so that their I/O outlives the thread that started it.

use std::os::windows::io::{AsRawHandle, BorrowedHandle};
use std::ptr;
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
use windows_sys::Win32::System::IO::CreateIoCompletionPort;

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
