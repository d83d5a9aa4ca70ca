//! What a single instance needs from Windows: the user and session that
//! scope its name, and a claim that gives the name to one process.
//!
//! The pipe itself would do (`FILE_FLAG_FIRST_PIPE_INSTANCE` gives a pipe
//! name to one server), but Wine ignores that flag, so the claim is a named
//! mutex as well: the process that creates it (rather than opening one that
//! exists) may bind. The mutex is never acquired, only held open: it lives
//! as long as a handle to it does, and the OS closes the primary's handle
//! when the primary exits, however it exits.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::windows::io::{FromRawHandle, OwnedHandle};

use windows_sys::Win32::Foundation::{ERROR_ACCESS_DENIED, ERROR_ALREADY_EXISTS, GetLastError};
use windows_sys::Win32::System::Threading::CreateMutexW;

use super::local_socket::{Resolved, resolve_namespaced};

/// Per user: the pipe `\\.\pipe\ID-SID`, with the user's SID. Pipe names
/// are shared by every user, so another user could make a pipe of that name
/// first; clients check who serves it.
pub(crate) fn user_address(id: &OsStr) -> io::Result<Resolved> {
    scoped(id, &super::security::current_user_sid()?)
}

/// Per logon session: `ID-SID-sessionN`, with the session's id.
pub(crate) fn session_address(id: &OsStr) -> io::Result<Resolved> {
    let key = format!(
        "{}-session{}",
        super::security::current_user_sid()?,
        super::security::current_session_id()?
    );
    scoped(id, &key)
}

/// Machine-wide: the pipe `\\.\pipe\ID`.
pub(crate) fn machine_address(id: &OsStr) -> io::Result<Resolved> {
    resolve_namespaced(id)
}

fn scoped(id: &OsStr, key: &str) -> io::Result<Resolved> {
    let mut name = OsString::from(id);
    name.push("-");
    name.push(key);
    resolve_namespaced(&name)
}

/// A claim on a name: the mutex this process created.
#[derive(Debug)]
pub(crate) struct Claim {
    #[allow(
        dead_code,
        reason = "held open for the primary's lifetime, closed by Drop"
    )]
    mutex: OwnedHandle,
}

/// Claims `key` (a name without backslashes): `Some` if this process
/// created its mutex, `None` if another process holds it.
pub(crate) fn claim(key: &str) -> io::Result<Option<Claim>> {
    let name: Vec<u16> = format!("Global\\localipc-instance-{key}")
        .encode_utf16()
        .chain([0])
        .collect();
    // SAFETY: `name` is NUL-terminated and outlives the call; a null
    // security attributes pointer asks for the default security.
    let mutex = unsafe { CreateMutexW(std::ptr::null(), 0, name.as_ptr()) };
    // SAFETY: GetLastError has no preconditions; it is read before any
    // other call can change it.
    let last = unsafe { GetLastError() };
    if mutex.is_null() {
        // Another user's mutex of that name, which this user may not open,
        // is held by someone else all the same.
        if last == ERROR_ACCESS_DENIED {
            return Ok(None);
        }
        return Err(io::Error::from_raw_os_error(last as i32));
    }
    // SAFETY: CreateMutexW succeeded, so `mutex` is a new handle we own.
    let mutex = unsafe { OwnedHandle::from_raw_handle(mutex) };
    if last == ERROR_ALREADY_EXISTS {
        return Ok(None);
    }
    Ok(Some(Claim { mutex }))
}
