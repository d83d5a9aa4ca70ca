//! What a pipe end tells of itself (its side and mode, whether its peer is
//! there) and of its peer (process and session ids, impersonation).

use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle};
use std::ptr;

use windows_sys::Win32::System::Pipes::{
    GetNamedPipeClientProcessId, GetNamedPipeClientSessionId, GetNamedPipeInfo,
    GetNamedPipeServerProcessId, GetNamedPipeServerSessionId, ImpersonateNamedPipeClient,
    PIPE_SERVER_END, PIPE_TYPE_MESSAGE, PeekNamedPipe,
};

use crate::sys::windows::error::cvt;

fn query(
    handle: BorrowedHandle<'_>,
    call: unsafe extern "system" fn(
        windows_sys::Win32::Foundation::HANDLE,
        *mut u32,
    ) -> windows_sys::core::BOOL,
) -> io::Result<u32> {
    let mut value = 0;
    // SAFETY: `call` is one of the GetNamedPipe*Id functions, which take
    // an open pipe handle and a live out-pointer.
    cvt(unsafe { call(handle.as_raw_handle(), &mut value) })?;
    Ok(value)
}

pub(crate) fn client_process_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeClientProcessId)
}

pub(crate) fn server_process_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeServerProcessId)
}

pub(crate) fn client_session_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeClientSessionId)
}

pub(crate) fn server_session_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeServerSessionId)
}

/// Runs `f` with the calling thread impersonating the client of the pipe
/// end `handle` (which must be a server end: `server`).
pub(crate) fn impersonate_client<R>(
    handle: BorrowedHandle<'_>,
    server: bool,
    f: impl FnOnce() -> R,
) -> io::Result<R> {
    if !server {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "only the server end of a pipe can impersonate its client",
        ));
    }
    // SAFETY: the handle is an open server end of a named pipe.
    cvt(unsafe { ImpersonateNamedPipeClient(handle.as_raw_handle()) })?;
    let _revert = Revert;
    Ok(f())
}

/// Ends impersonation when dropped, also when the closure panics.
struct Revert;

impl Drop for Revert {
    fn drop(&mut self) {
        // SAFETY: RevertToSelf takes no arguments.
        if unsafe { windows_sys::Win32::Security::RevertToSelf() } == 0 {
            // Going on would run this thread with the client's identity.
            std::process::abort();
        }
    }
}

/// What waits in the pipe end `handle`, without reading it: the bytes
/// there in all, and (message mode) the bytes left of the message at the
/// front, some of which a read may already have taken.
pub(crate) fn peek(handle: BorrowedHandle<'_>) -> io::Result<(u32, u32)> {
    let mut available = 0;
    let mut left_in_message = 0;
    // SAFETY: no buffer is passed (size 0); the out-pointers are live locals.
    cvt(unsafe {
        PeekNamedPipe(
            handle.as_raw_handle(),
            ptr::null_mut(),
            0,
            ptr::null_mut(),
            &mut available,
            &mut left_in_message,
        )
    })?;
    Ok((available, left_in_message))
}

/// Whether the peer of the pipe end `handle` is still connected.
pub(crate) fn is_connected(handle: BorrowedHandle<'_>) -> bool {
    peek(handle).is_ok()
}

/// Which end of a pipe `handle` is (true: the server's) and whether the pipe
/// is in message mode; an error if it is no pipe.
pub(crate) fn describe(handle: BorrowedHandle<'_>) -> io::Result<(bool, bool)> {
    let mut flags = 0;
    // SAFETY: the handle is open; null out-pointers are allowed for the
    // values not asked for.
    cvt(unsafe {
        GetNamedPipeInfo(
            handle.as_raw_handle(),
            &mut flags,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    })
    .map_err(|error| {
        crate::error::with_context(
            io::ErrorKind::InvalidInput,
            format!("the handle is not a pipe end: {error}"),
            error,
        )
    })?;
    Ok((flags & PIPE_SERVER_END != 0, flags & PIPE_TYPE_MESSAGE != 0))
}
