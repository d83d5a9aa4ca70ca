//! Win32 results as `io::Result`, and the codes that say a pipe is closed.

use std::io;

use windows_sys::Win32::Foundation::{ERROR_BROKEN_PIPE, ERROR_NO_DATA, ERROR_PIPE_NOT_CONNECTED};

/// Turns a Win32 `BOOL` result into `io::Result`, reading `GetLastError` on failure.
pub(crate) fn cvt(result: windows_sys::core::BOOL) -> io::Result<()> {
    if result == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
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
