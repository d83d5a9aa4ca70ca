//! Windows named pipes: server instances, client connections and overlapped
//! stream I/O.

use std::io;
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND, ERROR_IO_PENDING, ERROR_NO_DATA,
    ERROR_PATH_NOT_FOUND, ERROR_PIPE_BUSY, ERROR_PIPE_CONNECTED, ERROR_SEM_TIMEOUT, GENERIC_READ,
    GENERIC_WRITE, GetLastError, INVALID_HANDLE_VALUE, WAIT_FAILED, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, FILE_READ_ATTRIBUTES,
    FILE_WRITE_ATTRIBUTES, FlushFileBuffers, OPEN_EXISTING, PIPE_ACCESS_DUPLEX,
    PIPE_ACCESS_INBOUND, PIPE_ACCESS_OUTBOUND, ReadFile, SECURITY_ANONYMOUS, SECURITY_DELEGATION,
    SECURITY_IDENTIFICATION, SECURITY_IMPERSONATION, SECURITY_SQOS_PRESENT, WriteFile,
};
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, GetNamedPipeClientProcessId, GetNamedPipeClientSessionId,
    GetNamedPipeInfo, GetNamedPipeServerProcessId, GetNamedPipeServerSessionId,
    ImpersonateNamedPipeClient, NMPWAIT_WAIT_FOREVER, PIPE_ACCEPT_REMOTE_CLIENTS,
    PIPE_READMODE_BYTE, PIPE_READMODE_MESSAGE, PIPE_REJECT_REMOTE_CLIENTS, PIPE_SERVER_END,
    PIPE_TYPE_BYTE, PIPE_TYPE_MESSAGE, PIPE_UNLIMITED_INSTANCES, PIPE_WAIT, PeekNamedPipe,
    SetNamedPipeHandleState, WaitNamedPipeW,
};
use windows_sys::Win32::System::Threading::{INFINITE, WaitForMultipleObjects};

use super::error::{cvt, is_pipe_closed, normalise_write_error};
use super::overlapped::{self, Event, EventSlot, Outcome};
use super::pipe_path::PipePath;
use super::security::{self, SecurityDescriptor};

/// Which way data flows, from the server's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Duplex,
    ClientToServer,
    ServerToClient,
}

/// Everything needed to create server instances of one pipe.
#[derive(Debug)]
pub(crate) struct ServerConfig {
    pub(crate) path: PipePath,
    pub(crate) messages: bool,
    pub(crate) direction: Direction,
    /// 1 to 254; `None` for no limit.
    pub(crate) max_instances: Option<u8>,
    pub(crate) in_buffer: u32,
    pub(crate) out_buffer: u32,
    pub(crate) reject_remote: bool,
    pub(crate) inheritable: bool,
    /// The descriptor for every instance; `None` for the current-user-only default.
    pub(crate) security: Option<SecurityDescriptor>,
}

/// How far a server may act as its client (the `SECURITY_*` quality of
/// service flags of `CreateFileW`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImpersonationLevel {
    Anonymous,
    Identification,
    Impersonation,
    Delegation,
}

impl ImpersonationLevel {
    fn flags(self) -> u32 {
        match self {
            Self::Anonymous => SECURITY_ANONYMOUS,
            Self::Identification => SECURITY_IDENTIFICATION,
            Self::Impersonation => SECURITY_IMPERSONATION,
            Self::Delegation => SECURITY_DELEGATION,
        }
    }
}

/// Everything needed to open the client end of a pipe.
#[derive(Debug)]
pub(crate) struct ClientConfig {
    pub(crate) path: PipePath,
    pub(crate) direction: Direction,
    pub(crate) timeout: Option<Duration>,
    pub(crate) impersonation: ImpersonationLevel,
    pub(crate) inheritable: bool,
}

/// The timeout value meaning "no timeout".
const NO_TIMEOUT: u32 = INFINITE;

/// Milliseconds for a wait, rounded up so a short timeout never becomes zero
/// (a zero wait means "poll"), and capped below `INFINITE`.
pub(crate) fn wait_millis(duration: Duration) -> u32 {
    let millis = duration.as_nanos().div_ceil(1_000_000);
    u32::try_from(millis)
        .unwrap_or(INFINITE - 1)
        .clamp(1, INFINITE - 1)
}

fn last_error() -> u32 {
    // SAFETY: reads the calling thread's last-error value; no preconditions.
    unsafe { GetLastError() }
}

fn error_for(code: u32) -> io::Error {
    io::Error::from_raw_os_error(code as i32)
}

/// Bytes an async stream had already read when it became a blocking one:
/// served before anything else is read from the pipe.
#[derive(Debug)]
pub(crate) struct Prefix {
    pub(crate) bytes: Vec<u8>,
    /// How much of `bytes` has been read.
    pub(crate) pos: usize,
    /// Whether the message these bytes belong to goes on in the pipe
    /// (message mode).
    pub(crate) continues: bool,
}

/// A connected pipe end, server or client side, opened for overlapped I/O.
#[derive(Debug)]
pub(crate) struct Stream {
    handle: OwnedHandle,
    /// Checked with one relaxed load per read, so the data path pays nothing
    /// more for streams that never were async.
    has_prefix: AtomicBool,
    prefix: Mutex<Option<Prefix>>,
    reads: EventSlot,
    writes: EventSlot,
    read_timeout: AtomicU32,
    write_timeout: AtomicU32,
    nonblocking: AtomicBool,
    server: bool,
    messages: bool,
}

/// What a message read found.
#[derive(Debug)]
pub(crate) enum Received {
    /// A whole message of this many bytes.
    Whole(usize),
    /// The buffer was filled with this many bytes of a longer message.
    Partial(usize),
    /// The peer closed and everything was read.
    End,
}

impl Stream {
    fn new(handle: OwnedHandle, server: bool, messages: bool) -> io::Result<Self> {
        Self::from_parts(handle, server, messages, None)
    }

    /// A stream over `handle`, which must be an overlapped pipe handle of the
    /// given side and mode; `prefix` is data already read from it.
    pub(crate) fn from_parts(
        handle: OwnedHandle,
        server: bool,
        messages: bool,
        prefix: Option<Prefix>,
    ) -> io::Result<Self> {
        Ok(Self {
            handle,
            has_prefix: AtomicBool::new(prefix.is_some()),
            prefix: Mutex::new(prefix),
            reads: EventSlot::new()?,
            writes: EventSlot::new()?,
            read_timeout: AtomicU32::new(NO_TIMEOUT),
            write_timeout: AtomicU32::new(NO_TIMEOUT),
            nonblocking: AtomicBool::new(false),
            server,
            messages,
        })
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.handle.as_handle()
    }

    pub(crate) fn into_owned(self) -> OwnedHandle {
        self.handle
    }

    /// The handle, side, mode and any data read ahead but not yet consumed.
    #[cfg(async_front_end)]
    pub(crate) fn into_parts(self) -> (OwnedHandle, bool, bool, Option<Prefix>) {
        let prefix = self
            .prefix
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (self.handle, self.server, self.messages, prefix)
    }

    /// Serves a read from the prefix, if there is one.
    fn read_prefix(&self, buf: *mut u8, len: u32) -> Option<Received> {
        let mut guard = self
            .prefix
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let prefix = guard.as_mut()?;
        let rest = &prefix.bytes[prefix.pos..];
        let n = rest.len().min(len as usize);
        // SAFETY: the caller guarantees `buf` is writable for `len` bytes, and
        // `n` is at most `len`; the prefix is a separate allocation.
        unsafe { ptr::copy_nonoverlapping(rest.as_ptr(), buf, n) };
        prefix.pos += n;
        if prefix.pos < prefix.bytes.len() {
            return Some(if self.messages {
                Received::Partial(n)
            } else {
                Received::Whole(n)
            });
        }
        let continues = prefix.continues;
        *guard = None;
        self.has_prefix.store(false, Ordering::Relaxed);
        Some(if continues {
            Received::Partial(n)
        } else {
            Received::Whole(n)
        })
    }

    /// How many bytes of the prefix are unread, and whether its message goes on.
    fn prefix_left(&self) -> Option<(usize, bool)> {
        if !self.has_prefix.load(Ordering::Relaxed) {
            return None;
        }
        let guard = self
            .prefix
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .as_ref()
            .map(|prefix| (prefix.bytes.len() - prefix.pos, prefix.continues))
    }

    pub(crate) fn is_server(&self) -> bool {
        self.server
    }

    pub(crate) fn is_message_mode(&self) -> bool {
        self.messages
    }

    fn wait_for(&self, timeout: &AtomicU32) -> u32 {
        if self.nonblocking.load(Ordering::Relaxed) {
            0
        } else {
            timeout.load(Ordering::Relaxed)
        }
    }

    fn gave_up(&self) -> io::Error {
        if self.nonblocking.load(Ordering::Relaxed) {
            io::Error::from(io::ErrorKind::WouldBlock)
        } else {
            io::Error::new(io::ErrorKind::TimedOut, "the pipe operation timed out")
        }
    }

    /// When a call that starts now and reads more than once must end: the
    /// read timeout from now; `None` without one (or in nonblocking mode,
    /// where nothing waits).
    pub(crate) fn read_deadline(&self) -> Option<Instant> {
        self.deadline(&self.read_timeout)
    }

    /// As [`read_deadline`](Self::read_deadline), for writes.
    pub(crate) fn write_deadline(&self) -> Option<Instant> {
        self.deadline(&self.write_timeout)
    }

    fn deadline(&self, timeout: &AtomicU32) -> Option<Instant> {
        match self.wait_for(timeout) {
            NO_TIMEOUT | 0 => None,
            millis => Instant::now().checked_add(Duration::from_millis(millis.into())),
        }
    }

    /// How long one wait of a call that must end by `deadline` may last:
    /// the time left, 0 once it has passed (then only what needs no wait
    /// is done); the timeout's own wait without a deadline.
    fn wait_by(&self, deadline: Option<Instant>, timeout: &AtomicU32) -> u32 {
        match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => wait_millis(left),
                _ => 0,
            },
            None => self.wait_for(timeout),
        }
    }

    /// One read of a call that reads more than once, waiting only for
    /// what is left until `deadline` (from [`read_deadline`](Self::read_deadline)):
    /// the call's timeout bounds all of its reads, not each.
    pub(crate) fn read_by(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let wait_ms = self.wait_by(deadline, &self.read_timeout);
        match self.read_raw(buf.as_mut_ptr(), clamp(buf.len()), wait_ms)? {
            Received::Whole(n) | Received::Partial(n) => Ok(n),
            Received::End => Ok(0),
        }
    }

    /// One write of a call that writes more than once, waiting only for
    /// what is left until `deadline` (from [`write_deadline`](Self::write_deadline)).
    pub(crate) fn write_by(&self, buf: &[u8], deadline: Option<Instant>) -> io::Result<usize> {
        self.write_waiting(buf, self.wait_by(deadline, &self.write_timeout))
    }

    /// One `ReadFile` into `len` bytes at `buf`, which must be valid for
    /// writes of `len` bytes for the duration of the call, waiting up to
    /// `wait_ms`.
    fn read_raw(&self, buf: *mut u8, len: u32, wait_ms: u32) -> io::Result<Received> {
        if self.has_prefix.load(Ordering::Relaxed) {
            if let Some(received) = self.read_prefix(buf, len) {
                return Ok(received);
            }
        }
        let handle = self.handle.as_raw_handle();
        let outcome = overlapped::run(self.as_borrowed(), &self.reads, wait_ms, |ov| {
            // SAFETY: the caller guarantees `buf` is writable for `len` bytes
            // until this call returns, and `run` waits for the operation to end.
            unsafe { ReadFile(handle, buf, len, ptr::null_mut(), ov) }
        });
        match outcome {
            Ok(Outcome::Done(n)) => Ok(Received::Whole(n)),
            Ok(Outcome::MoreData(n)) => Ok(Received::Partial(n)),
            Ok(Outcome::GaveUp) => Err(self.gave_up()),
            // Every writer is gone: the end of the stream, not an error.
            Err(error) if is_pipe_closed(&error) => Ok(Received::End),
            Err(error) => Err(error),
        }
    }

    /// Reads bytes: in message mode, as much of the next message as fits.
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.read_by(buf, None)
    }

    /// Reads one message into `buf`, or as much of it as fits.
    pub(crate) fn recv_into(&self, buf: &mut [u8]) -> io::Result<Received> {
        let wait_ms = self.wait_for(&self.read_timeout);
        self.read_raw(buf.as_mut_ptr(), clamp(buf.len()), wait_ms)
    }

    /// Reads one whole message, replacing the contents of `buf` and growing it
    /// as needed. Returns `None` at the end of the stream.
    pub(crate) fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
        const FIRST_CHUNK: usize = 4096;
        buf.clear();
        if buf.capacity() < FIRST_CHUNK {
            buf.reserve(FIRST_CHUNK);
        }
        loop {
            if buf.len() == buf.capacity() {
                buf.reserve(buf.capacity());
            }
            let spare = buf.spare_capacity_mut();
            let wait_ms = self.wait_for(&self.read_timeout);
            let received = self.read_raw(spare.as_mut_ptr().cast(), clamp(spare.len()), wait_ms);
            let (more, n) = match received {
                Ok(Received::Whole(n)) => (false, n),
                Ok(Received::Partial(n)) => (true, n),
                Ok(Received::End) if buf.is_empty() => return Ok(None),
                // A message is delivered whole or not at all, so the stream
                // cannot end in the middle of one.
                Ok(Received::End) => return Ok(Some(buf.len())),
                Err(error) => return Err(error),
            };
            let len = buf.len() + n;
            // SAFETY: ReadFile initialised the first `n` spare bytes, and
            // `len` is within the capacity.
            unsafe { buf.set_len(len) };
            if !more {
                return Ok(Some(len));
            }
        }
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.write_by(buf, None)
    }

    /// One `WriteFile` of (at most 4 GiB of) `buf`, waiting up to `wait_ms`.
    fn write_waiting(&self, buf: &[u8], wait_ms: u32) -> io::Result<usize> {
        // A zero-byte WriteFile would make the peer's read return 0, which
        // reads as the end of the stream.
        if buf.is_empty() {
            return Ok(0);
        }
        let handle = self.handle.as_raw_handle();
        let len = clamp(buf.len());
        let outcome = overlapped::run(self.as_borrowed(), &self.writes, wait_ms, |ov| {
            // SAFETY: `buf` is readable for `len` bytes until this call
            // returns, and `run` waits for the operation to end.
            unsafe { WriteFile(handle, buf.as_ptr(), len, ptr::null_mut(), ov) }
        });
        match outcome {
            Ok(Outcome::Done(n) | Outcome::MoreData(n)) => Ok(n),
            Ok(Outcome::GaveUp) => Err(self.gave_up()),
            Err(error) => Err(normalise_write_error(error)),
        }
    }

    /// Writes one message (message mode), possibly empty, in one call.
    pub(crate) fn send(&self, message: &[u8]) -> io::Result<()> {
        let handle = self.handle.as_raw_handle();
        let len = u32::try_from(message.len()).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "a message cannot exceed 4 GiB")
        })?;
        let outcome = overlapped::run(
            self.as_borrowed(),
            &self.writes,
            self.wait_for(&self.write_timeout),
            |ov| {
                // SAFETY: `message` is readable for `len` bytes until this call
                // returns, and `run` waits for the operation to end.
                unsafe { WriteFile(handle, message.as_ptr(), len, ptr::null_mut(), ov) }
            },
        );
        match outcome {
            Ok(Outcome::Done(n)) if n == message.len() => Ok(()),
            Ok(Outcome::Done(n) | Outcome::MoreData(n)) => Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!(
                    "only {n} of the message's {} bytes were written",
                    message.len()
                ),
            )),
            Ok(Outcome::GaveUp) => Err(self.gave_up()),
            Err(error) => Err(normalise_write_error(error)),
        }
    }

    /// Waits until the peer has read everything written so far.
    pub(crate) fn flush(&self) -> io::Result<()> {
        // SAFETY: the handle is open for the duration of the call.
        cvt(unsafe { FlushFileBuffers(self.handle.as_raw_handle()) }).map_err(normalise_write_error)
    }

    /// The number of bytes left in the next message (message mode) or
    /// waiting to be read (byte mode); `None` if nothing is waiting.
    pub(crate) fn peek_len(&self) -> io::Result<Option<usize>> {
        if let Some((left, continues)) = self.prefix_left() {
            let more = if continues || !self.messages {
                self.peek_pipe().unwrap_or(None).unwrap_or(0)
            } else {
                0
            };
            return Ok(Some(left + more));
        }
        self.peek_pipe()
    }

    fn peek_pipe(&self) -> io::Result<Option<usize>> {
        let mut available = 0;
        let mut left_in_message = 0;
        // SAFETY: no buffer is passed (size 0); the out-pointers are live locals.
        let ok = unsafe {
            PeekNamedPipe(
                self.handle.as_raw_handle(),
                ptr::null_mut(),
                0,
                ptr::null_mut(),
                &mut available,
                &mut left_in_message,
            )
        };
        cvt(ok).map_err(normalise_write_error)?;
        Ok(match (available, self.messages) {
            (0, _) => None,
            (_, true) => Some(left_in_message as usize),
            (n, false) => Some(n as usize),
        })
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) {
        self.read_timeout
            .store(timeout.map_or(NO_TIMEOUT, wait_millis), Ordering::Relaxed);
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) {
        self.write_timeout
            .store(timeout.map_or(NO_TIMEOUT, wait_millis), Ordering::Relaxed);
    }

    pub(crate) fn read_timeout(&self) -> Option<Duration> {
        millis_to_timeout(self.read_timeout.load(Ordering::Relaxed))
    }

    pub(crate) fn write_timeout(&self) -> Option<Duration> {
        millis_to_timeout(self.write_timeout.load(Ordering::Relaxed))
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) {
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
    }

    pub(crate) fn is_nonblocking(&self) -> bool {
        self.nonblocking.load(Ordering::Relaxed)
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        let clone = Self::new(self.handle.try_clone()?, self.server, self.messages)?;
        clone
            .read_timeout
            .store(self.read_timeout.load(Ordering::Relaxed), Ordering::Relaxed);
        clone.write_timeout.store(
            self.write_timeout.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        clone.set_nonblocking(self.is_nonblocking());
        Ok(clone)
    }

    pub(crate) fn client_process_id(&self) -> io::Result<u32> {
        client_process_id(self.as_borrowed())
    }

    pub(crate) fn server_process_id(&self) -> io::Result<u32> {
        server_process_id(self.as_borrowed())
    }

    pub(crate) fn client_session_id(&self) -> io::Result<u32> {
        client_session_id(self.as_borrowed())
    }

    pub(crate) fn server_session_id(&self) -> io::Result<u32> {
        server_session_id(self.as_borrowed())
    }

    /// Runs `f` with the calling thread impersonating the client.
    pub(crate) fn impersonate_client<R>(&self, f: impl FnOnce() -> R) -> io::Result<R> {
        impersonate_client(self.as_borrowed(), self.server, f)
    }
}

fn query(
    handle: BorrowedHandle<'_>,
    call: unsafe extern "system" fn(
        windows_sys::Win32::Foundation::HANDLE,
        *mut u32,
    ) -> windows_sys::core::BOOL,
) -> io::Result<u32> {
    let mut value = 0;
    // SAFETY: `call` is one of the GetNamedPipe*Id functions, which take
    // an open pipe handle and a live out-pointer.
    cvt(unsafe { call(handle.as_raw_handle(), &mut value) })?;
    Ok(value)
}

pub(crate) fn client_process_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeClientProcessId)
}

pub(crate) fn server_process_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeServerProcessId)
}

pub(crate) fn client_session_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeClientSessionId)
}

pub(crate) fn server_session_id(handle: BorrowedHandle<'_>) -> io::Result<u32> {
    query(handle, GetNamedPipeServerSessionId)
}

/// Runs `f` with the calling thread impersonating the client of the pipe
/// end `handle` (which must be a server end: `server`).
pub(crate) fn impersonate_client<R>(
    handle: BorrowedHandle<'_>,
    server: bool,
    f: impl FnOnce() -> R,
) -> io::Result<R> {
    if !server {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "only the server end of a pipe can impersonate its client",
        ));
    }
    // SAFETY: the handle is an open server end of a named pipe.
    cvt(unsafe { ImpersonateNamedPipeClient(handle.as_raw_handle()) })?;
    let _revert = Revert;
    Ok(f())
}

/// Ends impersonation when dropped, also when the closure panics.
struct Revert;

impl Drop for Revert {
    fn drop(&mut self) {
        // SAFETY: RevertToSelf takes no arguments.
        if unsafe { windows_sys::Win32::Security::RevertToSelf() } == 0 {
            // Going on would run this thread with the client's identity.
            std::process::abort();
        }
    }
}

fn millis_to_timeout(millis: u32) -> Option<Duration> {
    (millis != NO_TIMEOUT).then(|| Duration::from_millis(u64::from(millis)))
}

fn clamp(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

// --- Server side -------------------------------------------------------------

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
    event: Event,
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

/// A server that keeps instances waiting for clients and hands out connected ones.
pub(crate) struct Listener {
    config: ServerConfig,
    waiting: Mutex<Vec<Waiting>>,
    ready_instances: usize,
    nonblocking: AtomicBool,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("path", &self.config.path.display)
            .field("ready_instances", &self.ready_instances)
            .finish_non_exhaustive()
    }
}

impl Listener {
    /// Claims the name with a first instance and starts `ready_instances` waits.
    pub(crate) fn new(
        config: ServerConfig,
        ready_instances: usize,
        nonblocking: bool,
    ) -> io::Result<Self> {
        let first = Waiting::start(&config, true, no_preparation)?;
        let mut waiting = vec![first];
        while waiting.len() < ready_instances {
            match Waiting::start(&config, false, no_preparation) {
                Ok(instance) => waiting.push(instance),
                // The instance limit is lower than the backlog: fine.
                Err(error) if error.kind() == io::ErrorKind::ResourceBusy => break,
                Err(error) => return Err(error),
            }
        }
        Ok(Self {
            config,
            waiting: Mutex::new(waiting),
            ready_instances,
            nonblocking: AtomicBool::new(nonblocking),
        })
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) {
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
    }

    /// The configuration, the instances waiting and the backlog.
    #[cfg(async_front_end)]
    pub(crate) fn into_parts(self) -> (ServerConfig, Vec<Waiting>, usize) {
        let waiting = self
            .waiting
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (self.config, waiting, self.ready_instances)
    }

    /// A blocking listener over instances started by someone else.
    #[cfg(async_front_end)]
    pub(crate) fn from_parts(
        config: ServerConfig,
        waiting: Vec<Waiting>,
        ready_instances: usize,
    ) -> Self {
        Self {
            config,
            waiting: Mutex::new(waiting),
            ready_instances,
            nonblocking: AtomicBool::new(false),
        }
    }

    pub(crate) fn path(&self) -> &str {
        &self.config.path.display
    }

    fn top_up(&self, waiting: &mut Vec<Waiting>) -> io::Result<()> {
        while waiting.len() < self.ready_instances {
            match Waiting::start(&self.config, false, no_preparation) {
                Ok(instance) => waiting.push(instance),
                Err(error) if waiting.is_empty() => return Err(error),
                Err(_) => break,
            }
        }
        Ok(())
    }

    pub(crate) fn accept(&self) -> io::Result<Stream> {
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.top_up(&mut waiting)?;
        let events: Vec<_> = waiting
            .iter()
            .map(|instance| instance.event.raw())
            .collect();
        let wait_ms = if self.nonblocking.load(Ordering::Relaxed) {
            0
        } else {
            INFINITE
        };
        // SAFETY: `events` holds between 1 and 64 open event handles (the
        // backlog is capped at 64) that stay open during the wait.
        let signalled =
            unsafe { WaitForMultipleObjects(events.len() as u32, events.as_ptr(), 0, wait_ms) };
        if signalled == WAIT_TIMEOUT {
            return Err(io::Error::from(io::ErrorKind::WouldBlock));
        }
        if signalled == WAIT_FAILED {
            return Err(io::Error::last_os_error());
        }
        let index = (signalled - WAIT_OBJECT_0) as usize;
        let instance = waiting.swap_remove(index);
        let connected = instance.finish();
        // Have the next instance waiting before the connected one is handed
        // off, so a client arriving now is not refused as busy.
        let _ = self.top_up(&mut waiting);
        drop(waiting);
        Stream::new(connected?, true, self.config.messages)
    }
}

// --- Client side -------------------------------------------------------------

/// Opens the client end, waiting for a busy pipe up to the configured timeout.
pub(crate) fn connect(config: &ClientConfig) -> io::Result<Stream> {
    let deadline = config.timeout.map(|timeout| Instant::now() + timeout);
    let handle = loop {
        match open_client(config, true)? {
            Some(handle) => break handle,
            None => wait_until_free(config, deadline)?,
        }
    };
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

/// Whether the peer of the pipe end `handle` is still connected.
pub(crate) fn is_connected(handle: BorrowedHandle<'_>) -> bool {
    let mut available = 0;
    // SAFETY: no buffer is passed (size 0); the out-pointer is a live local.
    let ok = unsafe {
        PeekNamedPipe(
            handle.as_raw_handle(),
            ptr::null_mut(),
            0,
            ptr::null_mut(),
            &mut available,
            ptr::null_mut(),
        )
    };
    ok != 0
}

/// Which end of a pipe `handle` is (true: the server's) and whether the pipe
/// is in message mode; an error if it is no pipe.
pub(crate) fn describe(handle: BorrowedHandle<'_>) -> io::Result<(bool, bool)> {
    let mut flags = 0;
    // SAFETY: the handle is open; null out-pointers are allowed for the
    // values not asked for.
    cvt(unsafe {
        GetNamedPipeInfo(
            handle.as_raw_handle(),
            &mut flags,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    })
    .map_err(|error| {
        crate::error::with_context(
            io::ErrorKind::InvalidInput,
            format!("the handle is not a pipe end: {error}"),
            error,
        )
    })?;
    Ok((flags & PIPE_SERVER_END != 0, flags & PIPE_TYPE_MESSAGE != 0))
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
