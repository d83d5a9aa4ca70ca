//! The async stream: a connected pipe end, server or client side.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, RawHandle};

use crate::os::windows::named_pipe::client::ConnectOptions;
use crate::os::windows::named_pipe::stream as blocking;
use crate::sys::aio as sys;
use crate::sys::named_pipe as blocking_sys;

/// A connected async named-pipe end, server side (from
/// [`Listener::accept`](super::Listener::accept)) or client side (from
/// [`Stream::connect`]).
///
/// `AsyncRead` and `AsyncWrite` are implemented for `Stream` and `&Stream`
/// (Tokio's with feature `tokio`, the `futures-io` traits with feature
/// `smol`), and every method takes `&self`, so one stream can be read by
/// one task and written by another (share it with an `Arc`). If two tasks
/// read (or two tasks write) at the same time, only the one that polled last
/// is woken: give each direction one task.
///
/// * Reads go through a buffer owned by the stream, so a dropped read loses
///   nothing. A read after the peer closed returns `Ok(0)`.
/// * A write is complete as soon as the stream has copied the data and
///   started writing it; the next write (or a flush) waits for that and
///   reports its error. `poll_flush` (and [`flush`](Self::flush))
///   waits until the peer has read everything, like the blocking
///   [`Write::flush`](std::io::Write::flush).
/// * `poll_shutdown` (Tokio) and `poll_close` (futures-io) wait until every
///   write has been handed to
///   the pipe and then refuses further writes with
///   [`BrokenPipe`](io::ErrorKind::BrokenPipe). Named pipes have no
///   half-close: the peer sees the end of the stream only when this stream
///   is dropped.
/// * Dropping the stream never waits for the peer: a pending read is
///   cancelled; a write still in flight carries on, and the peer reads
///   everything written before the drop. This works on any executor or
///   none, also while one is dropped.
///
/// In message mode, use [`send`](Self::send) and [`recv`](Self::recv) to keep
/// message boundaries: `recv` returns whole messages of any length.
///
/// # Examples
///
#[cfg_attr(feature = "smol", doc = "```")]
#[cfg_attr(not(feature = "smol"), doc = "```ignore")]
/// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions, PipeMode};
/// use localipc::os::windows::named_pipe::smol::{Listener, Stream};
///
/// # fn main() -> std::io::Result<()> {
/// smol::block_on(async {
///     let path = format!(r"\\.\pipe\localipc-doc-smol-stream-{}", std::process::id());
///     let listener = Listener::create(ListenerOptions::new(&path).mode(PipeMode::Messages))?;
///     let client = Stream::connect(&ConnectOptions::new(&path)).await?;
///     let server = listener.accept().await?;
///     client.send(b"hello").await?;
///     assert_eq!(server.recv().await?.as_deref(), Some(&b"hello"[..]));
///     Ok(())
/// })
/// # }
/// ```
pub struct Stream {
    pub(super) inner: sys::Stream,
}

impl Stream {
    /// Opens the client end of a pipe, as [`ConnectOptions::connect`] does,
    /// but waits for a busy pipe without blocking the executor (short,
    /// growing pauses, bounded by [`ConnectOptions::timeout`]). The options'
    /// `nonblocking` setting does not apply.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is made only by the call that returns it;
    /// dropping the future while it waits for a busy pipe opens nothing.
    ///
    /// # Errors
    ///
    /// As for [`ConnectOptions::connect`]: `InvalidInput`, `NotFound`,
    /// `TimedOut` once the timeout has passed with every instance busy,
    /// `PermissionDenied`, or the OS error.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use localipc::os::windows::named_pipe::ConnectOptions;
    /// use localipc::os::windows::named_pipe::smol::Stream;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let path = format!(r"\\.\pipe\localipc-doc-smol-nobody-{}", std::process::id());
    /// let error = smol::block_on(Stream::connect(&ConnectOptions::new(&path))).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias = "CreateFileW")]
    pub async fn connect(options: &ConnectOptions) -> io::Result<Self> {
        let config = options.to_sys()?;
        sys::connect(&config).await.map(|inner| Self { inner })
    }

    /// Turns a blocking stream into an async one. Its timeouts and
    /// nonblocking mode do not apply any more; data it had already read
    /// (from an earlier [`into_blocking`](Self::into_blocking)) is kept.
    ///
    /// # Errors
    ///
    /// The OS error if the stream's events or thread-pool waits cannot be
    /// created.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use std::io::Write;
    /// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
    /// use localipc::os::windows::named_pipe::smol::Stream;
    /// use smol::io::AsyncReadExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let path = format!(r"\\.\pipe\localipc-doc-smol-convert-{}", std::process::id());
    /// let listener = ListenerOptions::new(&path).create()?;
    /// let mut client = ConnectOptions::new(&path).connect()?;
    /// let server = Stream::from_blocking(listener.accept()?)?;
    /// client.write_all(b"abc")?;
    /// let mut first = [0; 1];
    /// smol::block_on((&server).read_exact(&mut first))?;
    /// // The stream may have read ahead; converting back keeps those bytes.
    /// let mut server = server.into_blocking()?;
    /// let mut rest = [0; 2];
    /// std::io::Read::read_exact(&mut server, &mut rest)?;
    /// assert_eq!((&first, &rest), (b"a", b"bc"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_blocking(stream: blocking::Stream) -> io::Result<Self> {
        sys::Stream::from_blocking(stream.into_sys()).map(|inner| Self { inner })
    }

    /// Turns this stream back into a blocking one, in blocking mode without
    /// timeouts. A read in flight is cancelled; every byte this stream had
    /// already read and not handed out is read first by the blocking stream.
    /// A write in flight carries on.
    ///
    /// # Errors
    ///
    /// The OS error if the blocking stream's events cannot be created.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<blocking::Stream> {
        self.inner.into_blocking().map(blocking::Stream::from_sys)
    }

    /// Sends one message: in message mode the peer receives exactly these
    /// bytes as one message (an empty message is allowed); in byte mode this
    /// writes all of them. Returns once the message has been handed to the
    /// pipe, which for a message larger than the pipe's buffer means once the
    /// peer has read most of it.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, the message may have been
    /// sent or not (never a part of it).
    ///
    /// # Errors
    ///
    /// * [`BrokenPipe`](io::ErrorKind::BrokenPipe) if the peer has closed or
    ///   the stream was shut down.
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for a message of 4 GiB
    ///   or more.
    /// * An error left by an earlier write.
    ///
    /// # Examples
    ///
    /// See [`Stream`].
    pub async fn send(&self, message: &[u8]) -> io::Result<()> {
        if !self.is_message_mode() {
            let mut rest = message;
            while !rest.is_empty() {
                let n = poll_fn(|cx| self.inner.poll_write(cx, rest)).await?;
                rest = &rest[n..];
            }
        } else {
            poll_fn(|cx| self.inner.poll_start_message(cx, message)).await?;
        }
        poll_fn(|cx| self.inner.poll_flush(cx)).await
    }

    /// Receives one whole message, however long; `None` once the peer has
    /// closed and every message has been read. In byte mode, returns what
    /// one read brings (up to 64 KiB).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the parts of a message read so far stay in the stream,
    /// and the next receive (or read) returns them.
    ///
    /// # Errors
    ///
    /// The OS error of `ReadFile`.
    ///
    /// # Examples
    ///
    /// See [`Stream`].
    pub async fn recv(&self) -> io::Result<Option<Vec<u8>>> {
        let mut message = Vec::new();
        Ok(self.recv_to_vec(&mut message).await?.map(|_| message))
    }

    /// Receives one whole message into `buf`, replacing its contents, and
    /// returns its length; `None` at the end of the stream. Reusing one
    /// `Vec` saves an allocation per message.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](Self::recv); `buf` is left unchanged by a
    /// dropped call.
    ///
    /// # Errors
    ///
    /// As for [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions, PipeMode};
    /// use localipc::os::windows::named_pipe::smol::{Listener, Stream};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// smol::block_on(async {
    ///     let path = format!(r"\\.\pipe\localipc-doc-smol-recv-{}", std::process::id());
    ///     let listener = Listener::create(ListenerOptions::new(&path).mode(PipeMode::Messages))?;
    ///     let client = Stream::connect(&ConnectOptions::new(&path)).await?;
    ///     let server = listener.accept().await?;
    ///     // Larger than the pipe's buffer: `send` returns once it is read.
    ///     let sender = smol::spawn(async move {
    ///         client.send(&[7; 100_000]).await?;
    ///         client.send(b"").await
    ///     });
    ///     let mut buf = Vec::new();
    ///     assert_eq!(server.recv_to_vec(&mut buf).await?, Some(100_000));
    ///     assert_eq!(server.recv_to_vec(&mut buf).await?, Some(0));
    ///     sender.await?; // the client is dropped with the task
    ///     assert_eq!(server.recv_to_vec(&mut buf).await?, None);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
        let mut message = std::mem::take(buf);
        message.clear();
        let received =
            poll_fn(|cx| self.inner.poll_recv_message(cx, &mut message, usize::MAX)).await;
        *buf = message;
        received
    }

    /// Waits until the peer has read everything written so far: every write
    /// is handed to the pipe, then `FlushFileBuffers` runs on a thread-pool
    /// thread (it has no overlapped form) while the task waits.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped flush leaves the wait running, and the next
    /// flush collects it; dropping the stream ends it at once, so it never
    /// keeps the pipe open.
    ///
    /// # Errors
    ///
    /// [`BrokenPipe`](io::ErrorKind::BrokenPipe) if the peer closed, or an
    /// error left by an earlier write.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
    /// use localipc::os::windows::named_pipe::smol::{Listener, Stream};
    /// use smol::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// smol::block_on(async {
    ///     let path = format!(r"\\.\pipe\localipc-doc-smol-flush-{}", std::process::id());
    ///     let listener = Listener::create(&ListenerOptions::new(&path))?;
    ///     let mut client = Stream::connect(&ConnectOptions::new(&path)).await?;
    ///     let mut server = listener.accept().await?;
    ///     client.write_all(b"data").await?;
    ///     let reader = smol::spawn(async move {
    ///         let mut buf = [0; 4];
    ///         server.read_exact(&mut buf).await.map(|_| buf)
    ///     });
    ///     client.flush().await?; // returns once the server has read "data"
    ///     assert_eq!(&reader.await?, b"data");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[doc(alias = "FlushFileBuffers")]
    pub async fn flush(&self) -> io::Result<()> {
        poll_fn(|cx| self.inner.poll_flush_peer(cx)).await
    }

    /// Whether this is the server end.
    ///
    /// # Examples
    ///
    /// See [`Listener::poll_accept`](super::Listener::poll_accept).
    pub fn is_server(&self) -> bool {
        self.inner.is_server()
    }

    /// Whether the pipe is in message mode.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions, PipeMode};
    /// use localipc::os::windows::named_pipe::smol::Stream;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let path = format!(r"\\.\pipe\localipc-doc-smol-mode-{}", std::process::id());
    /// let _listener = ListenerOptions::new(&path).mode(PipeMode::Messages).create()?;
    /// let client = smol::block_on(Stream::connect(&ConnectOptions::new(&path)))?;
    /// assert!(client.is_message_mode() && !client.is_server());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_message_mode(&self) -> bool {
        self.inner.is_message_mode()
    }

    /// The process id of the client end's process (see the blocking
    /// [`Stream::client_process_id`](super::super::Stream::client_process_id) for
    /// the pid-reuse caveat).
    ///
    /// # Errors
    ///
    /// The OS error of `GetNamedPipeClientProcessId`.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
    /// use localipc::os::windows::named_pipe::smol::Stream;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let path = format!(r"\\.\pipe\localipc-doc-smol-pid-{}", std::process::id());
    /// let listener = ListenerOptions::new(&path).create()?;
    /// let client = Stream::from_blocking(ConnectOptions::new(&path).connect()?)?;
    /// let server = Stream::from_blocking(listener.accept()?)?;
    /// let me = std::process::id();
    /// assert_eq!(server.client_process_id()?, me);
    /// assert_eq!(client.server_process_id()?, me);
    /// assert_eq!(client.peer_process_id()?, me);
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias = "GetNamedPipeClientProcessId")]
    pub fn client_process_id(&self) -> io::Result<u32> {
        blocking_sys::client_process_id(self.as_handle())
    }

    /// The process id of the server end's process.
    ///
    /// # Errors
    ///
    /// The OS error of `GetNamedPipeServerProcessId`.
    ///
    /// # Examples
    ///
    /// See [`client_process_id`](Self::client_process_id).
    #[doc(alias = "GetNamedPipeServerProcessId")]
    pub fn server_process_id(&self) -> io::Result<u32> {
        blocking_sys::server_process_id(self.as_handle())
    }

    /// The process id of the other end.
    ///
    /// # Errors
    ///
    /// As for [`client_process_id`](Self::client_process_id).
    ///
    /// # Examples
    ///
    /// See [`client_process_id`](Self::client_process_id).
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
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```no_run")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// # fn demo(stream: &localipc::os::windows::named_pipe::smol::Stream) -> std::io::Result<()> {
    /// println!("client session {}", stream.client_session_id()?);
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias = "GetNamedPipeClientSessionId")]
    pub fn client_session_id(&self) -> io::Result<u32> {
        blocking_sys::client_session_id(self.as_handle())
    }

    /// The Terminal Services session id of the server end's process.
    ///
    /// # Errors
    ///
    /// The OS error of `GetNamedPipeServerSessionId`.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```no_run")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// # fn demo(stream: &localipc::os::windows::named_pipe::smol::Stream) -> std::io::Result<()> {
    /// println!("server session {}", stream.server_session_id()?);
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias = "GetNamedPipeServerSessionId")]
    pub fn server_session_id(&self) -> io::Result<u32> {
        blocking_sys::server_session_id(self.as_handle())
    }

    /// Runs `f` on this thread while it impersonates the client, and reverts
    /// afterwards, exactly as the blocking
    /// [`Stream::impersonate_client`](super::super::Stream::impersonate_client).
    /// It is synchronous: keep `f` short, since it runs on an executor thread.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) on a client stream;
    /// otherwise the OS error of `ImpersonateNamedPipeClient`.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```no_run")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// # fn demo(stream: &localipc::os::windows::named_pipe::smol::Stream) -> std::io::Result<()> {
    /// let allowed = stream.impersonate_client(|| std::fs::metadata(r"C:\secret").is_ok())?;
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias = "ImpersonateNamedPipeClient")]
    pub fn impersonate_client<R>(&self, f: impl FnOnce() -> R) -> io::Result<R> {
        blocking_sys::impersonate_client(self.as_handle(), self.is_server(), f)
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("handle", &self.as_handle())
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
