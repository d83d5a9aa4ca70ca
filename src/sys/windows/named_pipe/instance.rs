//! One server instance of a pipe: its creation, and its wait for a client
//! (`ConnectNamedPipe` in flight).

use std::io;
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};

#[cfg(async_front_end)]
use windows_sys::Win32::Foundation::WAIT_OBJECT_0;
use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_IO_PENDING, ERROR_NO_DATA, ERROR_PIPE_BUSY, ERROR_PIPE_CONNECTED,
    INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::{
    FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, PIPE_ACCESS_DUPLEX, PIPE_ACCESS_INBOUND,
    PIPE_ACCESS_OUTBOUND,
};
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, PIPE_ACCEPT_REMOTE_CLIENTS, PIPE_READMODE_BYTE,
    PIPE_READMODE_MESSAGE, PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE, PIPE_TYPE_MESSAGE,
    PIPE_UNLIMITED_INSTANCES, PIPE_WAIT,
};

use super::config::{Direction, ServerConfig};
use crate::sys::windows::error::{error_for, last_error};
use crate::sys::windows::overlapped::Event;
use crate::sys::windows::security;

impl ServerConfig {
    fn open_mode(&self, first: bool) -> u32 {
        let access = match self.direction {
            Direction::Duplex => PIPE_ACCESS_DUPLEX,
            Direction::ClientToServer => PIPE_ACCESS_INBOUND,
            Direction::ServerToClient => PIPE_ACCESS_OUTBOUND,
        };
        let first = if first {
            FILE_FLAG_FIRST_PIPE_INSTANCE
        } else {
            0
        };
        access | FILE_FLAG_OVERLAPPED | first
    }

    fn pipe_mode(&self) -> u32 {
        let kind = if self.messages {
            PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE
        } else {
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE
        };
        let remote = if self.reject_remote {
            PIPE_REJECT_REMOTE_CLIENTS
        } else {
            PIPE_ACCEPT_REMOTE_CLIENTS
        };
        kind | PIPE_WAIT | remote
    }

    /// Creates one server instance. For the first, a taken name is `AddrInUse`.
    pub(crate) fn create_instance(&self, first: bool) -> io::Result<OwnedHandle> {
        let descriptor = match &self.security {
            Some(descriptor) => descriptor,
            None => security::current_user_only()?,
        };
        let attributes = descriptor.security_attributes(self.inheritable);
        // SAFETY: the path is NUL-terminated, `attributes` is a live local
        // pointing into `descriptor`, which outlives the call.
        let handle = unsafe {
            CreateNamedPipeW(
                self.path.wide.as_ptr(),
                self.open_mode(first),
                self.pipe_mode(),
                self.max_instances
                    .map_or(PIPE_UNLIMITED_INSTANCES, u32::from),
                self.out_buffer,
                self.in_buffer,
                0,
                &attributes,
            )
        };
        if handle == INVALID_HANDLE_VALUE {
            let code = last_error();
            let error = error_for(code);
            let (kind, message) = match code {
                ERROR_ACCESS_DENIED | ERROR_PIPE_BUSY if first => (
                    io::ErrorKind::AddrInUse,
                    format!(
                        "the pipe name `{}` is taken: another listener is active on it",
                        self.path
                    ),
                ),
                ERROR_PIPE_BUSY => (
                    io::ErrorKind::ResourceBusy,
                    format!(
                        "all instances of the pipe `{}` allowed by its instance limit exist",
                        self.path
                    ),
                ),
                _ => (
                    error.kind(),
                    format!("cannot create the pipe `{}`: {error}", self.path),
                ),
            };
            return Err(crate::error::with_context(kind, message, error));
        }
        // SAFETY: CreateNamedPipeW succeeded, so `handle` is a new handle we own.
        Ok(unsafe { OwnedHandle::from_raw_handle(handle) })
    }
}

/// A server instance waiting for a client, with its `ConnectNamedPipe` in flight.
pub(crate) struct Waiting {
    /// `None` once handed out.
    handle: Option<OwnedHandle>,
    pub(super) event: Event,
    /// Boxed so that its address stays put while the kernel holds it.
    overlapped: Box<OVERLAPPED>,
    /// Whether `ConnectNamedPipe` is pending, so the kernel holds the
    /// OVERLAPPED (false when it finished as it was started).
    in_flight: bool,
}

// SAFETY: the raw pointers inside are a kernel event handle and the
// OVERLAPPED's own event handle; both may be used from any thread. The
// OVERLAPPED itself is only touched by the kernel and by the thread that holds
// the listener's lock.
unsafe impl Send for Waiting {}

impl Waiting {
    /// Creates an instance and starts waiting for a client on it; `prepare`
    /// sees the handle before the wait starts.
    pub(crate) fn start(
        config: &ServerConfig,
        first: bool,
        prepare: fn(BorrowedHandle<'_>),
    ) -> io::Result<Self> {
        let handle = config.create_instance(first)?;
        prepare(handle.as_handle());
        let event = Event::new()?;
        let mut waiting = Self {
            handle: None,
            overlapped: Box::new(OVERLAPPED {
                hEvent: event.for_overlapped(),
                ..OVERLAPPED::default()
            }),
            event,
            in_flight: false,
        };
        // SAFETY: the OVERLAPPED lives in a heap allocation that stays put
        // until Drop has waited for the operation to end.
        let started = unsafe { ConnectNamedPipe(handle.as_raw_handle(), &mut *waiting.overlapped) };
        waiting.handle = Some(handle);
        if started != 0 {
            waiting.event.set()?;
            return Ok(waiting);
        }
        match last_error() {
            ERROR_IO_PENDING => waiting.in_flight = true,
            // A client connected between CreateNamedPipeW and ConnectNamedPipe
            // (and maybe left again): connected all the same; the event is not
            // signalled for these, so signal it for the accept loop.
            ERROR_PIPE_CONNECTED | ERROR_NO_DATA => waiting.event.set()?,
            code => return Err(error_for(code)),
        }
        Ok(waiting)
    }

    /// The event signalled once a client has connected.
    #[cfg(async_front_end)]
    pub(crate) fn event(&self) -> &Event {
        &self.event
    }

    /// Whether a client has connected (the event is signalled).
    #[cfg(async_front_end)]
    pub(crate) fn is_connected(&self) -> bool {
        // SAFETY: the event is open; a zero timeout only polls it.
        unsafe {
            windows_sys::Win32::System::Threading::WaitForSingleObject(self.event.raw(), 0)
                == WAIT_OBJECT_0
        }
    }

    /// The connected handle, once the event has been signalled.
    pub(crate) fn finish(mut self) -> io::Result<OwnedHandle> {
        // Taking the handle also tells Drop there is nothing left to cancel.
        let handle = self.handle.take().expect("a waiting instance has a handle");
        if !self.in_flight {
            return Ok(handle);
        }
        let mut transferred = 0;
        // SAFETY: the operation was started with this OVERLAPPED; its event is
        // signalled, so this does not block.
        let ok = unsafe {
            GetOverlappedResult(
                handle.as_raw_handle(),
                &*self.overlapped,
                &mut transferred,
                1,
            )
        };
        if ok != 0 {
            return Ok(handle);
        }
        match last_error() {
            // A client that connected and closed again: hand it out all the
            // same, like a TCP accept of a closed connection; reads see
            // whatever it wrote and then the end of the stream.
            ERROR_PIPE_CONNECTED | ERROR_NO_DATA => Ok(handle),
            code => Err(error_for(code)),
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let Some(handle) = &self.handle else { return };
        if !self.in_flight {
            return;
        }
        // SAFETY: cancels only the connect started with this OVERLAPPED.
        unsafe { CancelIoEx(handle.as_raw_handle(), &*self.overlapped) };
        let mut transferred = 0;
        // SAFETY: waits for that connect to end, so the kernel is done with
        // the OVERLAPPED before it is freed.
        unsafe {
            GetOverlappedResult(
                handle.as_raw_handle(),
                &*self.overlapped,
                &mut transferred,
                1,
            )
        };
    }
}

/// What blocking instances need done to their handles before they wait: nothing.
pub(crate) fn no_preparation(_: BorrowedHandle<'_>) {}
