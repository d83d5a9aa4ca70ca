//! The async shared-memory stream.

use std::fmt;
use std::io;
use std::task::{Context, Poll};

use crate::local_socket::Name;
use crate::local_socket::generic::{ResourceStream, Stream};
use crate::resource::{AsResource, BorrowedResource, OwnedResource};
use crate::runtime::Runtime;
use crate::shm::ShmOptions;
use crate::shm::async_core::{AsyncChannel, BellSocket};
use crate::shm::stream::{HELLO, create_rings, open_rings, setup_error};
use crate::sys::timer::within;

#[cfg(unix)]
impl<R: Runtime> BellSocket for ResourceStream<R> {
    fn poll_bells(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_recv_with(cx, buf, &mut Vec::new())
    }

    /// Past the runtime: a nonblocking send on the descriptor.
    fn ring(&self) {
        crate::sys::shm::send_bell(self.as_sys().as_borrowed());
    }
}

#[cfg(windows)]
impl<R: Runtime> BellSocket for ResourceStream<R> {
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

async fn read_hello<R: Runtime>(
    socket: &ResourceStream<R>,
    resources: &mut Vec<OwnedResource>,
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

async fn write_hello<R: Runtime>(
    socket: &ResourceStream<R>,
    resources: &[BorrowedResource<'_>],
) -> io::Result<()> {
    let mut sent = socket.send_with(&HELLO, resources).await?;
    while sent < HELLO.len() {
        sent += socket.send_with(&HELLO[sent..], &[]).await?;
    }
    Ok(())
}

/// A shared-memory channel on runtime `R`: the async
/// [`ShmStream`](crate::shm::ShmStream), with the same set-up, the same ends
/// and the same checks of the peer.
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
/// use localipc::shm::tokio::{ShmListener, ShmStream};
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let name = Name::namespaced(format!("localipc-doc-shm-tokio-{}.sock", std::process::id()))?;
/// let listener = ShmListener::bind(&name)?;
/// let client = tokio::spawn(async move {
///     let mut stream = ShmStream::connect(&name).await?;
///     stream.write_all(b"ping").await?;
///     stream.shutdown().await?;
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
/// assert_eq!(client.await.unwrap()?, b"pong");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ShmStream<R: Runtime> {
    channel: AsyncChannel,
    socket: ResourceStream<R>,
}

impl<R: Runtime> ShmStream<R> {
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
    /// As for [`connect`](Self::connect).
    ///
    /// # Cancel safety
    ///
    /// Dropped before it ends, it leaves nothing behind: the
    /// connection closes and the memory is unmapped and freed (the
    /// server's set-up with it then fails). A new call makes a new
    /// connection.
    pub async fn connect_with(name: &Name, options: &ShmOptions) -> io::Result<Self> {
        options.checked_capacity()?;
        let stream = Stream::<R>::connect(name).await?;
        Self::offer_with(ResourceStream::new(stream)?, options).await
    }

    /// Sets up a channel over a connected resource stream whose peer
    /// accepts it; see the blocking
    /// [`ShmOptions::offer`](crate::shm::ShmOptions::offer).
    ///
    /// # Errors
    ///
    /// As for the blocking `offer`.
    ///
    /// # Cancel safety
    ///
    /// Dropped before it ends, it drops `stream` (the peer sees the
    /// connection end) and everything the set-up made; nothing
    /// leaks.
    pub async fn offer(stream: ResourceStream<R>) -> io::Result<Self> {
        Self::offer_with(stream, &ShmOptions::new()).await
    }

    /// [`offer`](Self::offer) with `options`.
    ///
    /// # Errors
    ///
    /// As for the blocking `offer`.
    ///
    /// # Cancel safety
    ///
    /// Dropped before it ends, it drops `stream` (the peer sees the
    /// connection end) and everything the set-up made; nothing
    /// leaks.
    pub async fn offer_with(stream: ResourceStream<R>, options: &ShmOptions) -> io::Result<Self> {
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
    /// As for the blocking `accept`.
    ///
    /// # Cancel safety
    ///
    /// Dropped before it ends, it drops `stream` (the peer sees the
    /// connection end) and everything the set-up made; nothing
    /// leaks.
    pub async fn accept(stream: ResourceStream<R>) -> io::Result<Self> {
        Self::accept_with(stream, &ShmOptions::new()).await
    }

    /// [`accept`](Self::accept) with `options` (their set-up timeout
    /// counts).
    ///
    /// # Errors
    ///
    /// As for the blocking `accept`.
    ///
    /// # Cancel safety
    ///
    /// Dropped before it ends, it drops `stream` (the peer sees the
    /// connection end) and everything the set-up made; nothing
    /// leaks.
    pub async fn accept_with(stream: ResourceStream<R>, options: &ShmOptions) -> io::Result<Self> {
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

impl<R: Runtime> crate::poll_io::PollRead for ShmStream<R> {
    fn poll_read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.channel.poll_read(cx, buf, &self.socket)
    }
}

/// `flush` has nothing to do; `shutdown` (`close`) ends this side's
/// writing: the peer reads what was written, then the end.
impl<R: Runtime> crate::poll_io::PollWrite for ShmStream<R> {
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

impl<R: Runtime> fmt::Debug for ShmStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShmStream")
            .field("channel", &self.channel)
            .field("socket", &self.socket)
            .finish()
    }
}
