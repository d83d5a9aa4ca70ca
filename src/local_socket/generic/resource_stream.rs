//! The async stream that carries resources.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use super::Stream;
#[cfg(doc)]
use crate::local_socket as blocking;
use crate::local_socket::PeerCredentials;
use crate::local_socket::stream::Origin;
use crate::resource::{BorrowedResource, OwnedResource};
use crate::runtime::Runtime;
use crate::sys::reactor::local_socket as sys;

/// A local-socket stream on runtime `R` that carries OS resources
/// (descriptors, handles) along with bytes: the async
/// [`ResourceStream`](blocking::ResourceStream), with the same rules for
/// what arrives, when, and what is closed.
///
/// Make one from a connected [`Stream`] at both ends. It reads and
/// writes bytes like a [`Stream`] (the runtime's `AsyncRead` and
/// `AsyncWrite`),
/// and adds [`send_with`](Self::send_with) and
/// [`recv_with`](Self::recv_with).
///
/// # Examples
///
/// ```
/// use localipc::local_socket::Name;
/// use localipc::local_socket::tokio::{Listener, ResourceStream, Stream};
/// use localipc::resource::AsResource;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let name = Name::namespaced(format!("localipc-doc-tokio-rs-{}.sock", std::process::id()))?;
/// let listener = Listener::bind(&name)?;
/// let client = ResourceStream::new(Stream::connect(&name).await?)?;
/// let server = ResourceStream::new(listener.accept().await?)?;
/// let file = std::fs::File::open(std::env::current_exe()?)?;
/// server.send_with(b"a file", &[file.as_resource()]).await?;
/// let mut buf = [0; 6];
/// let mut resources = Vec::new();
/// let n = client.recv_with(&mut buf, &mut resources).await?;
/// assert_eq!((&buf[..n], resources.len()), (&b"a file"[..], 1));
/// let _copy = std::fs::File::from(resources.pop().unwrap());
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ResourceStream<R: Runtime> {
    inner: sys::ResourceStream<R::Reactor>,
    origin: Origin,
}

impl<R: Runtime> ResourceStream<R> {
    /// Makes a connected stream carry resources. Do the same at the
    /// other end.
    ///
    /// # Errors
    ///
    /// As for the blocking
    /// [`ResourceStream::new`](blocking::ResourceStream::new).
    ///
    /// # Examples
    ///
    /// See [`ResourceStream`].
    pub fn new(stream: Stream<R>) -> io::Result<Self> {
        let (inner, origin) = stream.into_parts();
        Ok(Self {
            inner: sys::ResourceStream::new(inner)?,
            origin,
        })
    }

    /// Writes some of `bytes` (at least one) with every resource of
    /// `resources` attached; see the blocking
    /// [`send_with`](blocking::ResourceStream::send_with).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropped before it completes, it sent nothing.
    ///
    /// # Errors
    ///
    /// As for the blocking
    /// [`send_with`](blocking::ResourceStream::send_with).
    ///
    /// # Examples
    ///
    /// See [`ResourceStream`].
    pub async fn send_with(
        &self,
        bytes: &[u8],
        resources: &[BorrowedResource<'_>],
    ) -> io::Result<usize> {
        poll_fn(|cx| self.poll_send_with(cx, bytes, resources)).await
    }

    /// The poll form of [`send_with`](Self::send_with). Only the
    /// waker of the latest call is woken.
    ///
    /// # Errors
    ///
    /// As for [`send_with`](Self::send_with).
    pub fn poll_send_with(
        &self,
        cx: &mut Context<'_>,
        bytes: &[u8],
        resources: &[BorrowedResource<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_send_with(cx, bytes, resources)
    }

    /// Reads bytes into `buf` and appends the resources that came
    /// with them to `resources`; see the blocking
    /// [`recv_with`](blocking::ResourceStream::recv_with). `Ok(0)` is
    /// the end of the stream.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: bytes and resources are taken only by the poll
    /// that returns them.
    ///
    /// # Errors
    ///
    /// As for the blocking
    /// [`recv_with`](blocking::ResourceStream::recv_with).
    ///
    /// # Examples
    ///
    /// See [`ResourceStream`].
    pub async fn recv_with(
        &self,
        buf: &mut [u8],
        resources: &mut Vec<OwnedResource>,
    ) -> io::Result<usize> {
        poll_fn(|cx| self.poll_recv_with(cx, buf, resources)).await
    }

    /// The poll form of [`recv_with`](Self::recv_with). Only the
    /// waker of the latest call is woken.
    ///
    /// # Errors
    ///
    /// As for [`recv_with`](Self::recv_with).
    pub fn poll_recv_with(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        resources: &mut Vec<OwnedResource>,
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_recv_with(cx, buf, resources)
    }

    /// Reads bytes off the pipe itself, outside the frames that
    /// carry handles (the bells of a shared-memory channel).
    #[cfg(windows)]
    pub(crate) fn poll_read_raw(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read_raw(cx, buf)
    }

    /// Writes bytes on the pipe itself, outside the frames.
    #[cfg(windows)]
    pub(crate) fn poll_write_raw(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_raw(cx, buf)
    }

    /// What the OS says about the peer process; see
    /// [`PeerCredentials`].
    ///
    /// # Errors
    ///
    /// The OS error of the query.
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.inner.peer_credentials().map(PeerCredentials::from_sys)
    }

    /// The backend stream, for the OS-specific trait impls.
    pub(crate) fn as_sys(&self) -> &sys::ResourceStream<R::Reactor> {
        &self.inner
    }
}

impl<R: Runtime> fmt::Debug for ResourceStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = f.debug_struct("ResourceStream");
        self.origin.fields(&mut fields);
        fields.field("raw", &self.inner.as_borrowed()).finish()
    }
}

impl<R: Runtime> crate::poll_io::PollRead for ResourceStream<R> {
    fn poll_read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

// Not vectored: a vectored write writes the first non-empty buffer.
impl<R: Runtime> crate::poll_io::PollWrite for ResourceStream<R> {
    fn poll_write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_flush(cx)
    }

    fn poll_shutdown_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_shutdown(cx)
    }
}
