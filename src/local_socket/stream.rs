//! Connected local sockets.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::time::Duration;

use super::{ExpectedServer, Name};
use crate::sys::local_socket as sys;

/// What the OS knows about the process at the other end of a [`Stream`].
///
/// Fields the OS does not report are `None`.
///
/// | OS | pid | uid, gid |
/// | --- | --- | --- |
/// | Linux, Android | `SO_PEERCRED` | `SO_PEERCRED` |
/// | macOS, iOS | `LOCAL_PEERPID` | `getpeereid` |
/// | FreeBSD | `LOCAL_PEERCRED` (FreeBSD 13 and later) | `getpeereid` |
/// | other BSDs | `None` | `getpeereid` |
/// | Windows | `GetNamedPipeClientProcessId` / `ServerProcessId` | `None` |
///
/// On Unix the values are the peer's as of `connect` (for a client) or
/// `listen` (for a server), not later changes; a stream passed on to
/// another process keeps naming the one that connected (on Linux and
/// Android, `ResourceStreamExt::recv_with_credentials` in
/// `os::unix::local_socket` names the
/// writer of each receive). On Linux the pid is `None` for a peer outside
/// this process's pid namespace (one in a container, seen from inside
/// another).
///
/// # Caveat: process ids are reused
///
/// Once the peer exits, another process may get its pid. Use the pid while
/// the connection is open, and do not treat it as proof of identity after
/// the peer may have gone.
///
/// # Examples
///
/// See [`Stream::peer_credentials`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PeerCredentials {
    /// The peer's process id.
    pub pid: Option<u32>,
    /// The peer's effective user id.
    pub uid: Option<u32>,
    /// The peer's effective group id.
    pub gid: Option<u32>,
}

/// Options for connecting a [`Stream`].
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use localipc::local_socket::{ConnectOptions, Name};
///
/// let stream = ConnectOptions::new(&Name::namespaced("my-service.sock")?)
///     .timeout(Some(Duration::from_secs(1)))
///     .connect()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub(crate) name: Name,
    pub(crate) inner: sys::ConnectOptions,
}

impl ConnectOptions {
    /// Options for connecting to `name`: no timeout, blocking, and only a
    /// server run by this user or the superuser
    /// ([`ExpectedServer::current_user`]).
    ///
    /// # Examples
    ///
    /// See [`ConnectOptions`].
    pub fn new(name: &Name) -> Self {
        Self {
            name: name.clone(),
            inner: sys::ConnectOptions::default(),
        }
    }

    /// The longest time to wait for a listener that is busy: on Windows,
    /// for a free pipe instance; on Linux, for room in a full listen backlog.
    /// Elsewhere connecting never waits. `None` (the default) waits as long
    /// as it takes.
    ///
    /// # Examples
    ///
    /// See [`ConnectOptions`].
    pub fn timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.inner.timeout = timeout;
        self
    }

    /// Whether the stream is in nonblocking mode once connected.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{ErrorKind, Read};
    /// use localipc::local_socket::{ConnectOptions, Listener, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-cnb-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = ConnectOptions::new(&name).nonblocking(true).connect()?;
    /// let _server = listener.accept()?;
    /// assert_eq!(client.read(&mut [0; 4]).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn nonblocking(&mut self, nonblocking: bool) -> &mut Self {
        self.inner.nonblocking = nonblocking;
        self
    }

    /// Which server to talk to (default: [`ExpectedServer::current_user`],
    /// one run by this user or the superuser). The check is made as soon as
    /// the connection stands, before anything can be written; a server of
    /// any other user fails [`connect`](Self::connect) with
    /// [`PermissionDenied`](io::ErrorKind::PermissionDenied).
    ///
    /// # Examples
    ///
    /// See [`ExpectedServer`].
    pub fn expected_server(&mut self, expected: ExpectedServer) -> &mut Self {
        self.inner.expected_server = expected.0;
        self
    }

    /// Connects.
    ///
    /// # Errors
    ///
    /// * [`NotFound`](io::ErrorKind::NotFound) if nobody listens on the name.
    /// * [`ConnectionRefused`](io::ErrorKind::ConnectionRefused) (Unix) if a
    ///   socket file exists but its server has exited, or the path is a
    ///   directory or a file that is not a socket (the message says which).
    /// * [`TimedOut`](io::ErrorKind::TimedOut) if the listener stayed busy
    ///   for the whole timeout.
    /// * [`PermissionDenied`](io::ErrorKind::PermissionDenied) if the socket
    ///   or pipe does not admit this user, or if its server runs as a user
    ///   this client does not expect (see
    ///   [`expected_server`](Self::expected_server); the message names the
    ///   user found).
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero timeout,
    ///   or if a message listener has the name (a name belongs to one kind;
    ///   see the [module docs](crate::local_socket#a-name-belongs-to-one-kind-of-listener)).
    ///
    /// Every message names the endpoint, and
    /// [`raw_os_error`](crate::raw_os_error) finds the OS error inside.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::local_socket::{ConnectOptions, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-nobody-{}.sock", std::process::id()))?;
    /// let error = ConnectOptions::new(&name).connect().unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::NotFound);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "CreateFileW")]
    pub fn connect(&self) -> io::Result<Stream> {
        crate::timeout::check(self.inner.timeout)?;
        let inner = sys::connect(self.name.resolved(), &self.inner)?;
        Ok(Stream {
            inner,
            origin: Origin::client(&self.name),
        })
    }
}

/// A connected local socket: a full-duplex byte stream.
///
/// `Read` and `Write` (vectored too) are implemented for `Stream` and
/// `&Stream`, so one thread can read while another writes. Writes go straight
/// to the OS; wrap the stream in a `BufWriter` for many small writes.
///
/// # Examples
///
/// ```no_run
/// use std::io::{Read, Write};
/// use localipc::local_socket::{Name, Stream};
///
/// let mut stream = Stream::connect(&Name::namespaced("my-service.sock")?)?;
/// stream.write_all(b"ping")?;
/// let mut reply = [0; 4];
/// stream.read_exact(&mut reply)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Stream {
    pub(crate) inner: sys::Stream,
    pub(crate) origin: Origin,
}

/// Where a stream came from: its name and side, where known (for `Debug`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Origin {
    name: Option<Name>,
    side: Option<Side>,
}

/// Which end of a connection a stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Client,
    Server,
}

impl Origin {
    /// A stream connected to `name`.
    pub(crate) fn client(name: &Name) -> Self {
        Self {
            name: Some(name.clone()),
            side: Some(Side::Client),
        }
    }

    /// A stream accepted by a listener on `name`, if it has one.
    pub(crate) fn server(name: Option<&Name>) -> Self {
        Self {
            name: name.cloned(),
            side: Some(Side::Server),
        }
    }

    /// The fields every stream's `Debug` shows.
    pub(crate) fn fields(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        f.field("name", &self.name.as_ref().map(ToString::to_string))
            .field("side", &self.side);
    }
}

impl Stream {
    /// Connects to `name` with default options.
    ///
    /// # Errors
    ///
    /// As for [`ConnectOptions::connect`].
    ///
    /// # Examples
    ///
    /// See [`Stream`] and [`Listener::accept`](super::Listener::accept).
    pub fn connect(name: &Name) -> io::Result<Self> {
        ConnectOptions::new(name).connect()
    }

    /// Sets how long a read may wait; `None` waits without limit. An expired
    /// timeout fails the read with [`TimedOut`](io::ErrorKind::TimedOut) on
    /// every OS, and nothing is consumed.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{ErrorKind, Read};
    /// use std::time::Duration;
    /// use localipc::local_socket::{Listener, Name, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-timeout-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = Stream::connect(&name)?;
    /// let _server = listener.accept()?;
    /// client.set_read_timeout(Some(Duration::from_millis(50)))?;
    /// let error = client.read(&mut [0; 8]).unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "SO_RCVTIMEO")]
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_read_timeout(timeout)
    }

    /// Sets how long a write may wait for room; `None` waits without limit.
    /// An expired timeout is [`TimedOut`](io::ErrorKind::TimedOut) if nothing
    /// was written, else the write returns the count written.
    ///
    /// The timeout bounds the whole write: a reader that makes room a
    /// little at a time does not extend it (on Unix, where the kernel's own
    /// `SO_SNDTIMEO` starts again for each chunk of a large write, a write
    /// with a timeout takes the room there is and waits for more with
    /// `poll(2)`, for the time left).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use localipc::local_socket::{Listener, Name, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-wto-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let client = Stream::connect(&name)?;
    /// client.set_write_timeout(Some(Duration::from_secs(1)))?;
    /// assert_eq!(client.write_timeout()?, Some(Duration::from_secs(1)));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "SO_SNDTIMEO")]
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_write_timeout(timeout)
    }

    /// The read timeout.
    ///
    /// # Errors
    ///
    /// The OS error on Unix (`getsockopt`); none on Windows.
    ///
    /// # Examples
    ///
    /// See [`set_read_timeout`](Self::set_read_timeout).
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.inner.read_timeout()
    }

    /// The write timeout.
    ///
    /// # Errors
    ///
    /// The OS error on Unix (`getsockopt`); none on Windows.
    ///
    /// # Examples
    ///
    /// See [`set_write_timeout`](Self::set_write_timeout).
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        self.inner.write_timeout()
    }

    /// Switches nonblocking mode: reads and writes that would wait fail with
    /// [`WouldBlock`](io::ErrorKind::WouldBlock) instead.
    ///
    /// On Unix the mode belongs to the socket and so is shared with clones;
    /// on Windows it belongs to each `Stream` object.
    ///
    /// # Errors
    ///
    /// The OS error on Unix (`ioctl(FIONBIO)`); none on Windows.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{ErrorKind, Read};
    /// use localipc::local_socket::{Listener, Name, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-snb-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = Stream::connect(&name)?;
    /// let _server = listener.accept()?;
    /// client.set_nonblocking(true)?;
    /// assert_eq!(client.read(&mut [0; 4]).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }

    /// Creates a second `Stream` for the same connection.
    ///
    /// # Errors
    ///
    /// The OS error if the descriptor or handle cannot be duplicated.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use localipc::local_socket::{Listener, Name, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-clone-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let client = Stream::connect(&name)?;
    /// let mut server = listener.accept()?;
    /// let mut writer = client.try_clone()?;
    /// drop(client);
    /// writer.write_all(b"from the clone")?;
    /// let mut got = [0; 14];
    /// server.read_exact(&mut got)?;
    /// assert_eq!(&got, b"from the clone");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_clone(&self) -> io::Result<Self> {
        Ok(Self {
            inner: self.inner.try_clone()?,
            origin: self.origin.clone(),
        })
    }

    /// What the OS knows about the peer process; see [`PeerCredentials`] for
    /// which fields each OS fills, and the caveat about reused pids.
    ///
    /// # Errors
    ///
    /// The OS error of the query.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{Listener, Name, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-creds-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let _client = Stream::connect(&name)?;
    /// let server = listener.accept()?;
    /// assert_eq!(server.peer_credentials()?.pid, Some(std::process::id()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "SO_PEERCRED")]
    #[doc(alias = "getpeereid")]
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.inner.peer_credentials().map(PeerCredentials::from_sys)
    }
}

impl PeerCredentials {
    pub(crate) fn from_sys(credentials: crate::sys::Credentials) -> Self {
        Self {
            pid: credentials.pid,
            uid: credentials.uid,
            gid: credentials.gid,
        }
    }
}

impl Read for &Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.read_vectored(bufs)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.read_vectored(bufs)
    }
}

impl Write for &Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.inner.write_vectored(bufs)
    }

    /// Does nothing and succeeds: writes are not buffered by localipc.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.inner.write_vectored(bufs)
    }

    /// Does nothing and succeeds: writes are not buffered by localipc.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for Stream {
    /// The name and side where known, and the descriptor or handle:
    /// `Stream { name: Some("@app.sock"), side: Some(Server), raw: 7 }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = f.debug_struct("Stream");
        self.origin.fields(&mut fields);
        fields.field("raw", &self.inner.as_borrowed()).finish()
    }
}
