//! The async shared-memory API, written once: [`front_end!`] defines
//! `ShmStream` and `ShmListener` for one runtime, over that runtime's
//! async local sockets (`local_socket::tokio` or `local_socket::smol`),
//! with their docs. Each runtime's module invokes it and adds its
//! `AsyncRead`/`AsyncWrite` impls.

/// Defines the async shared-memory types for one runtime. The invoking
/// module imports its runtime's async local-socket module as
/// `local_socket`. The arguments: `runtime` and `module` (names, for docs),
/// `io` (the path of its `AsyncReadExt`/`AsyncWriteExt`), `run` (a doc-test
/// line that opens an async block on the runtime, closed by `# })?;`),
/// `spawn` and `joined` (how a doc test spawns a task and takes its
/// output), `shutdown` (the method that ends writing).
macro_rules! front_end {
    (
        runtime: $runtime:literal,
        module: $module:literal,
        io: $io:literal,
        run: $run:literal,
        spawn: $spawn:literal,
        joined: $joined:literal,
        shutdown: $shutdown:literal $(,)?
    ) => {
        use std::fmt;
        use std::io;
        use std::task::{Context, Poll};

        use crate::local_socket::{ListenerOptions, Name};
        use crate::resource::AsResource;
        use crate::shm::ShmOptions;
        use crate::shm::async_core::{AsyncChannel, BellSocket};
        use crate::shm::stream::{HELLO, create_rings, open_rings, setup_error};
        use crate::sys::timer::within;

        // Bells are bare bytes on the socket: on Unix no resource rides
        // with them (any a peer sends is closed here); on Windows they go
        // outside the frames that carry handles once the set-up is done.
        #[cfg(unix)]
        impl BellSocket for local_socket::ResourceStream {
            fn poll_bells(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.poll_recv_with(cx, buf, &mut Vec::new())
            }

            /// Past the runtime: a nonblocking send on the descriptor.
            fn ring(&self) {
                crate::sys::shm::send_bell(self.as_sys().as_borrowed());
            }
        }

        #[cfg(windows)]
        impl BellSocket for local_socket::ResourceStream {
            fn poll_bells(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.poll_read_raw(cx, buf)
            }

            /// The overlapped core is the runtime's no matter which runtime
            /// runs: it answers "not now" only while the previous bell's
            /// write waits for room on the pipe, that is while the peer has
            /// bells to read. Nothing waits on this poll.
            fn ring(&self) {
                let _ = self.poll_write_raw(&mut Context::from_waker(std::task::Waker::noop()), &[1]);
            }
        }

        async fn read_hello(
            socket: &local_socket::ResourceStream,
            resources: &mut Vec<crate::resource::OwnedResource>,
        ) -> io::Result<[u8; 8]> {
            let mut hello = [0; 8];
            let mut got = 0;
            while got < hello.len() {
                match socket.recv_with(&mut hello[got..], resources).await? {
                    0 => return Err(setup_error("the peer left during the set-up")),
                    n => got += n,
                }
            }
            Ok(hello)
        }

        async fn write_hello(
            socket: &local_socket::ResourceStream,
            resources: &[crate::resource::BorrowedResource<'_>],
        ) -> io::Result<()> {
            let mut sent = socket.send_with(&HELLO, resources).await?;
            while sent < HELLO.len() {
                sent += socket.send_with(&HELLO[sent..], &[]).await?;
            }
            Ok(())
        }

        #[doc = concat!("A shared-memory channel on ", $runtime, ": the async [`ShmStream`](crate::shm::ShmStream), with the same set-up, the same ends and the same checks of the peer.")]
        ///
        /// It implements the runtime's `AsyncRead` and `AsyncWrite`. A read
        /// or write that cannot proceed does not spin: it announces its wait
        /// and awaits a bell on the socket through the runtime's reactor, so
        /// the executor is never blocked (the [`Spin`](crate::shm::Spin)
        /// setting is for blocking streams). The set-up has the blocking
        /// API's time limit ([`ShmOptions::setup_timeout`], 10 s by
        /// default), kept without the runtime's timer (a runtime built
        /// without one works): a thread of this process, started by the
        /// first limited set-up, wakes a set-up whose time is up.
        ///
        /// # Cancel safety
        ///
        /// Reads and writes are cancel safe: a poll that returns `Pending`
        /// moved no byte. Each set-up method says what a dropped set-up
        /// leaves.
        ///
        /// # Examples
        ///
        /// ```
        /// use localipc::local_socket::Name;
        #[doc = concat!("use localipc::shm::", $module, "::{ShmListener, ShmStream};")]
        #[doc = concat!("use ", $io, "::{AsyncReadExt, AsyncWriteExt};")]
        ///
        #[doc = concat!("# ", $run)]
        #[doc = concat!("let name = Name::namespaced(format!(\"localipc-doc-shm-", $module, "-{}.sock\", std::process::id()))?;")]
        /// let listener = ShmListener::bind(&name)?;
        #[doc = concat!("let client = ", $spawn, "(async move {")]
        ///     let mut stream = ShmStream::connect(&name).await?;
        ///     stream.write_all(b"ping").await?;
        #[doc = concat!("    stream.", $shutdown, "().await?;")]
        ///     let mut answer = Vec::new();
        ///     stream.read_to_end(&mut answer).await?;
        ///     Ok::<_, std::io::Error>(answer)
        /// });
        /// let mut server = listener.accept().await?;
        /// let mut request = Vec::new();
        /// server.read_to_end(&mut request).await?;
        /// assert_eq!(request, b"ping");
        /// server.write_all(b"pong").await?;
        /// drop(server);
        #[doc = concat!("assert_eq!(client", $joined, "?, b\"pong\");")]
        /// # Ok::<(), std::io::Error>(())
        /// # })?;
        /// # Ok::<(), std::io::Error>(())
        /// ```
        pub struct ShmStream {
            channel: AsyncChannel,
            socket: local_socket::ResourceStream,
        }

        impl ShmStream {
            /// Connects to a `ShmListener` on `name` with default options.
            ///
            /// # Errors
            ///
            /// As for the blocking
            /// [`ShmOptions::connect`](crate::shm::ShmOptions::connect).
            ///
            /// # Cancel safety
            ///
            /// Dropped before it ends, it leaves nothing behind: the
            /// connection closes and the memory is unmapped and freed (the
            /// server's set-up with it then fails). A new call makes a new
            /// connection.
            pub async fn connect(name: &Name) -> io::Result<Self> {
                Self::connect_with(name, &ShmOptions::new()).await
            }

            /// Connects to a `ShmListener` on `name` with `options` (its
            /// capacity and set-up timeout count; async streams do not spin).
            /// The set-up timeout bounds the exchange with the server once
            /// connected, as in the blocking API.
            ///
            /// # Errors
            ///
            /// As for [`connect`](Self::connect).            ///
            /// # Cancel safety
            ///
            /// Dropped before it ends, it leaves nothing behind: the
            /// connection closes and the memory is unmapped and freed (the
            /// server's set-up with it then fails). A new call makes a new
            /// connection.
            pub async fn connect_with(name: &Name, options: &ShmOptions) -> io::Result<Self> {
                options.checked_capacity()?;
                let stream = local_socket::Stream::connect(name).await?;
                Self::offer_with(local_socket::ResourceStream::new(stream)?, options).await
            }

            /// Sets up a channel over a connected resource stream whose peer
            /// accepts it; see the blocking
            /// [`ShmOptions::offer`](crate::shm::ShmOptions::offer).
            ///
            /// # Errors
            ///
            /// As for the blocking `offer`.            ///
            /// # Cancel safety
            ///
            /// Dropped before it ends, it drops `stream` (the peer sees the
            /// connection end) and everything the set-up made; nothing
            /// leaks.
            pub async fn offer(stream: local_socket::ResourceStream) -> io::Result<Self> {
                Self::offer_with(stream, &ShmOptions::new()).await
            }

            /// [`offer`](Self::offer) with `options`.
            ///
            /// # Errors
            ///
            /// As for the blocking `offer`.            ///
            /// # Cancel safety
            ///
            /// Dropped before it ends, it drops `stream` (the peer sees the
            /// connection end) and everything the set-up made; nothing
            /// leaks.
            pub async fn offer_with(
                stream: local_socket::ResourceStream,
                options: &ShmOptions,
            ) -> io::Result<Self> {
                let (resource, rings) = create_rings(options)?;
                within(options.setup_timeout, async {
                    write_hello(&stream, &[resource.as_resource()]).await?;
                    drop(resource);
                    let mut stray = Vec::new();
                    let answer = read_hello(&stream, &mut stray).await?;
                    if answer != HELLO || !stray.is_empty() {
                        return Err(setup_error("the peer did not accept the memory"));
                    }
                    Ok(())
                })
                .await?;
                Ok(Self {
                    channel: AsyncChannel::new(rings),
                    socket: stream,
                })
            }

            /// Sets up a channel over a connected resource stream whose peer
            /// offers it, with default options; see the blocking
            /// [`ShmOptions::accept`](crate::shm::ShmOptions::accept).
            ///
            /// # Errors
            ///
            /// As for the blocking `accept`.            ///
            /// # Cancel safety
            ///
            /// Dropped before it ends, it drops `stream` (the peer sees the
            /// connection end) and everything the set-up made; nothing
            /// leaks.
            pub async fn accept(stream: local_socket::ResourceStream) -> io::Result<Self> {
                Self::accept_with(stream, &ShmOptions::new()).await
            }

            /// [`accept`](Self::accept) with `options` (their set-up timeout
            /// counts).
            ///
            /// # Errors
            ///
            /// As for the blocking `accept`.            ///
            /// # Cancel safety
            ///
            /// Dropped before it ends, it drops `stream` (the peer sees the
            /// connection end) and everything the set-up made; nothing
            /// leaks.
            pub async fn accept_with(
                stream: local_socket::ResourceStream,
                options: &ShmOptions,
            ) -> io::Result<Self> {
                // Before any wait, as in the blocking `accept`.
                crate::sys::shm::check_support()?;
                let rings = within(options.setup_timeout, async {
                    let mut resources = Vec::new();
                    let hello = read_hello(&stream, &mut resources).await?;
                    let rings = open_rings(&hello, resources)?;
                    write_hello(&stream, &[]).await?;
                    Ok(rings)
                })
                .await?;
                Ok(Self {
                    channel: AsyncChannel::new(rings),
                    socket: stream,
                })
            }

            /// The capacity of each of the two rings, in bytes.
            pub fn capacity(&self) -> usize {
                self.channel.capacity()
            }

            /// What the OS says about the peer process; see
            /// [`PeerCredentials`](crate::local_socket::PeerCredentials).
            ///
            /// # Errors
            ///
            /// The OS error of the query.
            pub fn peer_credentials(&self) -> io::Result<crate::local_socket::PeerCredentials> {
                self.socket.peer_credentials()
            }

        }

        impl crate::poll_io::PollRead for ShmStream {
            fn poll_read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.channel.poll_read(cx, buf, &self.socket)
            }
        }

        /// `flush` has nothing to do; `shutdown` (`close`) ends this side's
        /// writing: the peer reads what was written, then the end.
        impl crate::poll_io::PollWrite for ShmStream {
            fn poll_write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.channel.poll_write(cx, buf, &self.socket)
            }

            fn poll_flush_out(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown_out(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.channel.shutdown(&self.socket);
                Poll::Ready(Ok(()))
            }
        }

        impl fmt::Debug for ShmStream {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("ShmStream")
                    .field("channel", &self.channel)
                    .field("socket", &self.socket)
                    .finish()
            }
        }

        #[doc = concat!("A server of shared-memory channels on ", $runtime, ": the async [`ShmListener`](crate::shm::ShmListener).")]
        ///
        /// [`accept`](Self::accept) runs the set-up with each client in
        /// turn: a client that stalls its set-up holds it up to the set-up
        /// timeout (10 s unless [`setup_timeout`](Self::setup_timeout) says
        /// otherwise), then `accept` fails with
        /// [`TimedOut`](io::ErrorKind::TimedOut) and the next call serves the
        /// next client. To serve clients you do not trust to be quick without
        /// that wait, accept local-socket streams and run
        /// [`ShmStream::accept`] in a task of its own for each.
        ///
        /// # Examples
        ///
        /// See [`ShmStream`].
        pub struct ShmListener {
            listener: local_socket::Listener,
            options: ShmOptions,
            /// The set-up with a client that an `accept` dropped before it
            /// ended had accepted: the next call goes on with it.
            setup: std::sync::Mutex<Option<Setup>>,
        }

        type Setup = std::pin::Pin<Box<dyn std::future::Future<Output = io::Result<ShmStream>> + Send>>;

        impl fmt::Debug for ShmListener {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let setting_up = self.lock_setup().is_some();
                f.debug_struct("ShmListener")
                    .field("listener", &self.listener)
                    .field("options", &self.options)
                    .field("setting_up", &setting_up)
                    .finish()
            }
        }

        impl ShmListener {
            /// Listens on `name` with default options.
            ///
            /// # Errors
            ///
            #[doc = concat!("As for the async [`Listener::bind`](crate::local_socket::", $module, "::Listener::bind).")]
            pub fn bind(name: &Name) -> io::Result<Self> {
                Ok(Self::from_listener(local_socket::Listener::bind(name)?))
            }

            /// Listens with `listener` options (name, access policy). The
            /// ring capacity is the client's choice; async streams do not
            /// spin; so there are no channel options here.
            ///
            /// # Errors
            ///
            /// As for [`bind`](Self::bind).
            pub fn bind_with(listener: &ListenerOptions) -> io::Result<Self> {
                Ok(Self::from_listener(local_socket::Listener::bind_with(listener)?))
            }

            /// Serves channels on a listener that exists.
            pub fn from_listener(listener: local_socket::Listener) -> Self {
                Self {
                    listener,
                    options: ShmOptions::new(),
                    setup: std::sync::Mutex::new(None),
                }
            }

            /// How long the set-up with one client may take (`None`: no
            /// limit; 10 s by default).
            #[must_use]
            pub fn setup_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
                self.options.setup_timeout(timeout);
                self
            }

            /// Accepts a client and sets up the channel with it.
            ///
            /// # Errors
            ///
            /// As for the async listener's `accept` and
            /// [`ShmStream::accept`]; [`TimedOut`](io::ErrorKind::TimedOut)
            /// if the client does not finish the set-up in time (the
            /// listener serves the next client on the next call).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: a client that a dropped `accept` had accepted
            /// stays with the listener, and the next call goes on with its
            /// set-up where the dropped one left it (its set-up timeout runs
            /// from the first call). Accept from one task at a time: only the
            /// latest call's task is woken.
            pub async fn accept(&self) -> io::Result<ShmStream> {
                std::future::poll_fn(|cx| self.poll_accept(cx)).await
            }

            fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<ShmStream>> {
                let mut setup = self.lock_setup();
                loop {
                    if let Some(running) = setup.as_mut() {
                        let done = std::task::ready!(running.as_mut().poll(cx));
                        *setup = None;
                        return Poll::Ready(done);
                    }
                    let stream = std::task::ready!(self.listener.poll_accept(cx))?;
                    let stream = local_socket::ResourceStream::new(stream)?;
                    let options = self.options.clone();
                    *setup = Some(Box::pin(async move { ShmStream::accept_with(stream, &options).await }));
                }
            }

            fn lock_setup(&self) -> std::sync::MutexGuard<'_, Option<Setup>> {
                self.setup
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            }
        }
    };
}

pub(crate) use front_end;
