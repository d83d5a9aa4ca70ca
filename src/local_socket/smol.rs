//! Local sockets on smol, async-std or any other async-io user (feature
//! `smol`).
//!
//! The same sockets as the blocking [`local_socket`](super) module, with the
//! same names, options, errors and end-of-stream rules, awaited instead of
//! blocked on, and the same API as the Tokio front end
//! ([`local_socket::tokio`](super), feature `tokio`): switching runtimes is
//! a change of path. [`Stream`] implements the `futures-io` traits
//! [`AsyncRead`] and [`AsyncWrite`] (vectored writes too), so
//! `futures_lite::io` / `smol::io` helpers work on it.
//!
//! No runtime context is needed: async-io runs one reactor per process,
//! driven by whichever thread waits on it, so these types can be created,
//! used and dropped anywhere.
//!
//! # How it works
//!
//! * **Unix:** the blocking backend's socket, in nonblocking mode and
//!   registered with async-io's reactor as an `async_io::Async`; every
//!   read and write is the blocking backend's own system call. The types
//!   registered uphold async-io's `IoSafe` contract: their I/O never closes
//!   or replaces the descriptor.
//! * **Windows:** the same runtime-independent overlapped core as the Tokio
//!   front end: overlapped named pipes whose completions are awaited through
//!   the system thread pool's waits (no thread per operation), with reads
//!   through a buffer owned by the stream so that a cancelled read loses
//!   nothing.
//!
//! # Cancel safety
//!
//! [`Listener::accept`] and the [`AsyncRead`]/[`AsyncWrite`] methods are
//! cancel safe: dropping their futures loses no connection and no byte (a
//! read that returned `Pending` consumed nothing; a write that returned
//! `Pending` wrote nothing). [`Stream::connect`] is not: see its docs.
//!
//! # Examples
//!
//! ```
//! use localipc::local_socket::Name;
//! use localipc::local_socket::smol::{Listener, Stream};
//! use smol::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # smol::block_on(async {
//! let name = Name::namespaced(format!("localipc-doc-smol-{}.sock", std::process::id()))?;
//! let listener = Listener::bind(&name)?;
//! let client = smol::spawn({
//!     let name = name.clone();
//!     async move {
//!         let mut stream = Stream::connect(&name).await?;
//!         stream.write_all(b"hello").await?;
//!         stream.close().await?;
//!         let mut reply = String::new();
//!         stream.read_to_string(&mut reply).await?;
//!         Ok::<_, std::io::Error>(reply)
//!     }
//! });
//! let mut stream = listener.accept().await?;
//! let mut request = [0; 5];
//! stream.read_exact(&mut request).await?;
//! stream.write_all(b"world").await?;
//! drop(stream);
//! assert_eq!(&request, b"hello");
//! assert_eq!(client.await?, "world");
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};

use super::{ConnectOptions, ListenerOptions, Name, PeerCredentials};
use crate::sys::smol::local_socket as sys;

/// A local-socket server on smol (any async-io user): accepts [`Stream`]s on a [`Name`].
///
/// Dropping the listener stops accepting; on Unix it also removes its socket
/// file, if that file is still the one it created.
///
/// # Examples
///
/// An accept loop that serves each client in its own task:
///
/// ```no_run
/// use localipc::local_socket::Name;
/// use localipc::local_socket::smol::Listener;
///
/// # async fn serve() -> std::io::Result<()> {
/// let listener = Listener::bind(&Name::namespaced("my-service.sock")?)?;
/// loop {
///     let mut stream = match listener.accept().await {
///         Ok(stream) => stream,
///         Err(error) => {
///             eprintln!("accept failed: {error}");
///             continue;
///         }
///     };
///     smol::spawn(async move {
///         let (mut reader, mut writer) = stream.split();
///         let _ = smol::io::copy(&mut reader, &mut writer).await;
///     });
/// }
/// # }
/// ```
pub struct Listener {
    inner: sys::Listener,
    name: Option<Name>,
}

impl Listener {
    /// Binds a listener on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for the blocking [`ListenerOptions::bind`].
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    pub fn bind(name: &Name) -> io::Result<Self> {
        Self::bind_with(&ListenerOptions::new(name))
    }

    /// Binds a listener with `options` (the blocking module's builder; its
    /// `nonblocking` setting does not matter here).
    ///
    /// # Errors
    ///
    /// As for the blocking [`ListenerOptions::bind`].
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{ListenerOptions, Name};
    /// use localipc::local_socket::smol::Listener;
    ///
    /// # smol::block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-smol-with-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind_with(&ListenerOptions::new(&name))?;
    /// assert_eq!(listener.name(), Some(&name));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind_with(options: &ListenerOptions) -> io::Result<Self> {
        Self::from_blocking(options.bind()?)
    }

    /// Waits for a client and returns the connected stream. Clients the
    /// access policy refuses, where the listener checks each connection, are
    /// closed unread and skipped, as by the blocking
    /// [`Listener::accept`](super::Listener::accept); a run of them makes
    /// the task yield to the executor between batches.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is taken from the OS only by the poll that
    /// returns it, so dropping this future (in `a race`, say) loses
    /// no client.
    ///
    /// # Errors
    ///
    /// The OS error; the listener stays usable.
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    pub async fn accept(&self) -> io::Result<Stream> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a client: the poll form of [`accept`](Self::accept), for
    /// hand-written futures. Only the waker of the latest call is woken.
    ///
    /// # Errors
    ///
    /// As for [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream>> {
        let stream = ready!(self.inner.poll_accept(cx))?;
        Poll::Ready(Ok(Stream { inner: stream }))
    }

    /// The name this listener was bound to; `None` if it was made from a
    /// raw listener whose name is unknown.
    pub fn name(&self) -> Option<&Name> {
        self.name.as_ref()
    }

    /// Makes a blocking listener async, whatever its nonblocking setting.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode or the reactor refuses the
    /// descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{self, Name};
    /// use localipc::local_socket::smol::Listener;
    ///
    /// # smol::block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-smol-conv-{}.sock", std::process::id()))?;
    /// let blocking = local_socket::Listener::bind(&name)?;
    /// let listener = Listener::from_blocking(blocking)?;
    /// let blocking = listener.into_blocking()?;
    /// assert_eq!(blocking.name(), Some(&name));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(listener: super::Listener) -> io::Result<Self> {
        let super::Listener { inner, name } = listener;
        Ok(Self {
            inner: sys::Listener::from_blocking(inner)?,
            name,
        })
    }

    /// Makes this listener blocking again (blocking `accept`). Nothing is
    /// lost: clients waiting to be accepted stay waiting.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<super::Listener> {
        Ok(super::Listener {
            inner: self.inner.into_blocking()?,
            name: self.name,
        })
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A connected local socket on smol (any async-io user): a full-duplex byte stream.
///
/// Implements the `futures-io` [`AsyncRead`] and [`AsyncWrite`]. To read in one task and
/// write in another, [`split`](Self::split) it (borrowed halves) or
/// [`into_split`](Self::into_split) it (owned halves, which
/// [`OwnedReadHalf::reunite`] joins again).
///
/// # Closing
///
/// `AsyncWriteExt::close` (`poll_close`) ends the writing direction:
///
/// * **Unix:** a real half-close (`shutdown(SHUT_WR)`): the peer reads the
///   end of the stream after everything written before, and this side can
///   go on reading.
/// * **Windows:** named pipes have no half-close. `close` waits until
///   every write has been handed to the pipe, and makes later writes fail
///   with [`BrokenPipe`](io::ErrorKind::BrokenPipe); the peer sees the end of
///   the stream only when this stream (both halves, if split) is dropped.
///
/// # Examples
///
/// ```no_run
/// use localipc::local_socket::Name;
/// use localipc::local_socket::smol::Stream;
/// use smol::io::{AsyncReadExt, AsyncWriteExt};
///
/// # async fn client() -> std::io::Result<()> {
/// let mut stream = Stream::connect(&Name::namespaced("my-service.sock")?).await?;
/// stream.write_all(b"ping").await?;
/// let mut reply = [0; 4];
/// stream.read_exact(&mut reply).await?;
/// # Ok(())
/// # }
/// ```
pub struct Stream {
    inner: sys::Stream,
}

impl Stream {
    /// Connects to `name` with default options.
    ///
    /// # Cancel safety
    ///
    /// As for [`connect_with`](Self::connect_with).
    ///
    /// # Errors
    ///
    /// As for the blocking [`ConnectOptions::connect`].
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    pub async fn connect(name: &Name) -> io::Result<Self> {
        Self::connect_with(&ConnectOptions::new(name)).await
    }

    /// Connects with `options` (the blocking module's builder): a busy
    /// listener is waited for up to the options' timeout without blocking
    /// the executor; the `nonblocking` setting does not matter here.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, though nothing is lost: dropping the future abandons
    /// the attempt. If the listener was busy, an attempt already under way
    /// may still reach it, and the listener then accepts a connection that
    /// is closed at once.
    ///
    /// # Errors
    ///
    /// As for the blocking [`ConnectOptions::connect`]: `NotFound` when
    /// nobody listens, `TimedOut` when the timeout expired,
    /// `PermissionDenied` when the server runs as a user the options do not
    /// expect (checked before anything can be written),
    /// `InvalidInput` for a zero timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use std::time::Duration;
    /// use localipc::local_socket::{ConnectOptions, Name};
    /// use localipc::local_socket::smol::Stream;
    ///
    /// # smol::block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-smol-none-{}.sock", std::process::id()))?;
    /// let mut options = ConnectOptions::new(&name);
    /// options.timeout(Some(Duration::from_secs(1)));
    /// let error = Stream::connect_with(&options).await.unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::NotFound);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect_with(options: &ConnectOptions) -> io::Result<Self> {
        crate::timeout::check(options.inner.timeout)?;
        let inner = sys::Stream::connect(options.name.resolved(), &options.inner).await?;
        Ok(Self { inner })
    }

    /// What the OS says about the process at the other end; see
    /// [`PeerCredentials`].
    ///
    /// # Errors
    ///
    /// The OS error, rare on a connected stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::smol::{Listener, Stream};
    ///
    /// # smol::block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-smol-creds-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let _client = Stream::connect(&name).await?;
    /// let server = listener.accept().await?;
    /// assert_eq!(server.peer_credentials()?.pid, Some(std::process::id()));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.inner.peer_credentials().map(PeerCredentials::from_sys)
    }

    /// Borrowed halves, to read and write at once in one task (in
    /// `futures_lite::future::zip` or `race`, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::smol::{Listener, Stream};
    /// use smol::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # smol::block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-smol-split-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = Stream::connect(&name).await?;
    /// let mut server = listener.accept().await?;
    /// let (mut reader, mut writer) = server.split();
    /// let (written, read) = smol::future::zip(
    ///     async { writer.write_all(b"to the client").await },
    ///     async {
    ///         client.write_all(b"to the server").await?;
    ///         let mut buf = [0; 13];
    ///         reader.read_exact(&mut buf).await.map(|_| buf)
    ///     },
    /// )
    /// .await;
    /// written?;
    /// assert_eq!(&read?, b"to the server");
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Owned halves, to move into separate tasks;
    /// [`OwnedReadHalf::reunite`] gives the stream back.
    ///
    /// Dropping the write half does not end the writing direction: call
    /// `close` on it first if the peer should see the end of the stream
    /// while this side goes on reading.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::smol::{Listener, Stream};
    /// use smol::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # smol::block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-smol-owned-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let client = Stream::connect(&name).await?;
    /// let mut server = listener.accept().await?;
    /// let (mut reader, mut writer) = client.into_split();
    /// let writing = smol::spawn(async move {
    ///     writer.write_all(b"ping").await?;
    ///     Ok::<_, std::io::Error>(writer)
    /// });
    /// let mut buf = [0; 4];
    /// server.read_exact(&mut buf).await?;
    /// server.write_all(b"pong").await?;
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"pong");
    /// let writer = writing.await?;
    /// let _client: Stream = reader.reunite(writer).unwrap();
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let shared = Arc::new(self);
        (OwnedReadHalf(Arc::clone(&shared)), OwnedWriteHalf(shared))
    }

    /// Makes a blocking stream async, whatever its nonblocking setting. Its
    /// read and write timeouts no longer apply.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode or the reactor refuses the
    /// descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{self, Name};
    /// use localipc::local_socket::smol::Stream;
    ///
    /// # smol::block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-smol-sconv-{}.sock", std::process::id()))?;
    /// let listener = local_socket::Listener::bind(&name)?;
    /// let client = Stream::from_blocking(local_socket::Stream::connect(&name)?)?;
    /// let _server = listener.accept()?;
    /// let blocking: local_socket::Stream = client.into_blocking()?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(stream: super::Stream) -> io::Result<Self> {
        Ok(Self {
            inner: sys::Stream::from_blocking(stream.0)?,
        })
    }

    /// Makes this stream blocking again, with no timeouts. Nothing is lost:
    /// bytes the OS already delivered (on Windows, into this stream's read
    /// buffer) are read first by the blocking stream.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<super::Stream> {
        self.inner.into_blocking().map(super::Stream)
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

super::async_common::halves_and_raw_handles!();

/// Implements `futures-io`'s `AsyncRead` for streams and reading halves.
macro_rules! async_read {
    ($($ty:ty),*) => {$(
        /// Cancel safe: bytes are taken only by the poll that returns them.
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.stream().inner.poll_read(cx, buf)
            }
        }
    )*};
}

/// Implements `futures-io`'s `AsyncWrite` for streams and writing halves.
macro_rules! async_write {
    ($($ty:ty),*) => {$(
        /// Cancel safe: a write that returns `Pending` wrote nothing. See
        /// [`Stream`] for what `close` does on each OS.
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.stream().inner.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.stream().inner.poll_write_vectored(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.stream().inner.poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.stream().inner.poll_shutdown(cx)
            }
        }
    )*};
}

async_read!(Stream, ReadHalf<'_>, OwnedReadHalf);
async_write!(Stream, WriteHalf<'_>, OwnedWriteHalf);
