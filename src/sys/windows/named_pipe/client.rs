//! Opening the client end of a pipe, waiting for a busy one.

use std::io;
use std::os::windows::io::{AsHandle, AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr;
use std::time::Instant;

use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND, ERROR_PIPE_BUSY,
    ERROR_SEM_TIMEOUT, GENERIC_READ, GENERIC_WRITE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_FLAG_OVERLAPPED, FILE_READ_ATTRIBUTES, FILE_WRITE_ATTRIBUTES, OPEN_EXISTING,
    SECURITY_SQOS_PRESENT,
};
use windows_sys::Win32::System::Pipes::{
    NMPWAIT_WAIT_FOREVER, PIPE_READMODE_MESSAGE, SetNamedPipeHandleState, WaitNamedPipeW,
};

use super::config::{ClientConfig, Direction};
use super::info::describe;
use super::server_check::check_server;
use super::stream::Stream;
use super::timeout::wait_millis;
use crate::sys::windows::error::{cvt, error_for, last_error};

/// Opens the client end, waiting for a busy pipe up to the configured
/// timeout, and checks who serves it before returning.
pub(crate) fn connect(config: &ClientConfig) -> io::Result<Stream> {
    let deadline = config.timeout.map(|timeout| Instant::now() + timeout);
    let handle = loop {
        match open_client(config, true)? {
            Some(handle) => break handle,
            None => wait_until_free(config, deadline)?,
        }
    };
    check_server(handle.as_handle(), &config.path, &config.expected_server)?;
    client_stream(handle)
}

/// One attempt at opening the client end, overlapped or not; `None` if every
/// instance is busy.
pub(crate) fn open_client(
    config: &ClientConfig,
    overlapped: bool,
) -> io::Result<Option<OwnedHandle>> {
    let access = match config.direction {
        Direction::Duplex => GENERIC_READ | GENERIC_WRITE,
        // Attribute access lets the client read the pipe's type and set its
        // read mode even when it may only write, or only read.
        Direction::ClientToServer => GENERIC_WRITE | FILE_READ_ATTRIBUTES,
        Direction::ServerToClient => GENERIC_READ | FILE_WRITE_ATTRIBUTES,
    };
    let attributes = SECURITY_ATTRIBUTES {
        nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: ptr::null_mut(),
        bInheritHandle: i32::from(config.inheritable),
    };
    let overlapped = if overlapped { FILE_FLAG_OVERLAPPED } else { 0 };
    // SAFETY: the path is NUL-terminated and `attributes` is a live local.
    let handle = unsafe {
        CreateFileW(
            config.path.wide.as_ptr(),
            access,
            0,
            &attributes,
            OPEN_EXISTING,
            overlapped | SECURITY_SQOS_PRESENT | config.impersonation.flags(),
            ptr::null_mut(),
        )
    };
    if handle != INVALID_HANDLE_VALUE {
        // SAFETY: CreateFileW succeeded, so `handle` is a new handle we own.
        return Ok(Some(unsafe { OwnedHandle::from_raw_handle(handle) }));
    }
    match last_error() {
        ERROR_PIPE_BUSY => Ok(None),
        code => Err(connect_error(config, code)),
    }
}

/// The client stream over a freshly opened overlapped client handle, in the
/// read mode that matches the pipe's type.
pub(crate) fn client_stream(handle: OwnedHandle) -> io::Result<Stream> {
    let (_, messages) = describe(handle.as_handle())?;
    if messages {
        let mode = PIPE_READMODE_MESSAGE;
        // SAFETY: the handle is open and `mode` is a live local.
        cvt(unsafe {
            SetNamedPipeHandleState(handle.as_raw_handle(), &mode, ptr::null(), ptr::null())
        })?;
    }
    Stream::new(handle, false, messages)
}

fn wait_until_free(config: &ClientConfig, deadline: Option<Instant>) -> io::Result<()> {
    let wait_ms = match deadline {
        None => NMPWAIT_WAIT_FOREVER,
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(busy_timeout(config));
            }
            // Never 0: for WaitNamedPipeW that means "the server's default".
            wait_millis(left)
        }
    };
    // SAFETY: the path is NUL-terminated.
    if unsafe { WaitNamedPipeW(config.path.wide.as_ptr(), wait_ms) } != 0 {
        return Ok(());
    }
    match last_error() {
        ERROR_SEM_TIMEOUT => Err(busy_timeout(config)),
        code => Err(connect_error(config, code)),
    }
}

pub(crate) fn busy_timeout(config: &ClientConfig) -> io::Error {
    crate::error::with_context(
        io::ErrorKind::TimedOut,
        format!(
            "timed out waiting for a free instance of the busy pipe `{}`",
            config.path
        ),
        error_for(ERROR_SEM_TIMEOUT),
    )
}

fn connect_error(config: &ClientConfig, code: u32) -> io::Error {
    let error = error_for(code);
    let (kind, message) = match code {
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND => (
            io::ErrorKind::NotFound,
            format!("no listener on the pipe `{}`", config.path),
        ),
        ERROR_ACCESS_DENIED => (
            io::ErrorKind::PermissionDenied,
            format!(
                "access to the pipe `{}` denied: its security descriptor or its direction does not allow this client",
                config.path
            ),
        ),
        _ => (
            error.kind(),
            format!("cannot connect to the pipe `{}`: {error}", config.path),
        ),
    };
    crate::error::with_context(kind, message, error)
}
