//! A connected pipe end.

use std::error::Error;
use std::fmt;
use std::io::{self, Read, Write};
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle, RawHandle};
use std::time::Duration;

use crate::sys::named_pipe as sys;

/// A connected named-pipe end, server side (from [`Listener::accept`]) or
/// client side (from [`ConnectOptions::connect`]).
///
/// `Read` and `Write` are implemented for `Stream` and `&Stream`, so one
/// stream can be read in one thread and written in another at the same time.
/// In message mode, use [`send`](Self::send) and [`recv`](Self::recv) to keep
/// message boundaries.
///
/// Dropping a stream closes it without discarding anything: the peer reads all
/// that was written, then the end of the stream. Use [`flush`](Write::flush)
/// to wait until it has.
///
/// [`Listener::accept`]: super::Listener::accept
/// [`ConnectOptions::connect`]: super::ConnectOptions::connect
pub struct Stream {
    inner: sys::Stream,
}

impl Stream {
    pub(crate) fn from_sys(inner: sys::Stream) -> Self {
        Self { inner }
    }

    #[cfg(async_front_end)]
    pub(crate) fn into_sys(self) -> sys::Stream {
        self.inner
    }

    /// Sends one message: in message mode the peer receives exactly these
    /// bytes as one message (an empty message is allowed); in byte mode this
    /// writes all of them.
    ///
    /// # Errors
    ///
    /// * [`BrokenPipe`](io::ErrorKind::BrokenPipe) if the peer has closed.
    /// * [`TimedOut`](io::ErrorKind::TimedOut) or
    ///   [`WouldBlock`](io::ErrorKind::WouldBlock) per the write timeout or
    ///   nonblocking mode.
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for a message of 4 GiB or more.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions, PipeMode};
    ///
    /// let path = format!(r"\\.\pipe\localipc-doc-send-{}", std::process::id());
    /// let listener = ListenerOptions::new(&path).mode(PipeMode::Messages).create()?;
    /// let client = ConnectOptions::new(&path).connect()?;
    /// let server = listener.accept()?;
    /// client.send(b"first")?;
    /// client.send(b"second")?;
    /// assert_eq!(server.recv()?.as_deref(), Some(&b"first"[..]));
    /// assert_eq!(server.recv()?.as_deref(), Some(&b"second"[..]));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn send(&self, message: &[u8]) -> io::Result<()> {
        if self.inner.is_message_mode() {
            self.inner.send(message)
        } else {
            (&*self).write_all(message)
        }
    }

    /// Receives one whole message, however long; `None` once the peer has
    /// closed and every message has been read.
    ///
    /// In byte mode, returns whatever one read yields.
    ///
    /// # Errors
    ///
    /// [`TimedOut`](io::ErrorKind::TimedOut) or
    /// [`WouldBlock`](io::ErrorKind::WouldBlock) per the read timeout or
    /// nonblocking mode, or the OS error.
    ///
    /// # Examples
    ///
    /// See [`send`](Self::send).
    pub fn recv(&self) -> io::Result<Option<Vec<u8>>> {
        let mut message = Vec::new();
        Ok(self.recv_to_vec(&mut message)?.map(|_| message))
    }

    /// Receives one whole message into `buf`, replacing its contents and
    /// growing it as needed, and returns the message's length; `None` at the
    /// end of the stream. Reusing one `Vec` avoids an allocation per message.
    ///
    /// # Errors
    ///
    /// As for [`recv`](Self::recv).
    pub fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
        if self.inner.is_message_mode() {
            return self.inner.recv_to_vec(buf);
        }
        buf.clear();
        buf.resize(64 * 1024, 0);
        let n = self.inner.read(buf)?;
        buf.truncate(n);
        Ok((n > 0).then_some(n))
    }

    /// Receives one message into a fixed buffer and returns its length;
    /// `None` at the end of the stream.
    ///
    /// A message longer than `buf` is never cut silently: `buf` receives its
    /// first `buf.len()` bytes and the call fails with an error of kind
    /// [`InvalidData`](io::ErrorKind::InvalidData) whose inner error is a
    /// [`MessageTooLong`] giving the message's full length. The rest of the
    /// message stays readable: the next receive returns it.
    ///
    /// # Errors
    ///
    /// The error above, or as for [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions, MessageTooLong, PipeMode};
    ///
    /// let path = format!(r"\\.\pipe\localipc-doc-recv-into-{}", std::process::id());
    /// let listener = ListenerOptions::new(&path).mode(PipeMode::Messages).create()?;
    /// let client = ConnectOptions::new(&path).connect()?;
    /// let server = listener.accept()?;
    /// client.send(b"twelve bytes")?;
    /// let mut small = [0; 5];
    /// let error = server.recv_into(&mut small).unwrap_err();
    /// let too_long = error.get_ref().unwrap().downcast_ref::<MessageTooLong>().unwrap();
    /// assert_eq!((too_long.received(), too_long.message_len()), (5, 12));
    /// assert_eq!(&small, b"twelv");
    /// assert_eq!(server.recv()?.as_deref(), Some(&b"e bytes"[..]));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn recv_into(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self.inner.recv_into(buf)? {
            sys::Received::Whole(n) => Ok(Some(n)),
            sys::Received::End => Ok(None),
            sys::Received::Partial(received) => {
                let rest = self.inner.peek_len()?.unwrap_or(0);
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    MessageTooLong {
                        received,
                        message_len: received + rest,
                    },
                ))
            }
        }
    }

    /// The length of the next message (message mode) or the number of bytes
    /// waiting (byte mode), without reading anything; `None` when nothing is
    /// waiting.
    ///
    /// # Errors
    ///
    /// [`BrokenPipe`](io::ErrorKind::BrokenPipe) once the peer has closed and
    /// nothing is left to read; otherwise the OS error of `PeekNamedPipe`.
    #[doc(alias = "PeekNamedPipe")]
    pub fn peek_len(&self) -> io::Result<Option<usize>> {
        self.inner.peek_len()
    }

    /// Sets how long a read may wait; `None` waits without limit. A read
    /// that times out fails with [`TimedOut`](io::ErrorKind::TimedOut) and
    /// consumes nothing.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration, as
    /// std's sockets do.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_read_timeout(timeout);
        Ok(())
    }

    /// Sets how long a write may wait for room in the pipe; `None` waits
    /// without limit. A write that times out fails with
    /// [`TimedOut`](io::ErrorKind::TimedOut) if it wrote nothing, or returns
    /// the count it did write.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_write_timeout(timeout);
        Ok(())
    }

    /// The read timeout (rounded up to whole milliseconds).
    pub fn read_timeout(&self) -> Option<Duration> {
        self.inner.read_timeout()
    }

    /// The write timeout (rounded up to whole milliseconds).
    pub fn write_timeout(&self) -> Option<Duration> {
        self.inner.write_timeout()
    }

    /// Switches nonblocking mode: reads and writes that would wait fail with
    /// [`WouldBlock`](io::ErrorKind::WouldBlock) instead.
    ///
    /// The mode belongs to this `Stream` object (it is how localipc waits on
    /// the overlapped handle, not a handle state), so a clone made with
    /// [`try_clone`](Self::try_clone) can be switched separately.
    pub fn set_nonblocking(&self, nonblocking: bool) {
        self.inner.set_nonblocking(nonblocking);
    }

    /// Creates a second `Stream` for the same connection, with the same
    /// timeouts and mode, through `DuplicateHandle`.
    ///
    /// # Errors
    ///
    /// The OS error if the handle or its events cannot be created.
    pub fn try_clone(&self) -> io::Result<Self> {
        self.inner.try_clone().map(Self::from_sys)
    }

    /// Whether this is the server end.
    pub fn is_server(&self) -> bool {
        self.inner.is_server()
    }

    /// Whether the pipe is in message mode.
    pub fn is_message_mode(&self) -> bool {
        self.inner.is_message_mode()
    }

    /// The process id of the client end's process.
    ///
    /// Process ids are reused once a process ends: the id identifies the
    /// client only while it is still connected.
    ///
    /// # Errors
    ///
    /// The OS error of `GetNamedPipeClientProcessId`.
    #[doc(alias = "GetNamedPipeClientProcessId")]
    pub fn client_process_id(&self) -> io::Result<u32> {
        self.inner.client_process_id()
    }

    /// The process id of the server end's process (same caveat as
    /// [`client_process_id`](Self::client_process_id)).
    ///
    /// # Errors
    ///
    /// The OS error of `GetNamedPipeServerProcessId`.
    #[doc(alias = "GetNamedPipeServerProcessId")]
    pub fn server_process_id(&self) -> io::Result<u32> {
        self.inner.server_process_id()
    }

    /// The process id of the other end: the client's on a server stream, the
    /// server's on a client stream.
    ///
    /// # Errors
    ///
    /// As for [`client_process_id`](Self::client_process_id).
    pub fn peer_process_id(&self) -> io::Result<u32> {
        if self.is_server() {
            self.client_process_id()
        } else {
            self.server_process_id()
        }
    }

    /// The Terminal Services session id of the client end's process.
    ///
    /// # Errors
    ///
    /// The OS error of `GetNamedPipeClientSessionId`.
    #[doc(alias = "GetNamedPipeClientSessionId")]
    pub fn client_session_id(&self) -> io::Result<u32> {
        self.inner.client_session_id()
    }

    /// The Terminal Services session id of the server end's process.
    ///
    /// # Errors
    ///
    /// The OS error of `GetNamedPipeServerSessionId`.
    #[doc(alias = "GetNamedPipeServerSessionId")]
    pub fn server_session_id(&self) -> io::Result<u32> {
        self.inner.server_session_id()
    }

    /// Runs `f` on this thread while it impersonates the client, and reverts
    /// afterwards, also if `f` panics. What `f` may do as the client depends
    /// on the impersonation level the client allowed (identification only,
    /// by default: checking the client's identity, not acting as it).
    ///
    /// If reverting fails, the process aborts rather than go on running with
    /// the client's identity.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) on a client stream;
    /// otherwise the OS error of `ImpersonateNamedPipeClient` (for instance
    /// before the client has read or written anything).
    #[doc(alias = "ImpersonateNamedPipeClient")]
    pub fn impersonate_client<R>(&self, f: impl FnOnce() -> R) -> io::Result<R> {
        self.inner.impersonate_client(f)
    }
}

impl Read for &Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Write for &Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    /// Waits until the peer has read everything written so far
    /// (`FlushFileBuffers`).
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    /// Waits until the peer has read everything written so far
    /// (`FlushFileBuffers`).
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("handle", &self.inner.as_borrowed())
            .field("server", &self.is_server())
            .field("message_mode", &self.is_message_mode())
            .finish()
    }
}

impl AsHandle for Stream {
    fn as_handle(&self) -> BorrowedHandle<'_> {
        self.inner.as_borrowed()
    }
}

impl AsRawHandle for Stream {
    fn as_raw_handle(&self) -> RawHandle {
        self.inner.as_borrowed().as_raw_handle()
    }
}

impl From<Stream> for OwnedHandle {
    /// The pipe handle, opened for overlapped I/O.
    fn from(stream: Stream) -> Self {
        stream.inner.into_owned()
    }
}

/// The inner error of [`Stream::recv_into`] when a message did not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageTooLong {
    received: usize,
    message_len: usize,
}

impl MessageTooLong {
    /// How many bytes of the message were placed in the buffer.
    pub fn received(&self) -> usize {
        self.received
    }

    /// The message's full length; the remaining
    /// `message_len() - received()` bytes are still readable.
    pub fn message_len(&self) -> usize {
        self.message_len
    }
}

impl fmt::Display for MessageTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the message of {} bytes did not fit in the buffer of {}; the remaining {} bytes are still readable",
            self.message_len,
            self.received,
            self.message_len - self.received
        )
    }
}

impl Error for MessageTooLong {}
