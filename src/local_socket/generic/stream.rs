//! The async stream.

use std::fmt;
use std::io;

use crate::local_socket::stream::Origin;
use crate::local_socket::{self as blocking, ConnectOptions, Name, PeerCredentials};
use crate::runtime::Runtime;
use crate::sys::reactor::local_socket as sys;

#[cfg(doc)]
use crate::local_socket::ExpectedServer;

/// A connected local socket on runtime `R`: a full-duplex byte stream.
///
/// Implements the runtime's `AsyncRead` and `AsyncWrite` (see the
/// [module docs](super)). To
/// read in one task and write in another, [`split`](Self::split) it
/// (borrowed halves) or [`into_split`](Self::into_split) it (owned
/// halves, which [`OwnedReadHalf::reunite`](super::OwnedReadHalf::reunite)
/// joins again).
///
/// # Ending the writing direction
///
/// `shutdown` (Tokio's `AsyncWriteExt`) or `close` (`futures-io`'s) ends
/// the writing direction:
///
/// * **Unix:** a real half-close (`shutdown(SHUT_WR)`): the peer
///   reads the end of the stream after everything written before,
///   and this side can go on reading.
/// * **Windows:** named pipes have no half-close. It waits until
///   every write has been handed to the pipe, and makes later writes
///   fail with [`BrokenPipe`](io::ErrorKind::BrokenPipe); the peer
///   sees the end of the stream only when this stream (both halves,
///   if split) is dropped.
///
/// # Examples
///
/// ```no_run
/// use localipc::local_socket::Name;
/// use localipc::local_socket::tokio::Stream;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # async fn client() -> std::io::Result<()> {
/// let mut stream = Stream::connect(&Name::namespaced("my-service.sock")?).await?;
/// stream.write_all(b"ping").await?;
/// let mut reply = [0; 4];
/// stream.read_exact(&mut reply).await?;
/// # Ok(())
/// # }
/// ```
pub struct Stream<R: Runtime> {
    inner: sys::Stream<R::Reactor>,
    origin: Origin,
}

impl<R: Runtime> Stream<R> {
    pub(super) fn from_parts(inner: sys::Stream<R::Reactor>, origin: Origin) -> Self {
        Self { inner, origin }
    }

    pub(super) fn into_parts(self) -> (sys::Stream<R::Reactor>, Origin) {
        (self.inner, self.origin)
    }

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
    /// See the [module docs](super).
    pub async fn connect(name: &Name) -> io::Result<Self> {
        Self::connect_with(&ConnectOptions::new(name)).await
    }

    /// Connects with `options` (the blocking module's builder): a
    /// busy listener is waited for up to the options' timeout without
    /// blocking the executor, and the server is checked against the
    /// options' [`ExpectedServer`] before
    /// anything can be written; the `nonblocking` setting does not
    /// matter here.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, though nothing is lost: dropping the future
    /// abandons the attempt. If the listener was busy, an attempt
    /// already under way may still reach it, and the listener then
    /// accepts a connection that is closed at once.
    ///
    /// # Errors
    ///
    /// As for the blocking [`ConnectOptions::connect`]: `NotFound`
    /// when nobody listens, `TimedOut` when the timeout expired,
    /// `PermissionDenied` when the server runs as a user the options
    /// do not expect, `InvalidInput` for a zero timeout; on Tokio, also
    /// an error outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use std::time::Duration;
    /// use localipc::local_socket::{ConnectOptions, Name};
    /// use localipc::local_socket::tokio::Stream;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-none-{}.sock", std::process::id()))?;
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
        super::check_context::<R>()?;
        let inner =
            sys::Stream::<R::Reactor>::connect(options.name.resolved(), &options.inner).await?;
        Ok(Self {
            inner,
            origin: Origin::client(&options.name),
        })
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
    /// use localipc::local_socket::tokio::{Listener, Stream};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-creds-{}.sock", std::process::id()))?;
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

    /// Makes a blocking stream async, whatever its nonblocking
    /// setting. Its read and write timeouts no longer apply.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode or the reactor the descriptor;
    /// on Tokio, also an error outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{self, Name};
    /// use localipc::local_socket::tokio::Stream;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-sconv-{}.sock", std::process::id()))?;
    /// let listener = local_socket::Listener::bind(&name)?;
    /// let client = Stream::from_blocking(local_socket::Stream::connect(&name)?)?;
    /// let _server = listener.accept()?;
    /// let blocking: local_socket::Stream = client.into_blocking()?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(stream: blocking::Stream) -> io::Result<Self> {
        Ok(Self {
            inner: sys::Stream::<R::Reactor>::from_blocking(stream.inner)?,
            origin: stream.origin,
        })
    }

    /// Makes this stream blocking again, with no timeouts. Nothing is
    /// lost: bytes the OS already delivered (on Windows, into this
    /// stream's read buffer) are read first by the blocking stream.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<blocking::Stream> {
        Ok(blocking::Stream {
            inner: self.inner.into_blocking()?,
            origin: self.origin,
        })
    }

    /// The backend stream, for the OS-specific trait impls.
    pub(crate) fn as_sys(&self) -> &sys::Stream<R::Reactor> {
        &self.inner
    }
}

impl<R: Runtime> fmt::Debug for Stream<R> {
    /// The name and side where known, and the descriptor or handle.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = f.debug_struct("Stream");
        self.origin.fields(&mut fields);
        fields.field("raw", &self.inner.as_borrowed()).finish()
    }
}

// The runtime's `AsyncRead` and `AsyncWrite` (`crate::poll_io`).
super::stream_io!(read: Stream<R>, |stream| &stream.inner);
super::stream_io!(write: Stream<R>, |stream| &stream.inner);
