//! The Windows backend: windows-sys, nothing else.

#[cfg(async_front_end)]
pub(crate) mod aio;
mod frames;
mod framing;
pub(crate) mod handoff;
pub(crate) mod identity;
pub(crate) mod local_socket;
pub(crate) mod message_socket;
pub(crate) mod named_pipe;
pub(crate) mod overlapped;
pub(crate) mod pipe;
pub(crate) mod pipe_path;
mod release;
mod resource_stream;
pub(crate) mod security;
pub(crate) mod shm;

#[cfg(feature = "smol")]
pub(crate) use aio as smol;
#[cfg(feature = "tokio")]
pub(crate) use aio as tokio;

use std::io;

use windows_sys::Win32::Foundation::{ERROR_BROKEN_PIPE, ERROR_NO_DATA, ERROR_PIPE_NOT_CONNECTED};

/// A vectored read on Windows, where pipe handles have no scatter I/O:
/// `read` fills the first non-empty buffer, as std does; none is `Ok(0)`.
pub(crate) fn read_first(
    bufs: &mut [io::IoSliceMut<'_>],
    read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
) -> io::Result<usize> {
    bufs.iter_mut()
        .find(|buf| !buf.is_empty())
        .map_or(Ok(0), |buf| read(buf))
}

/// A vectored write on Windows: `write` sends the first non-empty buffer.
pub(crate) fn write_first(
    bufs: &[io::IoSlice<'_>],
    write: impl FnOnce(&[u8]) -> io::Result<usize>,
) -> io::Result<usize> {
    bufs.iter()
        .find(|buf| !buf.is_empty())
        .map_or(Ok(0), |buf| write(buf))
}

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
