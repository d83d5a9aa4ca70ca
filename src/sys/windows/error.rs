//! Win32 results and error codes as `io::Result` and `io::Error`, and the
//! codes that say the pipe is closed.

use std::io;

use windows_sys::Win32::Foundation::{
    ERROR_BROKEN_PIPE, ERROR_NO_DATA, ERROR_PIPE_NOT_CONNECTED, GetLastError,
};

/// Turns a Win32 `BOOL` result into `io::Result`, reading `GetLastError` on failure.
pub(crate) fn cvt(result: windows_sys::core::BOOL) -> io::Result<()> {
    if result == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

pub(crate) fn last_error() -> u32 {
    // SAFETY: reads the calling thread's last-error value; no preconditions.
    unsafe { GetLastError() }
}

pub(crate) fn error_for(code: u32) -> io::Error {
    io::Error::from_raw_os_error(code as i32)
}

/// Whether `error` is one of the codes Windows uses for "the other end of the
/// pipe is gone".
pub(crate) fn is_pipe_closed(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error().map(|code| code as u32),
        Some(ERROR_BROKEN_PIPE | ERROR_NO_DATA | ERROR_PIPE_NOT_CONNECTED)
    )
}

/// Gives every "pipe closed" code the kind `BrokenPipe`, keeping the OS error as the source.
pub(crate) fn normalise_write_error(error: io::Error) -> io::Error {
    if error.kind() != io::ErrorKind::BrokenPipe && is_pipe_closed(&error) {
        io::Error::new(io::ErrorKind::BrokenPipe, error)
    } else {
        error
    }
}
