//! Vectored I/O on pipe handles, which have no scatter/gather form on Windows.

use std::io;

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
