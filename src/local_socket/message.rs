//! Message local sockets: connection-oriented, reliable, ordered messages
//! with their boundaries kept.

use std::fmt;
use std::io::{self, IoSlice};
use std::time::Duration;

use super::stream::Origin;
use super::{ConnectOptions, ListenerOptions, Name, PeerCredentials};
use crate::sys::local_socket as sys;
use crate::sys::message_socket as msys;

/// A listener for [`MessageSocket`]s: bound like a stream [`Listener`]
/// (the same names, options and access policies), but its clients connect
/// with [`MessageSocket::connect`]. A name belongs to one kind of
/// listener: a stream listener cannot bind its name while it listens, a
/// stream client cannot connect to it, nor a message client to a stream
/// listener (see the [module docs](crate::local_socket#a-name-belongs-to-one-kind-of-listener)).
///
/// Make one with [`MessageListener::bind`] or
/// [`ListenerOptions::bind_messages`].
///
/// [`Listener`]: super::Listener
///
/// # Examples
///
/// ```
/// use localipc::local_socket::{MessageListener, MessageSocket, Name};
///
/// let name = Name::namespaced(format!("localipc-doc-mlisten-{}.sock", std::process::id()))?;
/// let listener = MessageListener::bind(&name)?;
/// let client = MessageSocket::connect(&name)?;
/// let server = listener.accept()?;
/// client.send(b"one")?;
/// client.send(b"two")?;
/// let mut buf = [0; 16];
/// let n = server.recv(&mut buf)?;
/// assert_eq!(&buf[..n], b"one"); // boundaries are kept
/// let n = server.recv(&mut buf)?;
/// assert_eq!(&buf[..n], b"two");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct MessageListener {
    pub(crate) inner: sys::Listener,
    pub(crate) name: Option<Name>,
}

impl MessageListener {
    /// Binds a message listener on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for [`ListenerOptions::bind`].
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub fn bind(name: &Name) -> io::Result<Self> {
        ListenerOptions::new(name).bind_messages()
    }

    /// Waits for a client and returns its connected message socket
    /// (blocking, whatever the listener's mode), admitting clients as
    /// [`Listener::accept`](super::Listener::accept) does.
    ///
    /// # Errors
    ///
    /// As for [`Listener::accept`](super::Listener::accept).
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub fn accept(&self) -> io::Result<MessageSocket> {
        Ok(MessageSocket {
            inner: self.inner.accept_messages()?,
            origin: Origin::server(self.name.as_ref()),
        })
    }

    /// Turns nonblocking accepts on or off, as
    /// [`Listener::set_nonblocking`](super::Listener::set_nonblocking).
    ///
    /// # Errors
    ///
    /// The OS error; none is expected.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::local_socket::{MessageListener, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mnb-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// listener.set_nonblocking(true)?;
    /// assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }

    /// The name the listener was bound on.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{MessageListener, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mname-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// assert_eq!(listener.name(), Some(&name));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn name(&self) -> Option<&Name> {
        self.name.as_ref()
    }
}

impl fmt::Debug for MessageListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageListener")
            .field("name", &self.name.as_ref().map(ToString::to_string))
            .finish_non_exhaustive()
    }
}

/// A connected message local socket: reliable, ordered messages whose
/// boundaries are kept, on every OS.
///
/// * [`send`](Self::send) sends one message, all of it or nothing;
///   [`send_vectored`](Self::send_vectored) gathers one message from
///   several buffers. An empty message is refused
///   ([`InvalidInput`](io::ErrorKind::InvalidInput)): on Linux it could
///   not be told from the end of the stream, so no OS sends one.
/// * [`recv`](Self::recv) receives one whole message. One larger than the
///   buffer is an error ([`MessageTooLong`](super::MessageTooLong)) and stays queued, whole: a
///   message is never cut. [`recv_to_vec`](Self::recv_to_vec) receives a
///   message of any size up to the limit.
/// * `Ok(0)` from a receive is the end of the stream: the peer closed. A
///   send after that is [`BrokenPipe`](io::ErrorKind::BrokenPipe).
/// * Timeouts, nonblocking mode and peer credentials behave as for
///   [`Stream`](super::Stream).
///
/// # The largest message
///
/// [`max_message_size`](Self::max_message_size) is the most a send
/// carries and the most `recv_to_vec` accepts; a longer send is
/// [`InvalidInput`](io::ErrorKind::InvalidInput) and sends nothing.
///
/// | OS | how | default | settable |
/// | --- | --- | --- | --- |
/// | Linux, Android | `SOCK_SEQPACKET`; the send buffer (`SO_SNDBUF`) less 32 bytes | 212,960 bytes (`net.core.wmem_default`) | up to twice `net.core.wmem_max`, less 32 |
/// | FreeBSD, NetBSD, OpenBSD, DragonFly | `SOCK_SEQPACKET`; the send buffer (`SO_SNDBUF`) | the system's | up to its limit |
/// | macOS, iOS and the other Apple systems | frames over `SOCK_STREAM`; localipc's own limit | 1 MiB | up to 4 GiB − 1 |
/// | Windows | message-mode named pipes; localipc's own limit | 1 MiB | up to 4 GiB − 1 |
///
/// A message waits in the OS until the peer receives it. On Linux a send
/// waits while the send buffer is full (of messages not yet received); on
/// Windows a send of a message larger than the pipe's buffer (64 KiB)
/// waits until the peer has received it. The async sends wait without
/// blocking the executor.
///
/// A receive is one system call (none for a message an earlier receive
/// reported too long). It takes the next message off the OS's queue
/// whatever its size, so one longer than the buffer is kept by this
/// socket, whole, for the next receive: receive again (with a larger
/// buffer, or [`recv_to_vec`](Self::recv_to_vec)) rather than wait for the
/// socket to poll readable, which it does not for that message. A message
/// longer than both the buffer and
/// [`max_message_size`](Self::max_message_size) is not kept: it is
/// discarded, with the resources that came with it, and the receive fails
/// with [`InvalidData`](io::ErrorKind::InvalidData), as `recv_to_vec`
/// does. Receives from several threads at once each get whole messages.
///
/// # Platform-specific behavior
///
/// * **Linux, Android:** `SOCK_SEQPACKET`; a receive is one `recvmsg(2)`
///   into the buffer and, past it, a scratch buffer of the thread's that
///   makes room for the largest message.
/// * **The BSDs:** as on Linux; a discarded message's length is not known,
///   only that it was longer than the largest (CI runs this code on
///   Linux).
/// * **Apple systems,** which have no `SOCK_SEQPACKET` for Unix sockets:
///   frames over `SOCK_STREAM` (a hello, then a 4-byte length before each
///   message), which only localipc speaks; a stream client and a message
///   listener (or the reverse) connect, and the message side's first
///   receive fails with [`InvalidData`](io::ErrorKind::InvalidData). A
///   frame the socket takes only in part goes whole before anything else:
///   a blocking send waits for it (its write timeout expiring inside a
///   message ends the socket's sending side, so the peer never takes a
///   part for a message); a nonblocking or async one is finished by the
///   next send. CI runs this code on Linux.
/// * **Windows:** message-mode named pipes.
///
/// On Unix a peer that is not localipc may send an empty message (on
/// `SOCK_SEQPACKET`), which reads as the end of the stream.
///
/// # Examples
///
/// See [`MessageListener`].
pub struct MessageSocket {
    pub(crate) inner: msys::MessageSocket,
    pub(crate) origin: Origin,
}

impl MessageSocket {
    /// Connects to the message listener on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for [`ConnectOptions::connect_messages`].
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub fn connect(name: &Name) -> io::Result<Self> {
        ConnectOptions::new(name).connect_messages()
    }

    /// Sends `message`, all of it or nothing.
    ///
    /// # Errors
    ///
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for an empty message
    ///   or one longer than [`max_message_size`](Self::max_message_size).
    /// * [`BrokenPipe`](io::ErrorKind::BrokenPipe) if the peer is gone.
    /// * [`TimedOut`](io::ErrorKind::TimedOut) or
    ///   [`WouldBlock`](io::ErrorKind::WouldBlock) if it could not go in
    ///   time; nothing was sent then.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-msend-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// let _server = listener.accept()?;
    /// client.send(b"hello")?;
    /// assert_eq!(client.send(b"").unwrap_err().kind(), ErrorKind::InvalidInput);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline(always)]
    pub fn send(&self, message: &[u8]) -> io::Result<()> {
        self.inner.send(&[IoSlice::new(message)], &[])
    }

    /// Sends one message gathered from `bufs`, all of it or nothing.
    ///
    /// # Errors
    ///
    /// As for [`send`](Self::send); also
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for more than 1024
    /// buffers.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mvec-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// let server = listener.accept()?;
    /// client.send_vectored(&[IoSlice::new(b"head:"), IoSlice::new(b"body")])?;
    /// let mut buf = [0; 16];
    /// let n = server.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"head:body");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline(always)]
    pub fn send_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<()> {
        self.inner.send(bufs, &[])
    }

    /// Receives the next message into `buf` and returns its length; `Ok(0)`
    /// at the end of the stream.
    ///
    /// # Errors
    ///
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) with a
    ///   [`MessageTooLong`](super::MessageTooLong) if the message is longer than `buf`: it stays
    ///   queued, whole, for the next receive (see [`MessageSocket`]).
    /// * [`TimedOut`](io::ErrorKind::TimedOut) or
    ///   [`WouldBlock`](io::ErrorKind::WouldBlock) if none came in time.
    /// * [`InvalidData`](io::ErrorKind::InvalidData) for a message longer
    ///   than `buf` and than [`max_message_size`](Self::max_message_size),
    ///   which is discarded (the peer allows itself larger ones than this
    ///   socket).
    ///
    /// # Examples
    ///
    /// See [`MessageListener`] and [`MessageTooLong`](crate::local_socket::MessageTooLong).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.recv_bytes(buf)
    }

    /// Receives the next message whole, replacing the contents of `buf`
    /// (which grows as needed), and returns its length; `Ok(0)` at the end
    /// of the stream.
    ///
    /// # Errors
    ///
    /// As for [`recv`](Self::recv), and
    /// [`InvalidData`](io::ErrorKind::InvalidData) for a message longer
    /// than [`max_message_size`](Self::max_message_size), which is
    /// discarded (the peer allows itself larger ones than this socket).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mvec2-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// let server = listener.accept()?;
    /// // Sent from a thread of its own: on Windows a message larger than the
    /// // pipe's buffer waits until it is received.
    /// std::thread::scope(|scope| {
    ///     let sender = scope.spawn(|| client.send(&[7; 100_000]));
    ///     let mut message = Vec::new();
    ///     assert_eq!(server.recv_to_vec(&mut message)?, 100_000);
    ///     assert!(message.iter().all(|&byte| byte == 7));
    ///     sender.join().unwrap()
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.inner.recv_to_vec(buf)
    }

    /// The most a send carries and `recv_to_vec` accepts, in bytes (see
    /// [`MessageSocket`]).
    ///
    /// # Errors
    ///
    /// The OS error of reading it; none is expected.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mmax-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// client.set_max_message_size(300_000)?;
    /// assert!(client.max_message_size()? >= 300_000);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_message_size(&self) -> io::Result<usize> {
        self.inner.max_message_size()
    }

    /// Lets this socket send (and `recv_to_vec` accept) messages of up to
    /// `size` bytes, or more where the OS rounds up.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a size the OS does
    /// not allow (the message says the most it allows).
    ///
    /// # Examples
    ///
    /// See [`max_message_size`](Self::max_message_size).
    #[doc(alias = "SO_SNDBUF")]
    pub fn set_max_message_size(&self, size: usize) -> io::Result<()> {
        self.inner.set_max_message_size(size)
    }

    /// Sets how long a receive may wait, as
    /// [`Stream::set_read_timeout`](super::Stream::set_read_timeout). The
    /// timeout bounds the whole receive: a signal that interrupts its wait
    /// (Unix) or a framed message that arrives in pieces (Apple systems)
    /// does not start it again.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use std::time::Duration;
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mto-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// let _server = listener.accept()?;
    /// client.set_read_timeout(Some(Duration::from_millis(50)))?;
    /// assert!(client.read_timeout()?.is_some()); // as the OS rounds it
    /// assert_eq!(client.recv(&mut [0; 8]).unwrap_err().kind(), ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_read_timeout(timeout)
    }

    /// Sets how long a send may wait, as
    /// [`Stream::set_write_timeout`](super::Stream::set_write_timeout).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mwto-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// client.set_write_timeout(Some(Duration::from_secs(1)))?;
    /// assert_eq!(client.write_timeout()?, Some(Duration::from_secs(1)));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        crate::timeout::check(timeout)?;
        self.inner.set_write_timeout(timeout)
    }

    /// The receive timeout.
    ///
    /// # Errors
    ///
    /// The OS error of reading it; none is expected.
    ///
    /// # Examples
    ///
    /// See [`set_read_timeout`](Self::set_read_timeout).
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.inner.read_timeout()
    }

    /// The send timeout.
    ///
    /// # Errors
    ///
    /// The OS error of reading it; none is expected.
    ///
    /// # Examples
    ///
    /// See [`set_write_timeout`](Self::set_write_timeout).
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        self.inner.write_timeout()
    }

    /// Turns nonblocking mode on or off: a receive with no message waiting,
    /// and a send that cannot go at once, fail with
    /// [`WouldBlock`](io::ErrorKind::WouldBlock).
    ///
    /// # Errors
    ///
    /// The OS error; none is expected.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mnbs-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name)?;
    /// let _server = listener.accept()?;
    /// client.set_nonblocking(true)?;
    /// assert_eq!(client.recv(&mut [0; 8]).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }

    /// What the OS says about the peer process, as
    /// [`Stream::peer_credentials`](super::Stream::peer_credentials).
    ///
    /// # Errors
    ///
    /// The OS error of the query.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{MessageListener, MessageSocket, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mcred-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let _client = MessageSocket::connect(&name)?;
    /// let server = listener.accept()?;
    /// assert_eq!(server.peer_credentials()?.pid, Some(std::process::id()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.inner.peer_credentials().map(PeerCredentials::from_sys)
    }

    /// The backend socket, for the OS-specific trait impls.
    pub(crate) fn as_sys(&self) -> &msys::MessageSocket {
        &self.inner
    }
}

impl fmt::Debug for MessageSocket {
    /// The name and side where known, and the descriptor or handle.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = f.debug_struct("MessageSocket");
        self.origin.fields(&mut fields);
        fields.field("raw", &self.inner.as_borrowed()).finish()
    }
}

impl ListenerOptions {
    /// Binds a [`MessageListener`] with these options.
    ///
    /// # Errors
    ///
    /// As for [`bind`](Self::bind).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{Access, ListenerOptions, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mopts-{}.sock", std::process::id()))?;
    /// let listener = ListenerOptions::new(&name)
    ///     .access(Access::current_user())
    ///     .bind_messages()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind_messages(&self) -> io::Result<MessageListener> {
        let inner = msys::bind(self.name.resolved(), &self.inner)?;
        Ok(MessageListener {
            inner,
            name: Some(self.name.clone()),
        })
    }
}

impl ConnectOptions {
    /// Connects a [`MessageSocket`] with these options.
    ///
    /// # Errors
    ///
    /// As for [`connect`](Self::connect); also
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) if a stream listener
    /// has the name.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use localipc::local_socket::{ConnectOptions, MessageListener, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-mconn-{}.sock", std::process::id()))?;
    /// let _listener = MessageListener::bind(&name)?;
    /// let socket = ConnectOptions::new(&name)
    ///     .timeout(Some(Duration::from_secs(1)))
    ///     .connect_messages()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn connect_messages(&self) -> io::Result<MessageSocket> {
        crate::timeout::check(self.inner.timeout)?;
        let inner = msys::connect(self.name.resolved(), &self.inner)?;
        Ok(MessageSocket {
            inner,
            origin: Origin::client(&self.name),
        })
    }
}
