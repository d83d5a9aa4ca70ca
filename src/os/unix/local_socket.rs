//! Unix-only parts of local sockets: the socket file's mode, half-close, and
//! conversions from std's Unix socket types.

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};

#[cfg(message_sockets)]
use crate::local_socket::MessageSocket;
use crate::local_socket::{Listener, ListenerOptions, Stream};
#[cfg(linux_like)]
use crate::local_socket::{PeerCredentials, ResourceStream};
use crate::sealed::Sealed;
use crate::sys;

/// Unix-only options of [`ListenerOptions`]. Sealed.
pub trait ListenerOptionsExt: Sealed {
    /// The exact permission bits of the socket file, instead of those the
    /// access policy implies (`0o600` for [`Access::current_user`], `0o660`
    /// for a group, `0o666` for any user or a list of users; connecting
    /// needs write permission). The mode is exact (not reduced by the
    /// umask), and the file is never more open than this, not even for a
    /// moment. Checks the listener makes of each connection (for a list of
    /// users) still apply. Ignored for Linux's abstract names, which have no
    /// file.
    ///
    /// [`Access::current_user`]: crate::local_socket::Access::current_user
    ///
    /// Bits outside `0o777` make [`bind`](ListenerOptions::bind) fail with
    /// `InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// use localipc::local_socket::{ListenerOptions, Name};
    /// use localipc::os::unix::local_socket::ListenerOptionsExt;
    ///
    /// let path = std::env::temp_dir().join(format!("localipc-doc-mode-{}.sock", std::process::id()));
    /// let listener = ListenerOptions::new(&Name::path(&path)?).mode(0o660).bind()?;
    /// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o660);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn mode(&mut self, mode: u32) -> &mut Self;
}

impl ListenerOptionsExt for ListenerOptions {
    fn mode(&mut self, mode: u32) -> &mut Self {
        self.inner.mode = Some(mode);
        self
    }
}

/// Unix-only methods of [`Stream`]. Sealed.
pub trait StreamExt: Sealed {
    /// Shuts down reading, writing or both (`shutdown(2)`). After
    /// `Shutdown::Write` the peer reads the end of the stream while this side
    /// can still read what the peer sends: a half-close.
    ///
    /// # Errors
    ///
    /// The error of `shutdown(2)`, such as `NotConnected`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::net::Shutdown;
    /// use localipc::local_socket::{Listener, Name, Stream};
    /// use localipc::os::unix::local_socket::StreamExt;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-shutdown-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = Stream::connect(&name)?;
    /// let mut server = listener.accept()?;
    /// client.write_all(b"request")?;
    /// client.shutdown(Shutdown::Write)?;
    /// let mut request = Vec::new();
    /// server.read_to_end(&mut request)?; // ends at the half-close
    /// server.write_all(b"reply")?;
    /// drop(server);
    /// let mut reply = Vec::new();
    /// client.read_to_end(&mut reply)?;
    /// assert_eq!((request.as_slice(), reply.as_slice()), (&b"request"[..], &b"reply"[..]));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
}

/// Unix-only methods of [`Listener`]. Sealed.
pub trait ListenerExt: Sealed {
    /// A second listener on the same socket (`dup(2)`): both accept from the
    /// one queue of waiting clients, with the same access policy and
    /// nonblocking mode. The socket file is removed, and its lock released,
    /// only when the listener that bound it is dropped; clients can then no
    /// longer reach any clone by name.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl(F_DUPFD_CLOEXEC)`, such as running out of
    /// descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{Listener, Name, Stream};
    /// use localipc::os::unix::local_socket::ListenerExt;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-lclone-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let other = listener.try_clone()?;
    /// let _client = Stream::connect(&name)?;
    /// let _server = other.accept()?; // the one queue, from either listener
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn try_clone(&self) -> io::Result<Listener>;
}

/// Linux and Android: the credentials of the process that wrote the bytes
/// a [`ResourceStream`] receives (`SO_PASSCRED`, `SCM_CREDENTIALS`).
/// Sealed.
///
/// [`peer_credentials`](ResourceStream::peer_credentials) names the
/// process that connected (or listened), as of then; once a stream has
/// been passed to another process, the writer can be someone else. With
/// credentials passing on, the kernel stamps every write with its writer's
/// pid, uid and gid, and one receive never returns the bytes of two
/// writes stamped differently.
///
/// * Credentials come with bytes written while passing is on at either
///   end; bytes written before come without (`None`).
/// * The pid is `None` when the writer is outside this process's pid
///   namespace (Linux reports 0 then); the uid and gid are as seen from
///   this process's user namespace.
/// * The kernel fills in the writer's real credentials; a writer could
///   state others only with privileges (`CAP_SYS_ADMIN` for the pid,
///   `CAP_SETUID`/`CAP_SETGID` for the ids). localipc never states any.
/// * A plain `read`, or [`recv_with`](ResourceStream::recv_with), drops
///   the credentials that come; the stream is unaffected.
///
/// Other Unix systems: FreeBSD and NetBSD have `LOCAL_CREDS` and
/// `SCM_CREDS`, with other semantics (credentials of the first write, or
/// of every write, by option), and are not covered yet; Apple systems
/// have no credentials messages.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use localipc::local_socket::{Listener, Name, ResourceStream, Stream};
/// use localipc::os::unix::local_socket::ResourceStreamExt;
///
/// let name = Name::namespaced(format!("localipc-doc-scm-creds-{}.sock", std::process::id()))?;
/// let listener = Listener::bind(&name)?;
/// let client = Stream::connect(&name)?;
/// let server = ResourceStream::new(listener.accept()?)?;
/// server.set_pass_credentials(true)?;
///
/// (&client).write_all(b"who wrote this?")?;
/// let mut buf = [0; 64];
/// let (n, writer) = server.recv_with_credentials(&mut buf, &mut Vec::new())?;
/// assert_eq!(&buf[..n], b"who wrote this?");
/// assert_eq!(writer.unwrap().pid, Some(std::process::id()));
/// # Ok::<(), std::io::Error>(())
/// ```
#[cfg(linux_like)]
pub trait ResourceStreamExt: Sealed {
    /// Turns credentials passing on or off (`SO_PASSCRED`).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`; none is expected.
    ///
    /// # Examples
    ///
    /// See [`ResourceStreamExt`].
    #[doc(alias = "SO_PASSCRED")]
    fn set_pass_credentials(&self, on: bool) -> io::Result<()>;

    /// Whether credentials passing is on.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`; none is expected.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{Listener, Name, ResourceStream, Stream};
    /// use localipc::os::unix::local_socket::ResourceStreamExt;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-scm-on-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let _client = Stream::connect(&name)?;
    /// let server = ResourceStream::new(listener.accept()?)?;
    /// assert!(!server.pass_credentials()?);
    /// server.set_pass_credentials(true)?;
    /// assert!(server.pass_credentials()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn pass_credentials(&self) -> io::Result<bool>;

    /// [`recv_with`](ResourceStream::recv_with), and the credentials of
    /// the process that wrote the bytes, if they came with them.
    ///
    /// # Errors
    ///
    /// As for [`recv_with`](ResourceStream::recv_with).
    ///
    /// # Examples
    ///
    /// See [`ResourceStreamExt`].
    #[doc(alias = "SCM_CREDENTIALS")]
    fn recv_with_credentials(
        &self,
        buf: &mut [u8],
        resources: &mut Vec<OwnedFd>,
    ) -> io::Result<(usize, Option<PeerCredentials>)>;
}

#[cfg(linux_like)]
impl ResourceStreamExt for ResourceStream {
    fn set_pass_credentials(&self, on: bool) -> io::Result<()> {
        self.inner.set_pass_credentials(on)
    }

    fn pass_credentials(&self) -> io::Result<bool> {
        self.inner.pass_credentials()
    }

    fn recv_with_credentials(
        &self,
        buf: &mut [u8],
        resources: &mut Vec<OwnedFd>,
    ) -> io::Result<(usize, Option<PeerCredentials>)> {
        let (bytes, writer) = self.inner.recv_with_credentials(buf, resources)?;
        Ok((bytes, writer.map(PeerCredentials::from_sys)))
    }
}

/// Descriptors ride with messages, and half-closes (where message sockets
/// exist: Linux, Android, the BSDs). Sealed.
///
/// The descriptors of a [`send_with`](Self::send_with) arrive with that
/// message, and only with it, following the rules of
/// [resource streams](crate::local_socket::ResourceStream): the sender keeps its own, at most
/// [`MAX_PER_CALL`](crate::resource::MAX_PER_CALL) go with one message,
/// they arrive close-on-exec, a receive that does not ask for them closes
/// them, and a loss is a [`ResourcesLost`](crate::resource::ResourcesLost)
/// error that closes those that came. A message too long for the buffer
/// stays queued with its descriptors.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use localipc::local_socket::{MessageListener, MessageSocket, Name};
/// use localipc::os::unix::local_socket::MessageSocketExt;
/// use localipc::resource::AsResource;
///
/// let name = Name::namespaced(format!("localipc-doc-mfd-{}.sock", std::process::id()))?;
/// let listener = MessageListener::bind(&name)?;
/// let client = MessageSocket::connect(&name)?;
/// let server = listener.accept()?;
///
/// let (mut sender, receiver) = localipc::pipe::pipe()?;
/// server.send_with(b"a pipe end", &[receiver.as_resource()])?;
/// let mut buf = [0; 32];
/// let mut fds = Vec::new();
/// let n = client.recv_with(&mut buf, &mut fds)?;
/// assert_eq!(&buf[..n], b"a pipe end");
/// let mut passed = localipc::pipe::Receiver::from(fds.pop().unwrap());
/// sender.write_all(b"!")?;
/// drop(sender);
/// let mut text = String::new();
/// passed.read_to_string(&mut text)?;
/// assert_eq!(text, "!");
/// # Ok::<(), std::io::Error>(())
/// ```
#[cfg(message_sockets)]
pub trait MessageSocketExt: Sealed {
    /// Sends `message` with `resources` attached, all of it or nothing.
    ///
    /// # Errors
    ///
    /// As for [`MessageSocket::send`]; also
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for more than
    /// [`MAX_PER_CALL`](crate::resource::MAX_PER_CALL) resources.
    ///
    /// # Examples
    ///
    /// See [`MessageSocketExt`].
    #[doc(alias = "SCM_RIGHTS")]
    fn send_with(&self, message: &[u8], resources: &[BorrowedFd<'_>]) -> io::Result<()>;

    /// Receives the next message into `buf`, appending the descriptors that
    /// came with it to `resources`.
    ///
    /// # Errors
    ///
    /// As for [`MessageSocket::recv`], and
    /// [`ResourcesLost`](crate::resource::ResourcesLost) errors as for
    /// [a resource stream's `recv_with`](crate::local_socket::ResourceStream::recv_with).
    ///
    /// # Examples
    ///
    /// See [`MessageSocketExt`].
    fn recv_with(&self, buf: &mut [u8], resources: &mut Vec<OwnedFd>) -> io::Result<usize>;

    /// Shuts down receiving, sending or both (`shutdown(2)`). After
    /// `Shutdown::Write` the peer receives the end of the stream after the
    /// messages sent before, while this side can still receive: a
    /// half-close.
    ///
    /// # Errors
    ///
    /// The error of `shutdown(2)`, such as `NotConnected`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    /// use localipc::os::unix::local_socket::MessageSocketExt;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mshut-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// let server = listener.accept()?;
    /// client.send(b"last")?;
    /// client.shutdown(Shutdown::Write)?;
    /// let mut buf = [0; 8];
    /// assert_eq!(server.recv(&mut buf)?, 4);
    /// assert_eq!(server.recv(&mut buf)?, 0); // the end
    /// server.send(b"still heard")?;
    /// assert_eq!(client.recv(&mut [0; 16])?, 11);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
}

#[cfg(message_sockets)]
impl MessageSocketExt for MessageSocket {
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    fn send_with(&self, message: &[u8], resources: &[BorrowedFd<'_>]) -> io::Result<()> {
        self.inner
            .send(&[std::io::IoSlice::new(message)], resources)
    }

    fn recv_with(&self, buf: &mut [u8], resources: &mut Vec<OwnedFd>) -> io::Result<usize> {
        self.inner.recv(buf, resources)
    }
}

impl ListenerExt for Listener {
    fn try_clone(&self) -> io::Result<Listener> {
        Ok(Listener {
            inner: self.inner.try_clone()?,
            name: self.name.clone(),
        })
    }
}

impl StreamExt for Stream {
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_borrowed()
    }
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_borrowed().as_raw_fd()
    }
}

impl From<Listener> for UnixListener {
    /// The listening socket; its socket file is left in place (the std type
    /// does not remove it). On Linux's abstract names, the placeholder
    /// that kept the name from the other kind of listener is closed (see
    /// [A name belongs to one kind of listener](crate::local_socket#a-name-belongs-to-one-kind-of-listener)),
    /// unless a clone of the listener still holds it.
    fn from(listener: Listener) -> Self {
        listener.inner.into_std()
    }
}

impl From<Listener> for OwnedFd {
    /// As for `From<Listener> for UnixListener`.
    fn from(listener: Listener) -> Self {
        listener.inner.into_std().into()
    }
}

impl From<UnixListener> for Listener {
    /// Wraps a listening std socket. The result has no [`Listener::name`] and
    /// does not remove a socket file when dropped: it did not create one. It
    /// admits whoever the socket's file lets in (it does not check each
    /// connection).
    fn from(listener: UnixListener) -> Self {
        Listener {
            inner: sys::local_socket::Listener::from_std(listener),
            name: None,
        }
    }
}

impl From<OwnedFd> for Listener {
    /// As for `From<UnixListener>`; `fd` must be a listening Unix socket.
    fn from(fd: OwnedFd) -> Self {
        Self::from(UnixListener::from(fd))
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_borrowed()
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_borrowed().as_raw_fd()
    }
}

impl From<UnixStream> for Stream {
    /// Wraps a connected std socket, keeping its blocking mode. No server
    /// check is made: the socket is already connected.
    fn from(socket: UnixStream) -> Self {
        Self {
            inner: sys::local_socket::Stream::from_std(socket),
            origin: Default::default(),
        }
    }
}

impl From<Stream> for UnixStream {
    fn from(stream: Stream) -> Self {
        stream.inner.into_std()
    }
}

impl From<OwnedFd> for Stream {
    /// Wraps a descriptor that must be a connected Unix stream socket.
    fn from(fd: OwnedFd) -> Self {
        Self::from(UnixStream::from(fd))
    }
}

impl From<Stream> for OwnedFd {
    fn from(stream: Stream) -> Self {
        stream.inner.into_std().into()
    }
}

/// `AsFd` and `AsRawFd` for resource streams, message sockets and the
/// async front ends' streams and listeners.
macro_rules! async_borrowed_fd {
    ($($ty:ty),*) => {$(
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.as_sys().as_borrowed()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.as_sys().as_borrowed().as_raw_fd()
            }
        }
    )*};
}

async_borrowed_fd!(crate::local_socket::ResourceStream);
#[cfg(message_sockets)]
async_borrowed_fd!(crate::local_socket::MessageSocket);
#[cfg(all(message_sockets, feature = "tokio"))]
async_borrowed_fd!(crate::local_socket::tokio::MessageSocket);
#[cfg(all(message_sockets, feature = "smol"))]
async_borrowed_fd!(crate::local_socket::smol::MessageSocket);
#[cfg(feature = "tokio")]
async_borrowed_fd!(
    crate::local_socket::tokio::Stream,
    crate::local_socket::tokio::Listener,
    crate::local_socket::tokio::ResourceStream
);
#[cfg(feature = "smol")]
async_borrowed_fd!(
    crate::local_socket::smol::Stream,
    crate::local_socket::smol::Listener,
    crate::local_socket::smol::ResourceStream
);
