//! The halves of a split async stream.

use std::fmt;
use std::io;
use std::sync::Arc;

use super::Stream;
use crate::local_socket::PeerCredentials;
use crate::runtime::Runtime;

impl<R: Runtime> Stream<R> {
    /// Borrowed halves, to read and write at once in one task.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::tokio::{Listener, Stream};
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-split-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = Stream::connect(&name).await?;
    /// let mut server = listener.accept().await?;
    /// let (mut reader, mut writer) = server.split();
    /// writer.write_all(b"to the client").await?;
    /// client.write_all(b"to the server").await?;
    /// let mut buf = [0; 13];
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"to the server");
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_, R>, WriteHalf<'_, R>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Owned halves, to move into separate tasks;
    /// [`OwnedReadHalf::reunite`] gives the stream back.
    ///
    /// Dropping the write half does not end the writing direction:
    /// call `shutdown` (or `close`) on it first if the peer should see the end of the
    /// stream while this side goes on reading.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::tokio::{Listener, Stream};
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-owned-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let client = Stream::connect(&name).await?;
    /// let mut server = listener.accept().await?;
    /// let (mut reader, mut writer) = client.into_split();
    /// let writing = tokio::spawn(async move {
    ///     writer.write_all(b"ping").await?;
    ///     Ok::<_, std::io::Error>(writer)
    /// });
    /// let mut buf = [0; 4];
    /// server.read_exact(&mut buf).await?;
    /// server.write_all(b"pong").await?;
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"pong");
    /// let writer = writing.await.unwrap()?;
    /// let _client: Stream = reader.reunite(writer).unwrap();
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<R>, OwnedWriteHalf<R>) {
        let shared = Arc::new(self);
        (OwnedReadHalf(Arc::clone(&shared)), OwnedWriteHalf(shared))
    }
}

/// A borrowed reading half of a [`Stream`], from [`Stream::split`].
pub struct ReadHalf<'a, R: Runtime>(pub(super) &'a Stream<R>);

/// A borrowed writing half of a [`Stream`], from [`Stream::split`].
pub struct WriteHalf<'a, R: Runtime>(pub(super) &'a Stream<R>);

/// An owned reading half of a [`Stream`], from [`Stream::into_split`].
pub struct OwnedReadHalf<R: Runtime>(pub(super) Arc<Stream<R>>);

/// An owned writing half of a [`Stream`], from
/// [`Stream::into_split`].
///
/// Dropping it does not end the writing direction; see
/// [`Stream::into_split`].
pub struct OwnedWriteHalf<R: Runtime>(pub(super) Arc<Stream<R>>);

impl<R: Runtime> OwnedReadHalf<R> {
    /// Joins this half with its writing half into the stream they
    /// came from.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], which gives both halves back, if they come
    /// from different streams.
    ///
    /// # Examples
    ///
    /// See [`Stream::into_split`].
    pub fn reunite(self, other: OwnedWriteHalf<R>) -> Result<Stream<R>, ReuniteError<R>> {
        reunite(self, other)
    }

    /// What the OS says about the process at the other end.
    ///
    /// # Errors
    ///
    /// As for [`Stream::peer_credentials`].
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.0.peer_credentials()
    }
}

impl<R: Runtime> OwnedWriteHalf<R> {
    /// Joins this half with its reading half into the stream they
    /// came from.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], which gives both halves back, if they come
    /// from different streams.
    pub fn reunite(self, other: OwnedReadHalf<R>) -> Result<Stream<R>, ReuniteError<R>> {
        reunite(other, self)
    }

    /// What the OS says about the process at the other end.
    ///
    /// # Errors
    ///
    /// As for [`Stream::peer_credentials`].
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.0.peer_credentials()
    }
}

fn reunite<R: Runtime>(
    read: OwnedReadHalf<R>,
    write: OwnedWriteHalf<R>,
) -> Result<Stream<R>, ReuniteError<R>> {
    if !Arc::ptr_eq(&read.0, &write.0) {
        return Err(ReuniteError(read, write));
    }
    drop(write);
    // Two halves of one stream hold its only two references.
    Ok(Arc::into_inner(read.0).expect("the other half was just dropped"))
}

/// Two owned halves of different streams, given back by `reunite`.
///
/// Take the halves back with `.0` and `.1`, or with a pattern that names
/// this generic type (a pattern cannot go through the runtime module's
/// alias):
///
/// ```
/// use localipc::local_socket::generic::ReuniteError;
/// use localipc::local_socket::tokio::{OwnedReadHalf, OwnedWriteHalf};
///
/// fn take_apart(error: localipc::local_socket::tokio::ReuniteError) -> (OwnedReadHalf, OwnedWriteHalf) {
///     let ReuniteError(read, write) = error;
///     (read, write)
/// }
/// ```
#[derive(Debug)]
pub struct ReuniteError<R: Runtime>(pub OwnedReadHalf<R>, pub OwnedWriteHalf<R>);

impl<R: Runtime> fmt::Display for ReuniteError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the halves come from different streams")
    }
}

impl<R: Runtime> std::error::Error for ReuniteError<R> {}

impl<R: Runtime> fmt::Debug for ReadHalf<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReadHalf").field(&self.0).finish()
    }
}

impl<R: Runtime> fmt::Debug for WriteHalf<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WriteHalf").field(&self.0).finish()
    }
}

impl<R: Runtime> fmt::Debug for OwnedReadHalf<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedReadHalf").field(&self.0).finish()
    }
}

impl<R: Runtime> fmt::Debug for OwnedWriteHalf<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedWriteHalf").field(&self.0).finish()
    }
}

// The runtime's `AsyncRead` and `AsyncWrite` (`crate::poll_io`).
super::stream_io!(read: ReadHalf<'_, R>, |half| half.0.as_sys());
super::stream_io!(read: OwnedReadHalf<R>, |half| half.0.as_sys());
super::stream_io!(write: WriteHalf<'_, R>, |half| half.0.as_sys());
super::stream_io!(write: OwnedWriteHalf<R>, |half| half.0.as_sys());
