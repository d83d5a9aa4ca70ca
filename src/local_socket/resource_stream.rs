//! Local-socket streams that carry OS resources along with bytes.

use std::fmt;
use std::io::{self, Read, Write};
use std::time::Duration;

use super::stream::Origin;
use super::{PeerCredentials, Stream};
use crate::resource::{BorrowedResource, OwnedResource};
use crate::sys::local_socket as sys;

/// A local-socket stream that carries OS resources (descriptors on Unix,
/// handles on Windows) to the peer process along with bytes: pipe ends,
/// local sockets and listeners, files, anything `AsFd` or `AsHandle` (see
/// [`resource`](crate::resource)).
///
/// Make one from a connected [`Stream`] at **both ends**: on Windows the
/// bytes travel in frames that only a `ResourceStream` reads. It reads and
/// writes bytes like a `Stream` (`Read` and `Write` for it and for
/// `&ResourceStream`), and adds [`send_with`](Self::send_with) and
/// [`recv_with`](Self::recv_with).
///
/// # What arrives, and when
///
/// * The sender keeps its own resources: the peer gets its own copies.
///   Closing them on either side does not affect the other.
/// * Resources ride with the bytes of the `send_with` that carries them (at
///   least one byte): they arrive with the receive that returns the first
///   of those bytes, which never returns bytes sent after them.
/// * A receive that does not ask for resources (`read`, or `recv_with`
///   whose peer sent none) closes those that come with its bytes: nothing
///   leaks, whatever the peer sends.
/// * If resources cannot all be received (the process is out of
///   descriptors or handles, say), `recv_with` fails with a
///   [`ResourcesLost`](crate::resource::ResourcesLost) error that says how
///   many bytes came with them (they are in the buffer); none of the
///   resources is returned, and each one that arrived is closed. The stream
///   stays usable.
/// * At most [`MAX_PER_CALL`](crate::resource::MAX_PER_CALL) (253) resources
///   go in one call; more is [`InvalidInput`](io::ErrorKind::InvalidInput).
///
/// # Platform-specific behavior
///
/// * **Unix:** `SCM_RIGHTS` control messages on the socket itself; the
///   bytes are not framed. Descriptors arrive close-on-exec: atomically
///   with `MSG_CMSG_CLOEXEC` on Linux, Android and the BSDs, set right after
///   `recvmsg` on Apple systems (a `fork` in another thread in between could
///   inherit them there).
/// * **Linux, Android:** the credentials of the process that wrote each
///   receive's bytes, on request: `ResourceStreamExt` in
///   `os::unix::local_socket`
///   (`SCM_CREDENTIALS`).
/// * **Windows:** handles cross by `DuplicateHandle` between the two
///   processes, and the bytes travel in frames. The sender duplicates what
///   it sends into copies of its own and announces their values; the
///   receiver duplicates them out of the sender's process (which needs
///   `PROCESS_DUP_HANDLE` access to it: granted between processes of one
///   user at the same integrity level, refused with
///   [`PermissionDenied`](io::ErrorKind::PermissionDenied) otherwise), or
///   declines them, and then signals an event the sender sent along. A
///   thread-pool wait in the sender closes the copies at that signal, or
///   when the receiver's process ends, whichever comes first: never
///   earlier (a closed value could be reused for another handle, which the
///   receiver would then take), and never later than needed, so a passed
///   connection ends as soon as its last real holder closes it. Nothing
///   leaks when the receiver declines the resources, is killed, or never
///   reads them, nor when the sender dies halfway (its handles go with
///   it). The receiver opens the sender's process when the
///   `ResourceStream` is made, while the connection proves the peer alive,
///   so a reused process id never stands in for it.
///
/// # Examples
///
/// A server hands a pipe end to its client:
///
/// ```
/// use std::io::{Read, Write};
/// use localipc::local_socket::{Listener, Name, ResourceStream, Stream};
/// use localipc::resource::AsResource;
///
/// let name = Name::namespaced(format!("localipc-doc-rs-{}.sock", std::process::id()))?;
/// let listener = Listener::bind(&name)?;
/// let client = ResourceStream::new(Stream::connect(&name)?)?;
/// let server = ResourceStream::new(listener.accept()?)?;
///
/// let (mut sender, receiver) = localipc::pipe::pipe()?;
/// server.send_with(b"here is a pipe", &[receiver.as_resource()])?;
/// drop(receiver); // the client gets its own copy
///
/// let mut buf = [0; 14];
/// let mut resources = Vec::new();
/// let n = client.recv_with(&mut buf, &mut resources)?;
/// assert_eq!(&buf[..n], b"here is a pipe");
/// let mut received = localipc::pipe::Receiver::from(resources.pop().unwrap());
/// sender.write_all(b"through the passed pipe")?;
/// drop(sender);
/// let mut text = String::new();
/// received.read_to_string(&mut text)?;
/// assert_eq!(text, "through the passed pipe");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ResourceStream {
    pub(crate) inner: sys::ResourceStream,
    origin: Origin,
}

impl ResourceStream {
    /// Makes a connected stream carry resources. Do the same at the other
    /// end.
    ///
    /// # Errors
    ///
    /// None on Unix. On Windows, the OS error if the peer's process id
    /// cannot be read; a peer process that cannot be opened for
    /// duplication is not an error here, but makes receiving resources from
    /// it fail with `PermissionDenied`.
    ///
    /// # Examples
    ///
    /// See [`ResourceStream`].
    #[doc(alias = "OpenProcess")]
    pub fn new(stream: Stream) -> io::Result<Self> {
        Ok(Self {
            inner: sys::ResourceStream::new(stream.inner)?,
            origin: stream.origin,
        })
    }

    /// Writes some of `bytes` (at least one) with every resource of
    /// `resources` attached, like [`Write::write`]: in blocking mode
    /// without a write timeout all of them, else possibly fewer (write the
    /// rest with `write_all`). The resources go with the first byte.
    ///
    /// # Errors
    ///
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for resources with no
    ///   bytes, or more than [`MAX_PER_CALL`](crate::resource::MAX_PER_CALL).
    /// * [`BrokenPipe`](io::ErrorKind::BrokenPipe) if the peer is gone.
    /// * Otherwise the OS error (Windows: of duplicating a handle, for one
    ///   that cannot be duplicated); nothing was sent then.
    ///
    /// # Examples
    ///
    /// See [`ResourceStream`].
    #[doc(alias = "sendmsg")]
    #[doc(alias = "SCM_RIGHTS")]
    #[doc(alias = "DuplicateHandle")]
    pub fn send_with(&self, bytes: &[u8], resources: &[BorrowedResource<'_>]) -> io::Result<usize> {
        self.inner.send_with(bytes, resources)
    }

    /// Reads bytes into `buf`, and appends the resources that came with
    /// them to `resources`. `Ok(0)` is the end of the stream.
    ///
    /// # Errors
    ///
    /// * A [`ResourcesLost`](crate::resource::ResourcesLost) error
    ///   ([`InvalidData`](io::ErrorKind::InvalidData)) if resources that came
    ///   could not all be received; its `bytes` says how many bytes came
    ///   with them, at the start of `buf`.
    /// * [`PermissionDenied`](io::ErrorKind::PermissionDenied) (Windows) if
    ///   this process may not duplicate handles out of the peer's; the bytes
    ///   are lost with them then, and the sender closes its copies.
    /// * [`InvalidData`](io::ErrorKind::InvalidData) (Windows) if the peer
    ///   sends something that is not a well-formed frame (it is not a
    ///   `ResourceStream`, or misbehaves); the stream cannot be read further.
    /// * Otherwise the OS error, as for [`Read::read`].
    ///
    /// # Examples
    ///
    /// See [`ResourceStream`].
    #[doc(alias = "recvmsg")]
    pub fn recv_with(
        &self,
        buf: &mut [u8],
        resources: &mut Vec<OwnedResource>,
    ) -> io::Result<usize> {
        self.inner.recv_with(buf, resources)
    }

    /// What the OS says about the peer process; see [`PeerCredentials`].
    ///
    /// # Errors
    ///
    /// The OS error of the query.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{Listener, Name, ResourceStream, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-rs-creds-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let _client = ResourceStream::new(Stream::connect(&name)?)?;
    /// let server = ResourceStream::new(listener.accept()?)?;
    /// assert_eq!(server.peer_credentials()?.pid, Some(std::process::id()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.inner.peer_credentials().map(PeerCredentials::from_sys)
    }

    /// Sets how long a read may wait, as [`Stream::set_read_timeout`]. The
    /// timeout bounds the whole receive: a signal that interrupts its wait
    /// (Unix) or a frame that arrives in pieces (Windows) does not start it
    /// again.
    ///
    /// # Errors
    ///
    /// As for [`Stream::set_read_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{ErrorKind, Read};
    /// use std::time::Duration;
    /// use localipc::local_socket::{Listener, Name, ResourceStream, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-rs-timeout-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = ResourceStream::new(Stream::connect(&name)?)?;
    /// let _server = listener.accept()?;
    /// client.set_read_timeout(Some(Duration::from_millis(20)))?;
    /// assert_eq!(client.read(&mut [0; 4]).unwrap_err().kind(), ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_read_timeout(timeout)
    }

    /// The backend stream, for the OS-specific trait impls.
    pub(crate) fn as_sys(&self) -> &sys::ResourceStream {
        &self.inner
    }

    /// Sets how long a write may wait, as [`Stream::set_write_timeout`],
    /// bounding the whole send. On Windows, where bytes travel in frames,
    /// a send whose time runs out inside a frame fails with
    /// [`TimedOut`](io::ErrorKind::TimedOut) and ends this stream's sending
    /// (later sends are [`BrokenPipe`](io::ErrorKind::BrokenPipe)), so that
    /// the peer never takes part of a frame for another.
    ///
    /// # Errors
    ///
    /// As for [`Stream::set_write_timeout`].
    ///
    /// # Examples
    ///
    /// See [`set_read_timeout`](Self::set_read_timeout).
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_write_timeout(timeout)
    }
}

impl Read for &ResourceStream {
    /// Reads bytes; resources that come with them are closed.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Read for ResourceStream {
    /// Reads bytes; resources that come with them are closed.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Write for &ResourceStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.send_with(buf, &[])
    }

    /// Does nothing and succeeds: writes are not buffered by localipc.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for ResourceStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    /// Does nothing and succeeds: writes are not buffered by localipc.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for ResourceStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = f.debug_struct("ResourceStream");
        self.origin.fields(&mut fields);
        fields.field("raw", &self.inner.as_borrowed()).finish()
    }
}
