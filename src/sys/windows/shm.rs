//! Shared memory on Windows: a section backed by the paging file, without a
//! name (so no other process can open it: only the handle duplicated into
//! the peer over the authenticated pipe reaches it), with the default
//! security of this process's token.

use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{
    ERROR_BROKEN_PIPE, ERROR_PIPE_NOT_CONNECTED, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, FILE_MAP_READ, FILE_MAP_WRITE, MEMORY_BASIC_INFORMATION, MapViewOfFile,
    PAGE_READWRITE, VirtualQuery,
};
use windows_sys::Win32::System::Pipes::PeekNamedPipe;

use super::resource::ResourceStream;
use crate::sys::shared_memory::{Mapping, Region};

/// Maps all of `section` for reading and writing; returns the view and its
/// size in bytes.
fn map(section: &OwnedHandle) -> io::Result<(NonNull<u8>, usize)> {
    // SAFETY: `section` is an open handle; a size of 0 maps the whole
    // section at an address the system picks.
    let view = unsafe {
        MapViewOfFile(
            section.as_raw_handle(),
            FILE_MAP_READ | FILE_MAP_WRITE,
            0,
            0,
            0,
        )
    };
    let Some(base) = NonNull::new(view.Value.cast::<u8>()) else {
        return Err(io::Error::last_os_error());
    };
    // SAFETY: `base` is the view just mapped, which nothing else unmaps.
    let mapping = unsafe { Mapping::new(base, 0) };
    let mut info = MEMORY_BASIC_INFORMATION::default();
    // SAFETY: `info` is a writable structure of the size passed.
    let written = unsafe {
        VirtualQuery(
            base.as_ptr().cast(),
            &mut info,
            size_of::<MEMORY_BASIC_INFORMATION>(),
        )
    };
    if written == 0 {
        return Err(io::Error::last_os_error());
    }
    std::mem::forget(mapping);
    Ok((base, info.RegionSize))
}

/// A new unnamed section of `len` bytes and a view of all of it.
pub(crate) fn create(len: usize) -> io::Result<(OwnedHandle, Region)> {
    let len64 = len as u64;
    // SAFETY: no file (the paging file backs it), default security, no
    // name: a fresh object, returned as a new handle or null.
    let raw = unsafe {
        CreateFileMappingW(
            INVALID_HANDLE_VALUE,
            std::ptr::null(),
            PAGE_READWRITE,
            (len64 >> 32) as u32,
            len64 as u32,
            std::ptr::null(),
        )
    };
    if raw.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new handle that nothing else owns.
    let section = unsafe { OwnedHandle::from_raw_handle(raw) };
    let (base, _) = map(&section)?;
    // SAFETY: `map` handed over the view it mapped, which nothing else
    // unmaps.
    let mapping = unsafe { Mapping::new(base, len) };
    Ok((section, Region::from_mapping(base, len, mapping)?))
}

/// Whether channels can be set up here, asked before the accepting side
/// waits for the peer's memory: always, as a section keeps the size it was
/// created with.
pub(crate) fn check_support() -> io::Result<()> {
    Ok(())
}

/// Maps a section the peer sent, all of it (at most `max_len` bytes).
/// Anything but a section fails to map and is refused.
pub(crate) fn open(section: OwnedHandle, max_len: usize) -> io::Result<Region> {
    let (base, len) = map(&section).map_err(|error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("shared memory set-up: the handle is not a mappable section ({error})"),
        )
    })?;
    // SAFETY: `map` handed over the view it mapped, which nothing else
    // unmaps.
    let mapping = unsafe { Mapping::new(base, len) };
    if len > max_len {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "shared memory set-up: the memory is larger than any channel",
        ));
    }
    Region::from_mapping(base, len, mapping)
}

/// The longest a bell's write may wait. A pipe write waits only when the
/// pipe is full, and a peer of this crate takes every bell waiting each
/// time it wakes (it never leaves more than a few); so only a peer that
/// never reads them meets this limit.
pub(crate) const BELL_WRITE_TIMEOUT: Option<Duration> = Some(Duration::from_secs(1));

/// Wakes the peer: one byte on the pipe, outside the frames of the set-up
/// (the channel's bells are bare bytes: one write to ring, one read to take
/// any number, and no allocation). False if the write timed out (the peer
/// leaves its bells unread: ring no more). Other errors are dropped: a
/// vanished peer is seen by this side's next wait.
pub(crate) fn ring_bell(stream: &ResourceStream) -> bool {
    !matches!(stream.write_raw(&[1]), Err(error) if error.kind() == io::ErrorKind::TimedOut)
}

/// Waits for bells until `deadline`: `Ok(0)` when the peer is gone,
/// `TimedOut` once the deadline has passed. Setting a pipe's timeout is a
/// store, not a system call, so each wait gets the time left.
pub(crate) fn wait_bell(
    stream: &ResourceStream,
    buf: &mut [u8],
    deadline: Option<Instant>,
) -> io::Result<usize> {
    let left = match deadline {
        None => None,
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Some(left),
            _ => return Err(io::ErrorKind::TimedOut.into()),
        },
    };
    stream.set_read_timeout(left)?;
    stream.read_raw(buf)
}

/// Takes bells without waiting: `Some(0)` when the peer is gone, `None` when
/// there are none.
pub(crate) fn poll_bell(stream: &ResourceStream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    let mut available = 0u32;
    // SAFETY: no buffer is passed; `available` is a writable u32.
    let ok = unsafe {
        PeekNamedPipe(
            stream.as_borrowed().as_raw_handle(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            &mut available,
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        let error = io::Error::last_os_error();
        return match error.raw_os_error().map(|code| code as u32) {
            Some(ERROR_BROKEN_PIPE | ERROR_PIPE_NOT_CONNECTED) => Ok(Some(0)),
            _ => Err(error),
        };
    }
    if available == 0 {
        return Ok(None);
    }
    stream.read_raw(buf).map(Some)
}
