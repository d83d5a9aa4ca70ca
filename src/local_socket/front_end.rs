//! The async local-socket API, written once: [`front_end!`] defines
//! `Listener`, `Stream` and the halves of a stream, with their docs, for
//! one runtime's backend (`sys::tokio` or `sys::smol`). Each runtime's
//! module invokes it once, with the few words and doc-test lines that
//! differ, and adds its own `AsyncRead`/`AsyncWrite` impls (its binding).
//! Raw descriptor and handle impls live in `os::unix` and `os::windows`.

/// Implements `crate::poll_io`'s `PollRead` (`read:`) or `PollWrite`
/// (`write:`) for a stream or a half, through the backend stream that
/// `$stream` reaches from it.
macro_rules! stream_io {
    (read: $ty:ty, |$this:ident| $stream:expr) => {
        impl crate::poll_io::PollRead for $ty {
            fn poll_read_into(
                &mut self,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                let $this = self;
                $stream.poll_read(cx, buf)
            }
        }
    };
    (write: $ty:ty, |$this:ident| $stream:expr) => {
        impl crate::poll_io::PollWrite for $ty {
            const VECTORED: bool = true;

            fn poll_write_from(
                &mut self,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $this = self;
                $stream.poll_write(cx, buf)
            }

            fn poll_write_vectored_from(
                &mut self,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $this = self;
                $stream.poll_write_vectored(cx, bufs)
            }

            fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self;
                $stream.poll_flush(cx)
            }

            fn poll_shutdown_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self;
                $stream.poll_shutdown(cx)
            }
        }
    };
}

pub(super) use stream_io;

/// Defines the async local-socket types for one runtime. The arguments:
///
/// * `sys`: the backend module (`crate::sys::<runtime>::local_socket`);
/// * `check_context`: `fn() -> io::Result<()>`, called before creating
///   anything (Tokio's needs a runtime; smol's needs nothing);
/// * `runtime`, `module`: the runtime's name and the module's, for docs;
/// * `io`: the path of its `AsyncReadExt`/`AsyncWriteExt`;
/// * `run`: a doc-test line that opens an async block on the runtime, closed
///   by `# })?;`;
/// * `spawn`, `joined`: how a doc test spawns a task and takes its output;
/// * `shutdown`: the name of the method that ends the writing direction;
/// * `select`: what the runtime cancels futures with, for the docs;
/// * `context_error`: what creating outside the runtime does, for `# Errors`.
macro_rules! front_end {
    (
        sys: $sys:path,
        check_context: $check_context:path,
        runtime: $runtime:literal,
        module: $module:literal,
        io: $io:literal,
        run: $run:literal,
        spawn: $spawn:literal,
        joined: $joined:literal,
        shutdown: $shutdown:literal,
        select: $select:literal,
        context_error: $context_error:literal $(,)?
    ) => {
        use std::fmt;
        use std::future::poll_fn;
        use std::io;
        use std::sync::Arc;
        use std::task::{Context, Poll, ready};

        use $sys as sys;
        use super::stream::Origin;
        use super::{ConnectOptions, ListenerOptions, Name, PeerCredentials};

        #[doc = concat!("A local-socket server on ", $runtime, ": accepts [`Stream`]s on a [`Name`].")]
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
        #[doc = concat!("use localipc::local_socket::", $module, "::Listener;")]
        #[doc = concat!("use ", $io, "::{AsyncReadExt, AsyncWriteExt};")]
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
        #[doc = concat!("    ", $spawn, "(async move {")]
        ///         let mut request = [0; 4];
        ///         if stream.read_exact(&mut request).await.is_ok() {
        ///             let _ = stream.write_all(&request).await;
        ///         }
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
            #[doc = concat!("As for the blocking [`ListenerOptions::bind`]", $context_error, ".")]
            ///
            /// # Examples
            ///
            /// See the [module docs](self).
            pub fn bind(name: &Name) -> io::Result<Self> {
                Self::bind_with(&ListenerOptions::new(name))
            }

            /// Binds a listener with `options` (the blocking module's
            /// builder; its `nonblocking` setting does not matter here).
            ///
            /// # Errors
            ///
            #[doc = concat!("As for the blocking [`ListenerOptions::bind`]", $context_error, ".")]
            ///
            /// # Examples
            ///
            /// ```
            /// use localipc::local_socket::{Access, ListenerOptions, Name};
            #[doc = concat!("use localipc::local_socket::", $module, "::Listener;")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-with-{}.sock\", std::process::id()))?;")]
            /// let listener = Listener::bind_with(ListenerOptions::new(&name).access(Access::any_user()))?;
            /// assert_eq!(listener.name(), Some(&name));
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub fn bind_with(options: &ListenerOptions) -> io::Result<Self> {
                $check_context()?;
                Self::from_blocking(options.bind()?)
            }

            /// Waits for a client and returns the connected stream. Clients
            /// the access policy refuses, where the listener checks each
            /// connection, are closed unread and skipped, as by the blocking
            /// [`Listener::accept`](super::Listener::accept); a run of them
            /// makes the task yield to the executor between batches.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: a connection is taken from the OS only by the
            #[doc = concat!("poll that returns it, so dropping this future (in ", $select, ", say)")]
            /// loses no client.
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

            /// Polls for a client: the poll form of [`accept`](Self::accept),
            /// for hand-written futures. Only the waker of the latest call is
            /// woken.
            ///
            /// # Errors
            ///
            /// As for [`accept`](Self::accept).
            pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream>> {
                let stream = ready!(self.inner.poll_accept(cx))?;
                Poll::Ready(Ok(Stream {
                    inner: stream,
                    origin: Origin::server(self.name.as_ref()),
                }))
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
            #[doc = concat!("use localipc::local_socket::", $module, "::{Listener, Stream};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-incoming-{}.sock\", std::process::id()))?;")]
            /// let listener = Listener::bind(&name)?;
            /// let _client = Stream::connect(&name).await?;
            /// let mut incoming = listener.incoming();
            /// let server = incoming.next().await.expect("never ends")?;
            /// assert_eq!(server.peer_credentials()?.pid, Some(std::process::id()));
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub fn incoming(&self) -> Incoming<'_> {
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
            #[doc = concat!("use localipc::local_socket::", $module, "::{Listener, Stream};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-into-incoming-{}.sock\", std::process::id()))?;")]
            /// let mut incoming = Listener::bind(&name)?.into_incoming();
            /// let _client = Stream::connect(&name).await?;
            /// let _server: Stream = incoming.next().await.expect("never ends")?;
            /// let _listener: Listener = incoming.into_inner();
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub fn into_incoming(self) -> IntoIncoming {
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
            #[doc = concat!("If the OS refuses the change of mode or the reactor the descriptor", $context_error, ".")]
            ///
            /// # Examples
            ///
            /// ```
            /// use localipc::local_socket::{self, Name};
            #[doc = concat!("use localipc::local_socket::", $module, "::Listener;")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-conv-{}.sock\", std::process::id()))?;")]
            /// let blocking = local_socket::Listener::bind(&name)?;
            /// let listener = Listener::from_blocking(blocking)?;
            /// let blocking = listener.into_blocking()?;
            /// assert_eq!(blocking.name(), Some(&name));
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub fn from_blocking(listener: super::Listener) -> io::Result<Self> {
                $check_context()?;
                let super::Listener { inner, name } = listener;
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
            pub fn into_blocking(self) -> io::Result<super::Listener> {
                Ok(super::Listener {
                    inner: self.inner.into_blocking()?,
                    name: self.name,
                })
            }

            /// The backend listener, for the OS-specific trait impls.
            #[cfg_attr(windows, allow(dead_code, reason = "used by os::unix only"))]
            pub(crate) fn as_sys(&self) -> &sys::Listener {
                &self.inner
            }
        }

        impl fmt::Debug for Listener {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("Listener")
                    .field("name", &self.name)
                    .finish_non_exhaustive()
            }
        }

        /// The accepted connections of a borrowed [`Listener`], from
        /// [`Listener::incoming`]: a `futures-core` `Stream` that never ends.
        #[derive(Debug)]
        pub struct Incoming<'a> {
            listener: &'a Listener,
        }

        impl futures_core::Stream for Incoming<'_> {
            type Item = io::Result<Stream>;

            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<Option<Self::Item>> {
                self.listener.poll_accept(cx).map(Some)
            }
        }

        /// The accepted connections of an owned [`Listener`], from
        /// [`Listener::into_incoming`]: a `futures-core` `Stream` that never
        /// ends.
        #[derive(Debug)]
        pub struct IntoIncoming {
            listener: Listener,
        }

        impl IntoIncoming {
            /// The listener back.
            pub fn into_inner(self) -> Listener {
                self.listener
            }
        }

        impl futures_core::Stream for IntoIncoming {
            type Item = io::Result<Stream>;

            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<Option<Self::Item>> {
                self.listener.poll_accept(cx).map(Some)
            }
        }

        #[doc = concat!("A connected local socket on ", $runtime, ": a full-duplex byte stream.")]
        ///
        /// Implements `AsyncRead` and `AsyncWrite` (see the module docs). To
        /// read in one task and write in another, [`split`](Self::split) it
        /// (borrowed halves) or [`into_split`](Self::into_split) it (owned
        /// halves, which [`OwnedReadHalf::reunite`] joins again).
        ///
        /// # Ending the writing direction
        ///
        #[doc = concat!("`AsyncWriteExt::", $shutdown, "` ends the writing direction:")]
        ///
        /// * **Unix:** a real half-close (`shutdown(SHUT_WR)`): the peer
        ///   reads the end of the stream after everything written before,
        ///   and this side can go on reading.
        #[doc = concat!("* **Windows:** named pipes have no half-close. `", $shutdown, "` waits until")]
        ///   every write has been handed to the pipe, and makes later writes
        ///   fail with [`BrokenPipe`](io::ErrorKind::BrokenPipe); the peer
        ///   sees the end of the stream only when this stream (both halves,
        ///   if split) is dropped.
        ///
        /// # Examples
        ///
        /// ```no_run
        /// use localipc::local_socket::Name;
        #[doc = concat!("use localipc::local_socket::", $module, "::Stream;")]
        #[doc = concat!("use ", $io, "::{AsyncReadExt, AsyncWriteExt};")]
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
            origin: Origin,
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

            /// Connects with `options` (the blocking module's builder): a
            /// busy listener is waited for up to the options' timeout without
            /// blocking the executor, and the server is checked against the
            /// options' [`ExpectedServer`](super::ExpectedServer) before
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
            /// do not expect, `InvalidInput` for a zero timeout
            #[doc = concat!($context_error, ".")]
            ///
            /// # Examples
            ///
            /// ```
            /// use std::io::ErrorKind;
            /// use std::time::Duration;
            /// use localipc::local_socket::{ConnectOptions, Name};
            #[doc = concat!("use localipc::local_socket::", $module, "::Stream;")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-none-{}.sock\", std::process::id()))?;")]
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
                $check_context()?;
                let inner = sys::Stream::connect(options.name.resolved(), &options.inner).await?;
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
            #[doc = concat!("use localipc::local_socket::", $module, "::{Listener, Stream};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-creds-{}.sock\", std::process::id()))?;")]
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

            /// Borrowed halves, to read and write at once in one task.
            ///
            /// # Examples
            ///
            /// ```
            /// use localipc::local_socket::Name;
            #[doc = concat!("use localipc::local_socket::", $module, "::{Listener, Stream};")]
            #[doc = concat!("use ", $io, "::{AsyncReadExt, AsyncWriteExt};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-split-{}.sock\", std::process::id()))?;")]
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
            pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
                (ReadHalf(self), WriteHalf(self))
            }

            /// Owned halves, to move into separate tasks;
            /// [`OwnedReadHalf::reunite`] gives the stream back.
            ///
            /// Dropping the write half does not end the writing direction:
            #[doc = concat!("call `", $shutdown, "` on it first if the peer should see the end of the")]
            /// stream while this side goes on reading.
            ///
            /// # Examples
            ///
            /// ```
            /// use localipc::local_socket::Name;
            #[doc = concat!("use localipc::local_socket::", $module, "::{Listener, Stream};")]
            #[doc = concat!("use ", $io, "::{AsyncReadExt, AsyncWriteExt};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-owned-{}.sock\", std::process::id()))?;")]
            /// let listener = Listener::bind(&name)?;
            /// let client = Stream::connect(&name).await?;
            /// let mut server = listener.accept().await?;
            /// let (mut reader, mut writer) = client.into_split();
            #[doc = concat!("let writing = ", $spawn, "(async move {")]
            ///     writer.write_all(b"ping").await?;
            ///     Ok::<_, std::io::Error>(writer)
            /// });
            /// let mut buf = [0; 4];
            /// server.read_exact(&mut buf).await?;
            /// server.write_all(b"pong").await?;
            /// reader.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"pong");
            #[doc = concat!("let writer = writing", $joined, "?;")]
            /// let _client: Stream = reader.reunite(writer).unwrap();
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
                let shared = Arc::new(self);
                (OwnedReadHalf(Arc::clone(&shared)), OwnedWriteHalf(shared))
            }

            /// Makes a blocking stream async, whatever its nonblocking
            /// setting. Its read and write timeouts no longer apply.
            ///
            /// # Errors
            ///
            #[doc = concat!("If the OS refuses the change of mode or the reactor the descriptor", $context_error, ".")]
            ///
            /// # Examples
            ///
            /// ```
            /// use localipc::local_socket::{self, Name};
            #[doc = concat!("use localipc::local_socket::", $module, "::Stream;")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-sconv-{}.sock\", std::process::id()))?;")]
            /// let listener = local_socket::Listener::bind(&name)?;
            /// let client = Stream::from_blocking(local_socket::Stream::connect(&name)?)?;
            /// let _server = listener.accept()?;
            /// let blocking: local_socket::Stream = client.into_blocking()?;
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub fn from_blocking(stream: super::Stream) -> io::Result<Self> {
                $check_context()?;
                Ok(Self {
                    inner: sys::Stream::from_blocking(stream.inner)?,
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
            pub fn into_blocking(self) -> io::Result<super::Stream> {
                Ok(super::Stream {
                    inner: self.inner.into_blocking()?,
                    origin: self.origin,
                })
            }

            /// The backend stream, for the OS-specific trait impls.
            pub(crate) fn as_sys(&self) -> &sys::Stream {
                &self.inner
            }
        }

        impl fmt::Debug for Stream {
            /// The name and side where known, and the descriptor or handle.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut fields = f.debug_struct("Stream");
                self.origin.fields(&mut fields);
                fields.field("raw", &self.inner.as_borrowed()).finish()
            }
        }

        /// A borrowed reading half of a [`Stream`], from [`Stream::split`].
        pub struct ReadHalf<'a>(&'a Stream);

        /// A borrowed writing half of a [`Stream`], from [`Stream::split`].
        pub struct WriteHalf<'a>(&'a Stream);

        /// An owned reading half of a [`Stream`], from [`Stream::into_split`].
        pub struct OwnedReadHalf(Arc<Stream>);

        /// An owned writing half of a [`Stream`], from
        /// [`Stream::into_split`].
        ///
        /// Dropping it does not end the writing direction; see
        /// [`Stream::into_split`].
        pub struct OwnedWriteHalf(Arc<Stream>);

        impl OwnedReadHalf {
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
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<Stream, ReuniteError> {
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

        impl OwnedWriteHalf {
            /// Joins this half with its reading half into the stream they
            /// came from.
            ///
            /// # Errors
            ///
            /// [`ReuniteError`], which gives both halves back, if they come
            /// from different streams.
            pub fn reunite(self, other: OwnedReadHalf) -> Result<Stream, ReuniteError> {
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

        fn reunite(read: OwnedReadHalf, write: OwnedWriteHalf) -> Result<Stream, ReuniteError> {
            if !Arc::ptr_eq(&read.0, &write.0) {
                return Err(ReuniteError(read, write));
            }
            drop(write);
            // Two halves of one stream hold its only two references.
            Ok(Arc::into_inner(read.0).expect("the other half was just dropped"))
        }

        /// Two owned halves of different streams, given back by `reunite`.
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the halves come from different streams")
            }
        }

        impl std::error::Error for ReuniteError {}

        impl fmt::Debug for ReadHalf<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple("ReadHalf").field(&self.0).finish()
            }
        }

        impl fmt::Debug for WriteHalf<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple("WriteHalf").field(&self.0).finish()
            }
        }

        impl fmt::Debug for OwnedReadHalf {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple("OwnedReadHalf").field(&self.0).finish()
            }
        }

        impl fmt::Debug for OwnedWriteHalf {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple("OwnedWriteHalf").field(&self.0).finish()
            }
        }

        // The runtime's `AsyncRead` and `AsyncWrite` (`crate::poll_io`)
        // for the stream and its halves.
        super::front_end::stream_io!(read: Stream, |stream| &stream.inner);
        super::front_end::stream_io!(read: ReadHalf<'_>, |half| &half.0.inner);
        super::front_end::stream_io!(read: OwnedReadHalf, |half| &half.0.inner);
        super::front_end::stream_io!(write: Stream, |stream| &stream.inner);
        super::front_end::stream_io!(write: WriteHalf<'_>, |half| &half.0.inner);
        super::front_end::stream_io!(write: OwnedWriteHalf, |half| &half.0.inner);

        #[doc = concat!("A local-socket stream on ", $runtime, " that carries OS resources (descriptors, handles) along with bytes: the async [`ResourceStream`](super::ResourceStream), with the same rules for what arrives, when, and what is closed.")]
        ///
        /// Make one from a connected [`Stream`] at both ends. It reads and
        /// writes bytes like a [`Stream`] (`AsyncRead` and `AsyncWrite`),
        /// and adds [`send_with`](Self::send_with) and
        /// [`recv_with`](Self::recv_with).
        ///
        /// # Examples
        ///
        /// ```
        /// use localipc::local_socket::Name;
        #[doc = concat!("use localipc::local_socket::", $module, "::{Listener, ResourceStream, Stream};")]
        /// use localipc::resource::AsResource;
        ///
        #[doc = concat!("# ", $run)]
        #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-rs-{}.sock\", std::process::id()))?;")]
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
        pub struct ResourceStream {
            inner: sys::ResourceStream,
            origin: Origin,
        }

        impl ResourceStream {
            /// Makes a connected stream carry resources. Do the same at the
            /// other end.
            ///
            /// # Errors
            ///
            /// As for the blocking
            /// [`ResourceStream::new`](super::ResourceStream::new).
            ///
            /// # Examples
            ///
            /// See [`ResourceStream`].
            pub fn new(stream: Stream) -> io::Result<Self> {
                Ok(Self {
                    inner: sys::ResourceStream::new(stream.inner)?,
                    origin: stream.origin,
                })
            }

            /// Writes some of `bytes` (at least one) with every resource of
            /// `resources` attached; see the blocking
            /// [`send_with`](super::ResourceStream::send_with).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: dropped before it completes, it sent nothing.
            ///
            /// # Errors
            ///
            /// As for the blocking
            /// [`send_with`](super::ResourceStream::send_with).
            ///
            /// # Examples
            ///
            /// See [`ResourceStream`].
            pub async fn send_with(
                &self,
                bytes: &[u8],
                resources: &[crate::resource::BorrowedResource<'_>],
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
                resources: &[crate::resource::BorrowedResource<'_>],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_send_with(cx, bytes, resources)
            }

            /// Reads bytes into `buf` and appends the resources that came
            /// with them to `resources`; see the blocking
            /// [`recv_with`](super::ResourceStream::recv_with). `Ok(0)` is
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
            /// [`recv_with`](super::ResourceStream::recv_with).
            ///
            /// # Examples
            ///
            /// See [`ResourceStream`].
            pub async fn recv_with(
                &self,
                buf: &mut [u8],
                resources: &mut Vec<crate::resource::OwnedResource>,
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
                resources: &mut Vec<crate::resource::OwnedResource>,
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
            pub(crate) fn as_sys(&self) -> &sys::ResourceStream {
                &self.inner
            }
        }

        impl fmt::Debug for ResourceStream {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut fields = f.debug_struct("ResourceStream");
                self.origin.fields(&mut fields);
                fields.field("raw", &self.inner.as_borrowed()).finish()
            }
        }

        impl crate::poll_io::PollRead for ResourceStream {
            fn poll_read_into(
                &mut self,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_read(cx, buf)
            }
        }

        // Not vectored: a vectored write writes the first non-empty buffer.
        impl crate::poll_io::PollWrite for ResourceStream {
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

        #[doc = concat!("A message-socket server on ", $runtime, ": accepts [`MessageSocket`]s on a [`Name`]; see the blocking [`MessageListener`](super::MessageListener).")]
        ///
        /// # Examples
        ///
        /// ```
        /// use localipc::local_socket::Name;
        #[doc = concat!("use localipc::local_socket::", $module, "::{MessageListener, MessageSocket};")]
        ///
        #[doc = concat!("# ", $run)]
        #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-msg-{}.sock\", std::process::id()))?;")]
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
        #[cfg(message_sockets)]
        pub struct MessageListener {
            inner: sys::MessageListener,
            name: Option<Name>,
        }

        #[cfg(message_sockets)]
        impl MessageListener {
            /// Binds a message listener on `name` with default options.
            ///
            /// # Errors
            ///
            #[doc = concat!("As for the blocking [`ListenerOptions::bind`]", $context_error, ".")]
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
            #[doc = concat!("As for the blocking [`ListenerOptions::bind`]", $context_error, ".")]
            ///
            /// # Examples
            ///
            /// ```
            /// use localipc::local_socket::{Access, ListenerOptions, Name};
            #[doc = concat!("use localipc::local_socket::", $module, "::MessageListener;")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-mwith-{}.sock\", std::process::id()))?;")]
            /// let listener = MessageListener::bind_with(ListenerOptions::new(&name).access(Access::any_user()))?;
            /// assert_eq!(listener.name(), Some(&name));
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub fn bind_with(options: &ListenerOptions) -> io::Result<Self> {
                $check_context()?;
                let blocking = options.bind_messages()?;
                Ok(Self {
                    inner: sys::MessageListener::from_blocking(blocking.inner)?,
                    name: blocking.name,
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
            /// [`MessageListener::accept`](super::MessageListener::accept).
            ///
            /// # Examples
            ///
            /// See [`MessageListener`].
            pub async fn accept(&self) -> io::Result<MessageSocket> {
                poll_fn(|cx| self.poll_accept(cx)).await
            }

            /// The poll form of [`accept`](Self::accept). Only the waker of
            /// the latest call is woken.
            ///
            /// # Errors
            ///
            /// As for [`accept`](Self::accept).
            pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<MessageSocket>> {
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

        #[cfg(message_sockets)]
        impl fmt::Debug for MessageListener {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("MessageListener")
                    .field("name", &self.name.as_ref().map(ToString::to_string))
                    .finish_non_exhaustive()
            }
        }

        #[doc = concat!("A connected message socket on ", $runtime, ": the blocking [`MessageSocket`](super::MessageSocket)'s messages, awaited.")]
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
        #[cfg(message_sockets)]
        pub struct MessageSocket {
            inner: sys::MessageSocket,
            origin: Origin,
        }

        #[cfg(message_sockets)]
        impl MessageSocket {
            /// Connects to the message listener on `name` with default
            /// options.
            ///
            /// # Errors
            ///
            #[doc = concat!("As for the blocking [`ConnectOptions::connect_messages`]", $context_error, ".")]
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
            #[doc = concat!("As for the blocking [`ConnectOptions::connect_messages`]", $context_error, ".")]
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            /// use localipc::local_socket::{ConnectOptions, Name};
            #[doc = concat!("use localipc::local_socket::", $module, "::{MessageListener, MessageSocket};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-mconn-{}.sock\", std::process::id()))?;")]
            /// let _listener = MessageListener::bind(&name)?;
            /// let options = ConnectOptions::new(&name).timeout(Some(Duration::from_secs(5))).clone();
            /// let socket = MessageSocket::connect_with(&options).await?;
            /// # Ok::<(), std::io::Error>(())
            /// # })?;
            /// # Ok::<(), std::io::Error>(())
            /// ```
            pub async fn connect_with(options: &ConnectOptions) -> io::Result<Self> {
                crate::timeout::check(options.inner.timeout)?;
                $check_context()?;
                let inner =
                    sys::MessageSocket::connect(options.name.resolved(), &options.inner).await?;
                Ok(Self {
                    inner,
                    origin: Origin::client(&options.name),
                })
            }

            /// Sends `message`, all of it or nothing; see the blocking
            /// [`send`](super::MessageSocket::send).
            ///
            /// # Errors
            ///
            /// As for the blocking [`send`](super::MessageSocket::send).
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
            /// [`send_vectored`](super::MessageSocket::send_vectored).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::io::IoSlice;
            /// use localipc::local_socket::Name;
            #[doc = concat!("use localipc::local_socket::", $module, "::{MessageListener, MessageSocket};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-mvec-{}.sock\", std::process::id()))?;")]
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
            /// [`MessageTooLong`](super::MessageTooLong) error and stays
            /// queued, whole.
            ///
            /// # Errors
            ///
            /// As for the blocking [`recv`](super::MessageSocket::recv).
            ///
            /// # Examples
            ///
            /// See [`MessageListener`].
            pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
                poll_fn(|cx| self.inner.poll_recv(cx, buf, &mut Vec::new())).await
            }

            /// Receives the next message whole, replacing the contents of
            /// `buf`; `Ok(0)` at the end of the stream.
            ///
            /// # Errors
            ///
            /// As for the blocking
            /// [`recv_to_vec`](super::MessageSocket::recv_to_vec).
            ///
            /// # Examples
            ///
            /// See [`MessageListener`].
            pub async fn recv_to_vec(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
                poll_fn(|cx| self.inner.poll_recv_to_vec(cx, buf)).await
            }

            /// The most a send carries and `recv_to_vec` accepts; see the
            /// blocking
            /// [`max_message_size`](super::MessageSocket::max_message_size).
            ///
            /// # Errors
            ///
            /// The OS error of reading it; none is expected.
            ///
            /// # Examples
            ///
            /// ```
            /// use localipc::local_socket::Name;
            #[doc = concat!("use localipc::local_socket::", $module, "::{MessageListener, MessageSocket};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-mmax-{}.sock\", std::process::id()))?;")]
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
            /// [`set_max_message_size`](super::MessageSocket::set_max_message_size).
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
            #[doc = concat!("use localipc::local_socket::", $module, "::{MessageListener, MessageSocket};")]
            ///
            #[doc = concat!("# ", $run)]
            #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-", $module, "-mcred-{}.sock\", std::process::id()))?;")]
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
            pub(crate) fn as_sys(&self) -> &sys::MessageSocket {
                &self.inner
            }
        }

        #[cfg(message_sockets)]
        impl fmt::Debug for MessageSocket {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut fields = f.debug_struct("MessageSocket");
                self.origin.fields(&mut fields);
                fields.field("raw", &self.inner.as_borrowed()).finish()
            }
        }
    };
}

pub(super) use front_end;
