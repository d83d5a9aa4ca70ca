//! The async message sockets.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll, ready};

#[cfg(doc)]
use crate::local_socket as blocking;
use crate::local_socket::stream::Origin;
use crate::local_socket::{ConnectOptions, ListenerOptions, Name, PeerCredentials};
use crate::runtime::Runtime;
use crate::sys::reactor::local_socket as sys;

/// A message-socket server on runtime `R`: accepts [`MessageSocket`]s on
/// a [`Name`]; see the blocking
/// [`MessageListener`](blocking::MessageListener).
///
/// # Examples
///
/// ```
/// use localipc::local_socket::Name;
/// use localipc::local_socket::tokio::{MessageListener, MessageSocket};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let name = Name::namespaced(format!("localipc-doc-tokio-msg-{}.sock", std::process::id()))?;
/// let listener = MessageListener::bind(&name)?;
/// let client = MessageSocket::connect(&name).await?;
/// let server = listener.accept().await?;
/// client.send(b"one").await?;
/// client.send(b"two").await?;
/// let mut buf = [0; 16];
/// let n = server.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"one");
/// let mut whole = Vec::new();
/// server.recv_to_vec(&mut whole).await?;
/// assert_eq!(whole, b"two");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct MessageListener<R: Runtime> {
    inner: sys::MessageListener<R::Reactor>,
    name: Option<Name>,
}

impl<R: Runtime> MessageListener<R> {
    /// Binds a message listener on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for the blocking [`ListenerOptions::bind`]; on Tokio, also an error
    /// outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub fn bind(name: &Name) -> io::Result<Self> {
        Self::bind_with(&ListenerOptions::new(name))
    }

    /// Binds a message listener with `options` (the blocking
    /// module's builder; its `nonblocking` setting does not matter
    /// here).
    ///
    /// # Errors
    ///
    /// As for the blocking [`ListenerOptions::bind`]; on Tokio, also an error
    /// outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{Access, ListenerOptions, Name};
    /// use localipc::local_socket::tokio::MessageListener;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-mwith-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind_with(ListenerOptions::new(&name).access(Access::any_user()))?;
    /// assert_eq!(listener.name(), Some(&name));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind_with(options: &ListenerOptions) -> io::Result<Self> {
        super::check_context::<R>()?;
        let bound = options.bind_messages()?;
        Ok(Self {
            inner: sys::MessageListener::from_blocking(bound.inner)?,
            name: bound.name,
        })
    }

    /// Waits for a client and returns its message socket.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is taken only by the poll that
    /// returns it.
    ///
    /// # Errors
    ///
    /// As for the blocking
    /// [`MessageListener::accept`](blocking::MessageListener::accept).
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub async fn accept(&self) -> io::Result<MessageSocket<R>> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// The poll form of [`accept`](Self::accept). Only the waker of
    /// the latest call is woken.
    ///
    /// # Errors
    ///
    /// As for [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<MessageSocket<R>>> {
        let socket = ready!(self.inner.poll_accept(cx))?;
        Poll::Ready(Ok(MessageSocket {
            inner: socket,
            origin: Origin::server(self.name.as_ref()),
        }))
    }

    /// The name the listener was bound on.
    ///
    /// # Examples
    ///
    /// See [`bind_with`](Self::bind_with).
    pub fn name(&self) -> Option<&Name> {
        self.name.as_ref()
    }
}

impl<R: Runtime> fmt::Debug for MessageListener<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageListener")
            .field("name", &self.name.as_ref().map(ToString::to_string))
            .finish_non_exhaustive()
    }
}

/// A connected message socket on runtime `R`: the blocking
/// [`MessageSocket`](blocking::MessageSocket)'s messages, awaited.
///
/// Sends and receives take `&self`: one task may receive while
/// another sends. A send that must wait (a full send buffer on
/// Linux, a message larger than the pipe's buffer on Windows) waits
/// without blocking the executor.
///
/// # Cancel safety
///
/// Every method is cancel safe: a cancelled receive loses no
/// message (a message is taken only by the poll that returns it,
/// and one too long for the buffer stays queued, whole); a
/// cancelled send sent nothing, or (Windows) the whole message.
///
/// # Examples
///
/// See [`MessageListener`].
pub struct MessageSocket<R: Runtime> {
    inner: sys::MessageSocket<R::Reactor>,
    origin: Origin,
}

impl<R: Runtime> MessageSocket<R> {
    /// Connects to the message listener on `name` with default
    /// options.
    ///
    /// # Errors
    ///
    /// As for the blocking [`ConnectOptions::connect_messages`]; on Tokio, also an error
    /// outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub async fn connect(name: &Name) -> io::Result<Self> {
        Self::connect_with(&ConnectOptions::new(name)).await
    }

    /// Connects with `options` (the blocking module's builder; its
    /// `nonblocking` setting does not matter here).
    ///
    /// # Errors
    ///
    /// As for the blocking [`ConnectOptions::connect_messages`]; on Tokio, also an error
    /// outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use localipc::local_socket::{ConnectOptions, Name};
    /// use localipc::local_socket::tokio::{MessageListener, MessageSocket};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-mconn-{}.sock", std::process::id()))?;
    /// let _listener = MessageListener::bind(&name)?;
    /// let options = ConnectOptions::new(&name).timeout(Some(Duration::from_secs(5))).clone();
    /// let socket = MessageSocket::connect_with(&options).await?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect_with(options: &ConnectOptions) -> io::Result<Self> {
        crate::timeout::check(options.inner.timeout)?;
        super::check_context::<R>()?;
        let inner =
            sys::MessageSocket::<R::Reactor>::connect(options.name.resolved(), &options.inner)
                .await?;
        Ok(Self {
            inner,
            origin: Origin::client(&options.name),
        })
    }

    /// Sends `message`, all of it or nothing; see the blocking
    /// [`send`](blocking::MessageSocket::send).
    ///
    /// # Errors
    ///
    /// As for the blocking [`send`](blocking::MessageSocket::send).
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub async fn send(&self, message: &[u8]) -> io::Result<()> {
        self.send_vectored(&[io::IoSlice::new(message)]).await
    }

    /// Sends one message gathered from `bufs`, all of it or nothing.
    ///
    /// # Errors
    ///
    /// As for the blocking
    /// [`send_vectored`](blocking::MessageSocket::send_vectored).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::tokio::{MessageListener, MessageSocket};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-mvec-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let client = MessageSocket::connect(&name).await?;
    /// let server = listener.accept().await?;
    /// client.send_vectored(&[IoSlice::new(b"head:"), IoSlice::new(b"body")]).await?;
    /// let mut buf = [0; 16];
    /// let n = server.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"head:body");
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<()> {
        self.inner.send(bufs, &[]).await
    }

    /// Receives the next message into `buf`; `Ok(0)` at the end of
    /// the stream. A message longer than `buf` is a
    /// [`MessageTooLong`](blocking::MessageTooLong) error and stays
    /// queued, whole.
    ///
    /// # Errors
    ///
    /// As for the blocking [`recv`](blocking::MessageSocket::recv).
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.inner.poll_recv(cx, buf)).await
    }

    /// Receives the next message whole, replacing the contents of
    /// `buf`; `Ok(0)` at the end of the stream.
    ///
    /// # Errors
    ///
    /// As for the blocking
    /// [`recv_to_vec`](blocking::MessageSocket::recv_to_vec).
    ///
    /// # Examples
    ///
    /// See [`MessageListener`].
    pub async fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        poll_fn(|cx| self.inner.poll_recv_to_vec(cx, buf)).await
    }

    /// The most a send carries and `recv_to_vec` accepts; see the
    /// blocking
    /// [`max_message_size`](blocking::MessageSocket::max_message_size).
    ///
    /// # Errors
    ///
    /// The OS error of reading it; none is expected.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::tokio::{MessageListener, MessageSocket};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-mmax-{}.sock", std::process::id()))?;
    /// let _listener = MessageListener::bind(&name)?;
    /// let socket = MessageSocket::connect(&name).await?;
    /// socket.set_max_message_size(300_000)?;
    /// assert!(socket.max_message_size()? >= 300_000);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_message_size(&self) -> io::Result<usize> {
        self.inner.max_message_size()
    }

    /// Lets this socket send (and `recv_to_vec` accept) messages of
    /// up to `size` bytes; see the blocking
    /// [`set_max_message_size`](blocking::MessageSocket::set_max_message_size).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a size the
    /// OS does not allow.
    ///
    /// # Examples
    ///
    /// See [`max_message_size`](Self::max_message_size).
    pub fn set_max_message_size(&self, size: usize) -> io::Result<()> {
        self.inner.set_max_message_size(size)
    }

    /// What the OS says about the peer process; see
    /// [`PeerCredentials`].
    ///
    /// # Errors
    ///
    /// The OS error of the query.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::tokio::{MessageListener, MessageSocket};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-mcred-{}.sock", std::process::id()))?;
    /// let listener = MessageListener::bind(&name)?;
    /// let _client = MessageSocket::connect(&name).await?;
    /// let server = listener.accept().await?;
    /// assert_eq!(server.peer_credentials()?.pid, Some(std::process::id()));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.inner.peer_credentials().map(PeerCredentials::from_sys)
    }

    /// The backend socket, for the OS-specific trait impls.
    pub(crate) fn as_sys(&self) -> &sys::MessageSocket<R::Reactor> {
        &self.inner
    }
}

impl<R: Runtime> fmt::Debug for MessageSocket<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = f.debug_struct("MessageSocket");
        self.origin.fields(&mut fields);
        fields.field("raw", &self.inner.as_borrowed()).finish()
    }
}
