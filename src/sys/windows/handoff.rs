//! Handing chosen pipe ends to a child process.
//!
//! std's `Command` creates processes with handle inheritance on, so each
//! handed end is duplicated as an inheritable handle just for the spawn, and
//! the duplicate is closed as soon as `CreateProcess` returns. The child finds
//! the handle value, which inheritance preserves, in its environment variable.

use std::ffi::OsStr;
use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::process::{Child, Command};
use std::ptr;

use windows_sys::Win32::Foundation::{
    DUPLICATE_SAME_ACCESS, DuplicateHandle, HANDLE_FLAG_INHERIT, NO_ERROR, SetHandleInformation,
};
use windows_sys::Win32::Storage::FileSystem::{FILE_TYPE_PIPE, FILE_TYPE_UNKNOWN, GetFileType};
use windows_sys::Win32::System::Threading::GetCurrentProcess;

use super::error::cvt;
use crate::sys::Direction;

/// A borrowed end, as the portable layer hands it down.
pub(crate) type BorrowedEnd<'a> = BorrowedHandle<'a>;

/// Spawns `command` with each end inherited and its handle value stored in its variable.
pub(crate) fn spawn(
    command: &mut Command,
    ends: &[(&OsStr, BorrowedEnd<'_>)],
) -> io::Result<Child> {
    let mut inheritable = Vec::with_capacity(ends.len());
    for (var, handle) in ends {
        let duplicate = duplicate_inheritable(*handle)?;
        command.env(var, (duplicate.as_raw_handle() as usize).to_string());
        inheritable.push(duplicate);
    }
    let child = command.spawn();
    // Closing the parent's inheritable copies right away keeps the window in
    // which another thread's spawn could inherit them as short as one spawn.
    drop(inheritable);
    child
}

fn duplicate_inheritable(handle: BorrowedHandle<'_>) -> io::Result<OwnedHandle> {
    // SAFETY: GetCurrentProcess has no preconditions; it returns a pseudo
    // handle that needs no closing.
    let this_process = unsafe { GetCurrentProcess() };
    let mut duplicate = ptr::null_mut();
    // SAFETY: the source handle is borrowed and therefore open, both process
    // handles are the current-process pseudo handle, and `duplicate` is a live
    // out-pointer.
    cvt(unsafe {
        DuplicateHandle(
            this_process,
            handle.as_raw_handle(),
            this_process,
            &mut duplicate,
            0,
            1,
            DUPLICATE_SAME_ACCESS,
        )
    })?;
    // SAFETY: DuplicateHandle succeeded, so `duplicate` is a new handle we own.
    Ok(unsafe { OwnedHandle::from_raw_handle(duplicate) })
}

/// Takes ownership of the handle whose value is `value`, checking that it is
/// a pipe handle, and makes it non-inheritable.
///
/// # Safety
///
/// `value` must name a handle that nothing else in this process owns.
pub(crate) unsafe fn claim(value: &OsStr, _direction: Direction) -> io::Result<OwnedHandle> {
    let raw = value
        .to_str()
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|raw| *raw != 0)
        .ok_or_else(|| invalid(format!("{value:?} is not a handle value")))?
        as RawHandle;
    // SAFETY: GetFileType only inspects the handle; on a value that is not an
    // open handle it fails and reports the reason through GetLastError.
    let file_type = unsafe { GetFileType(raw) };
    if file_type != FILE_TYPE_PIPE {
        let error = io::Error::last_os_error();
        return Err(
            if file_type == FILE_TYPE_UNKNOWN && error.raw_os_error() != Some(NO_ERROR as i32) {
                invalid(format!("handle {raw:?} is not open: {error}"))
            } else {
                invalid(format!("handle {raw:?} is not a pipe"))
            },
        );
    }
    // SAFETY: `raw` is an open pipe handle (checked above) and the caller
    // guarantees that nothing else in this process owns it.
    let handle = unsafe { OwnedHandle::from_raw_handle(raw) };
    // SAFETY: `handle` is open and owned; clearing a flag has no other effect.
    cvt(unsafe { SetHandleInformation(handle.as_raw_handle(), HANDLE_FLAG_INHERIT, 0) })?;
    Ok(handle)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// An owned end, as claimed by a child.
pub(crate) type OwnedEnd = OwnedHandle;
