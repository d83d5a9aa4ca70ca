//! The async listener and its streams of connections.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll, ready};

use super::Stream;
use crate::local_socket::stream::Origin;
use crate::local_socket::{self as blocking, ListenerOptions, Name};
use crate::runtime::Runtime;
use crate::sys::reactor::local_socket as sys;

/// A local-socket server on runtime `R`: accepts [`Stream`]s on a [`Name`].
///
/// Dropping the listener stops accepting; on Unix it also removes its
/// socket file, if that file is still the one it created.
///
/// # Examples
///
/// An accept loop that serves each client in its own task:
///
/// ```no_run
/// use localipc::local_socket::Name;
/// use localipc::local_socket::tokio::Listener;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
///     tokio::spawn(async move {
///         let mut request = [0; 4];
///         if stream.read_exact(&mut request).await.is_ok() {
///             let _ = stream.write_all(&request).await;
///         }
///     });
/// }
/// # }
/// ```
pub struct Listener<R: Runtime> {
    inner: sys::Listener<R::Reactor>,
    name: Option<Name>,
}

impl<R: Runtime> Listener<R> {
    /// Binds a listener on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for the blocking [`ListenerOptions::bind`]; on Tokio, also an error
    /// outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// See [`Listener`].
    pub fn bind(name: &Name) -> io::Result<Self> {
        Self::bind_with(&ListenerOptions::new(name))
    }

    /// Binds a listener with `options` (the blocking module's
    /// builder; its `nonblocking` setting does not matter here).
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
    /// use localipc::local_socket::tokio::Listener;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-with-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind_with(ListenerOptions::new(&name).access(Access::any_user()))?;
    /// assert_eq!(listener.name(), Some(&name));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind_with(options: &ListenerOptions) -> io::Result<Self> {
        super::check_context::<R>()?;
        Self::from_blocking(options.bind()?)
    }

    /// Waits for a client and returns the connected stream. Clients
    /// the access policy refuses, where the listener checks each
    /// connection, are closed unread and skipped, as by the blocking
    /// [`Listener::accept`](blocking::Listener::accept); a run of them
    /// makes the task yield to the executor between batches.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is taken from the OS only by the
    /// poll that returns it, so dropping this future (in `tokio::select!` or
    /// `futures_lite::future::race`, say)
    /// loses no client.
    ///
    /// # Errors
    ///
    /// The OS error; the listener stays usable.
    ///
    /// # Examples
    ///
    /// See [`Listener`].
    pub async fn accept(&self) -> io::Result<Stream<R>> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a client: the poll form of [`accept`](Self::accept),
    /// for hand-written futures. Only the waker of the latest call is
    /// woken.
    ///
    /// # Errors
    ///
    /// As for [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream<R>>> {
        let stream = ready!(self.inner.poll_accept(cx))?;
        Poll::Ready(Ok(Stream::from_parts(
            stream,
            Origin::server(self.name.as_ref()),
        )))
    }

    /// The accepted connections as a stream (the `futures-core`
    /// `Stream` trait, which `futures`, `tokio-stream` and servers
    /// such as tonic's `serve_with_incoming` take), borrowing the
    /// listener; [`into_incoming`](Self::into_incoming) owns it. It
    /// never ends: an error is yielded and the next item is the next
    /// connection.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`accept`](Self::accept): a connection is taken
    /// only by the poll that yields it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::tokio::{Listener, Stream};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-incoming-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let _client = Stream::connect(&name).await?;
    /// let mut incoming = listener.incoming();
    /// let server = incoming.next().await.expect("never ends")?;
    /// assert_eq!(server.peer_credentials()?.pid, Some(std::process::id()));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn incoming(&self) -> Incoming<'_, R> {
        Incoming { listener: self }
    }

    /// The accepted connections as a stream that owns the listener,
    /// for APIs that want a `'static` stream; otherwise as
    /// [`incoming`](Self::incoming).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use localipc::local_socket::Name;
    /// use localipc::local_socket::tokio::{Listener, Stream};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-into-incoming-{}.sock", std::process::id()))?;
    /// let mut incoming = Listener::bind(&name)?.into_incoming();
    /// let _client = Stream::connect(&name).await?;
    /// let _server: Stream = incoming.next().await.expect("never ends")?;
    /// let _listener: Listener = incoming.into_inner();
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_incoming(self) -> IntoIncoming<R> {
        IntoIncoming { listener: self }
    }

    /// The name this listener was bound to; `None` if it was made
    /// from a raw listener whose name is unknown.
    pub fn name(&self) -> Option<&Name> {
        self.name.as_ref()
    }

    /// Makes a blocking listener async, whatever its nonblocking
    /// setting.
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
    /// use localipc::local_socket::tokio::Listener;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let name = Name::namespaced(format!("localipc-doc-tokio-conv-{}.sock", std::process::id()))?;
    /// let blocking = local_socket::Listener::bind(&name)?;
    /// let listener = Listener::from_blocking(blocking)?;
    /// let blocking = listener.into_blocking()?;
    /// assert_eq!(blocking.name(), Some(&name));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
        let blocking::Listener { inner, name } = listener;
        Ok(Self {
            inner: sys::Listener::from_blocking(inner)?,
            name,
        })
    }

    /// Makes this listener blocking again (blocking `accept`).
    /// Nothing is lost: clients waiting to be accepted stay waiting.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<blocking::Listener> {
        Ok(blocking::Listener {
            inner: self.inner.into_blocking()?,
            name: self.name,
        })
    }

    /// The backend listener, for the OS-specific trait impls.
    #[cfg_attr(windows, allow(dead_code, reason = "used by os::unix only"))]
    pub(crate) fn as_sys(&self) -> &sys::Listener<R::Reactor> {
        &self.inner
    }
}

impl<R: Runtime> fmt::Debug for Listener<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The accepted connections of a borrowed [`Listener`], from
/// [`Listener::incoming`]: a `futures-core` `Stream` that never ends.
#[derive(Debug)]
pub struct Incoming<'a, R: Runtime> {
    listener: &'a Listener<R>,
}

impl<R: Runtime> futures_core::Stream for Incoming<'_, R> {
    type Item = io::Result<Stream<R>>;

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener.poll_accept(cx).map(Some)
    }
}

/// The accepted connections of an owned [`Listener`], from
/// [`Listener::into_incoming`]: a `futures-core` `Stream` that never
/// ends.
#[derive(Debug)]
pub struct IntoIncoming<R: Runtime> {
    listener: Listener<R>,
}

impl<R: Runtime> IntoIncoming<R> {
    /// The listener back.
    pub fn into_inner(self) -> Listener<R> {
        self.listener
    }
}

impl<R: Runtime> futures_core::Stream for IntoIncoming<R> {
    type Item = io::Result<Stream<R>>;

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener.poll_accept(cx).map(Some)
    }
}
