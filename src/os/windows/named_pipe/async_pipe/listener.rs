//! The async listener: instances waiting for clients, connected ones
//! handed out as async streams.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use super::stream::Stream;
use crate::os::windows::named_pipe::listener::{self as blocking, ListenerOptions};
use crate::sys::aio as sys;

/// The server side of an async named pipe: keeps instances waiting for
/// clients and hands out the connected ones.
///
/// Created from the same [`ListenerOptions`] as the blocking listener (mode,
/// direction, instance limit, buffer sizes, ready instances, security
/// descriptor); its `nonblocking` setting does not apply.
///
/// # Examples
///
/// An accept loop that serves each client in its own task (the next instance
/// is waiting before a connected one is handed out, so no client is refused):
///
#[cfg_attr(feature = "smol", doc = "```no_run")]
#[cfg_attr(not(feature = "smol"), doc = "```ignore")]
/// use localipc::os::windows::named_pipe::ListenerOptions;
/// use localipc::os::windows::named_pipe::smol::Listener;
/// use smol::io::AsyncWriteExt;
///
/// # async fn serve() -> std::io::Result<()> {
/// let listener = Listener::create(&ListenerOptions::new(r"\\.\pipe\my-service"))?;
/// loop {
///     let mut stream = listener.accept().await?;
///     smol::spawn(async move {
///         let _ = stream.write_all(b"hello").await;
///     });
/// }
/// # }
/// ```
pub struct Listener {
    inner: sys::Listener,
}

impl Listener {
    /// Checks the options, claims the name and starts waiting for clients,
    /// as [`ListenerOptions::create`] does.
    ///
    /// This needs no executor: it only creates the pipe instances.
    ///
    /// # Errors
    ///
    /// As for [`ListenerOptions::create`].
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use localipc::os::windows::named_pipe::{ListenerOptions, PipeMode};
    /// use localipc::os::windows::named_pipe::smol::Listener;
    ///
    /// let path = format!(r"\\.\pipe\localipc-doc-smol-create-{}", std::process::id());
    /// let listener = Listener::create(ListenerOptions::new(&path).mode(PipeMode::Messages))?;
    /// assert_eq!(listener.path(), path);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "CreateNamedPipeW")]
    pub fn create(options: &ListenerOptions) -> io::Result<Self> {
        Self::from_blocking(options.create()?)
    }

    /// Turns a blocking listener into an async one, keeping its instances
    /// and any client already connected to one of them.
    ///
    /// # Errors
    ///
    /// The OS error if the thread-pool waits cannot be created.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use localipc::os::windows::named_pipe::ListenerOptions;
    /// use localipc::os::windows::named_pipe::smol::Listener;
    ///
    /// let path = format!(r"\\.\pipe\localipc-doc-smol-from-{}", std::process::id());
    /// let blocking = ListenerOptions::new(&path).create()?;
    /// let listener = Listener::from_blocking(blocking)?;
    /// let blocking = listener.into_blocking();
    /// assert_eq!(blocking.path(), path);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
        sys::Listener::from_blocking(listener.into_sys()).map(|inner| Self { inner })
    }

    /// Turns this listener back into a blocking one (in blocking mode), with
    /// its instances and any client connected but not accepted yet.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> blocking::Listener {
        blocking::Listener::from_sys(self.inner.into_blocking())
    }

    /// Waits for a client and returns the connected stream.
    ///
    /// A client that connected before `accept` was called counts as
    /// connected, even if it has already left: its stream yields whatever it
    /// wrote and then the end of the stream. Before returning, the listener
    /// puts a fresh instance in place of the connected one.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the instances and their pending connections belong to
    /// the listener, not to the future, so a client that connects while no
    /// `accept` future is being polled is returned by the next `accept`.
    ///
    /// # Errors
    ///
    /// * [`ResourceBusy`](io::ErrorKind::ResourceBusy) when every instance the
    ///   instance limit allows is connected and none is left to wait on.
    /// * Otherwise the OS error of `ConnectNamedPipe`; the listener stays
    ///   usable.
    ///
    /// # Examples
    ///
    /// See the accept loop in [`Listener`]'s docs.
    #[doc(alias = "ConnectNamedPipe")]
    pub async fn accept(&self) -> io::Result<Stream> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connected client: the building block of
    /// [`accept`](Self::accept), for hand-written futures.
    ///
    /// # Errors
    ///
    /// As for [`accept`](Self::accept).
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "smol", doc = "```")]
    #[cfg_attr(not(feature = "smol"), doc = "```ignore")]
    /// use std::future::poll_fn;
    /// use localipc::os::windows::named_pipe::ListenerOptions;
    /// use localipc::os::windows::named_pipe::smol::{Listener, Stream};
    /// use localipc::os::windows::named_pipe::ConnectOptions;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// smol::block_on(async {
    ///     let path = format!(r"\\.\pipe\localipc-doc-smol-poll-{}", std::process::id());
    ///     let listener = Listener::create(&ListenerOptions::new(&path))?;
    ///     let _client = Stream::connect(&ConnectOptions::new(&path)).await?;
    ///     let server = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert!(server.is_server());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream>> {
        self.inner.poll_accept(cx).map_ok(|inner| Stream { inner })
    }

    /// The pipe's path, as given.
    ///
    /// # Examples
    ///
    /// See [`create`](Self::create).
    pub fn path(&self) -> &str {
        self.inner.path()
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}
