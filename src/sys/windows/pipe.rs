//! Unnamed pipes on Windows: `CreatePipe`, synchronous `ReadFile`/`WriteFile`.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use std::ptr;

use windows_sys::Win32::Storage::FileSystem::{ReadFile, WriteFile};
use windows_sys::Win32::System::Pipes::CreatePipe;

use super::error::{cvt, is_pipe_closed, normalise_write_error};
use super::security::{self, SecurityDescriptor};

/// The buffer size asked of `CreatePipe`: the same 64 KiB as a Linux pipe.
const BUFFER_SIZE: u32 = 64 * 1024;

/// The read end of an unnamed pipe.
#[derive(Debug)]
pub(crate) struct Receiver(OwnedHandle);

/// The write end of an unnamed pipe.
#[derive(Debug)]
pub(crate) struct Sender(OwnedHandle);

/// Creates a pipe whose handles are not inheritable, with the
/// current-user-only security descriptor.
pub(crate) fn pipe() -> io::Result<(Sender, Receiver)> {
    pipe_with(security::current_user_only()?)
}

/// Creates a pipe whose handles are not inheritable, with `descriptor`.
pub(crate) fn pipe_with(descriptor: &SecurityDescriptor) -> io::Result<(Sender, Receiver)> {
    let attributes = descriptor.security_attributes(false);
    let mut read = ptr::null_mut();
    let mut write = ptr::null_mut();
    // SAFETY: both out-pointers refer to live locals; `attributes` points into
    // `descriptor`, which outlives the call, and asks for non-inheritable handles.
    cvt(unsafe { CreatePipe(&mut read, &mut write, &attributes, BUFFER_SIZE) })?;
    // SAFETY: CreatePipe succeeded, so `read` is a fresh handle nothing else owns.
    let read = unsafe { OwnedHandle::from_raw_handle(read) };
    // SAFETY: as above, for `write`.
    let write = unsafe { OwnedHandle::from_raw_handle(write) };
    Ok((Sender(write), Receiver(read)))
}

/// The length one `ReadFile`/`WriteFile` call is asked to move.
fn clamp(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Receiver {
    pub(crate) fn from_owned(handle: OwnedHandle) -> Self {
        Self(handle)
    }

    pub(crate) fn into_owned(self) -> OwnedHandle {
        self.0
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.0.as_handle()
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut read = 0;
        // SAFETY: `buf` is valid for writes of the length passed, `read` is a
        // live out-pointer, and the handle is synchronous, so no OVERLAPPED.
        let ok = unsafe {
            ReadFile(
                self.0.as_raw_handle(),
                buf.as_mut_ptr(),
                clamp(buf.len()),
                &mut read,
                ptr::null_mut(),
            )
        };
        match cvt(ok) {
            Ok(()) => Ok(read as usize),
            // Every writer is gone: that is the end of the stream, not an error.
            Err(error) if is_pipe_closed(&error) => Ok(0),
            Err(error) => Err(error),
        }
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        super::vectored::read_first(bufs, |buf| self.read(buf))
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        Ok(Self(self.0.try_clone()?))
    }
}

impl Sender {
    pub(crate) fn from_owned(handle: OwnedHandle) -> Self {
        Self(handle)
    }

    pub(crate) fn into_owned(self) -> OwnedHandle {
        self.0
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.0.as_handle()
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let mut written = 0;
        // SAFETY: `buf` is valid for reads of the length passed, `written` is a
        // live out-pointer, and the handle is synchronous, so no OVERLAPPED.
        let ok = unsafe {
            WriteFile(
                self.0.as_raw_handle(),
                buf.as_ptr(),
                clamp(buf.len()),
                &mut written,
                ptr::null_mut(),
            )
        };
        cvt(ok).map_err(normalise_write_error)?;
        Ok(written as usize)
    }

    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        super::vectored::write_first(bufs, |buf| self.write(buf))
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        Ok(Self(self.0.try_clone()?))
    }
}
