//! Unnamed pipes on smol, async-std or any other async-io user (feature
//! `smol`), with the same API as [`pipe::tokio`](super) (feature `tokio`).
//!
//! [`pipe()`] makes a pipe whose two ends are async: [`Sender`] implements
//! the `futures-io` [`AsyncWrite`] and [`Receiver`] its [`AsyncRead`]. The semantics
//! are the blocking [`pipe`](super) module's: end of stream once every
//! sender is gone, [`BrokenPipe`](io::ErrorKind::BrokenPipe) once every
//! receiver is gone (never `SIGPIPE`), nothing lost on close, nothing
//! inherited.
//!
//! To talk to a child process, keep one end async and give the child a
//! blocking one: [`pipe_with_blocking_receiver`] and
//! [`pipe_with_blocking_sender`] return the blocking end as the blocking
//! module's type, ready for `Stdio::from` or [`Handoff`](super::Handoff).
//!
//! No runtime context is needed: async-io's reactor serves the whole
//! process.
//!
//! # Cancel safety
//!
//! The [`AsyncRead`]/[`AsyncWrite`] methods are cancel safe: a read that
//! returned `Pending` consumed nothing, and a write that returned `Pending`
//! wrote nothing.
//!
//! # Platform-specific behavior
//!
//! * **Unix:** an ordinary pipe (`pipe2`), in nonblocking mode and
//!   registered with async-io's reactor (an `async_io::Async`, whose
//!   `IoSafe` contract the ends uphold). `from_blocking` and
//!   `into_blocking` convert either end, and `os::unix::fifo::smol` opens
//!   FIFOs as these types.
//! * **Windows:** anonymous pipes cannot do overlapped I/O, which async use
//!   needs without a thread per operation. So each pipe here is a one-way
//!   *named* pipe with a unique, unguessable name
//!   (`\\.\pipe\localipc-anon-…`), created for the first and only instance,
//!   admitting only the current user and no remote clients, and connected
//!   before [`pipe()`] returns. The async ends use overlapped I/O; a
//!   blocking end returned by `pipe_with_blocking_*` is opened for
//!   synchronous I/O, so a child can use it as ordinary standard input or
//!   output.
//!
//! # Examples
//!
//! ```
//! use smol::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # smol::block_on(async {
//! let (mut sender, mut receiver) = localipc::pipe::smol::pipe()?;
//! let writing = smol::spawn(async move {
//!     sender.write_all(b"hello").await
//!     // The sender is dropped here: the receiver then reads the end.
//! });
//! let mut text = String::new();
//! receiver.read_to_string(&mut text).await?;
//! writing.await?;
//! assert_eq!(text, "hello");
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::sys::smol::pipe as sys;

/// Creates a pipe with both ends async.
///
/// # Errors
///
/// The OS error.
///
/// # Examples
///
/// See the [module docs](self).
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (sender, receiver) = sys::pipe()?;
    Ok((Sender(sender), Receiver(receiver)))
}

/// Creates a pipe whose sender is async and whose receiver is a blocking
/// [`pipe::Receiver`](super::Receiver), for a child process to read.
///
/// # Errors
///
/// The OS error.
///
/// # Examples
///
/// ```no_run
/// use std::process::{Command, Stdio};
/// use smol::io::AsyncWriteExt;
///
/// # async fn feed() -> std::io::Result<()> {
/// let (mut input, child_end) = localipc::pipe::smol::pipe_with_blocking_receiver()?;
/// let mut child = Command::new("sort").stdin(Stdio::from(child_end)).spawn()?;
/// input.write_all(b"b\na\n").await?;
/// drop(input);
/// child.wait()?;
/// # Ok(())
/// # }
/// ```
pub fn pipe_with_blocking_receiver() -> io::Result<(Sender, super::Receiver)> {
    let (sender, receiver) = sys::pipe_with_blocking_receiver()?;
    Ok((Sender(sender), super::Receiver(receiver)))
}

/// Creates a pipe whose receiver is async and whose sender is a blocking
/// [`pipe::Sender`](super::Sender), for a child process to write.
///
/// # Errors
///
/// The OS error.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use smol::io::AsyncReadExt;
///
/// # smol::block_on(async {
/// let (mut child_end, mut output) = localipc::pipe::smol::pipe_with_blocking_sender()?;
/// // A thread stands in for the child process here.
/// std::thread::spawn(move || child_end.write_all(b"from the child"));
/// let mut text = String::new();
/// output.read_to_string(&mut text).await?;
/// assert_eq!(text, "from the child");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn pipe_with_blocking_sender() -> io::Result<(super::Sender, Receiver)> {
    let (sender, receiver) = sys::pipe_with_blocking_sender()?;
    Ok((super::Sender(sender), Receiver(receiver)))
}

/// The async write end of a pipe or FIFO: `futures-io`'s [`AsyncWrite`].
///
/// Writes go straight to the OS (on Windows through a buffer owned by the
/// end, see the [module docs](self)); `flush` waits only for that hand-over.
///
/// # Examples
///
/// See the [module docs](self).
pub struct Sender(pub(crate) sys::Sender);

/// The async read end of a pipe or FIFO: `futures-io`'s [`AsyncRead`].
///
/// # Examples
///
/// See the [module docs](self).
pub struct Receiver(pub(crate) sys::Receiver);

#[cfg(unix)]
impl Sender {
    /// Makes a blocking sender async (Unix only: on Windows the blocking
    /// ends are anonymous pipes, which cannot do overlapped I/O).
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode or the reactor refuses the
    /// descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::pipe::{self, smol::Sender};
    ///
    /// # smol::block_on(async {
    /// let (sender, _receiver) = pipe::pipe()?;
    /// let sender = Sender::from_blocking(sender)?;
    /// let _blocking: pipe::Sender = sender.into_blocking()?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(sender: super::Sender) -> io::Result<Self> {
        sys::Sender::from_blocking(sender.0).map(Self)
    }

    /// Makes this sender blocking again (Unix only).
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<super::Sender> {
        self.0.into_blocking().map(super::Sender)
    }
}

#[cfg(unix)]
impl Receiver {
    /// Makes a blocking receiver async (Unix only, as for
    /// [`Sender::from_blocking`]).
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode or the reactor refuses the
    /// descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::pipe::{self, smol::Receiver};
    ///
    /// # smol::block_on(async {
    /// let (_sender, receiver) = pipe::pipe()?;
    /// let receiver = Receiver::from_blocking(receiver)?;
    /// let _blocking: pipe::Receiver = receiver.into_blocking()?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(receiver: super::Receiver) -> io::Result<Self> {
        sys::Receiver::from_blocking(receiver.0).map(Self)
    }

    /// Makes this receiver blocking again (Unix only). Nothing is lost.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<super::Receiver> {
        self.0.into_blocking().map(super::Receiver)
    }
}

/// Cancel safe: a write that returns `Pending` wrote nothing.
impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }

    /// Flushes; the pipe's writing side ends only when the sender is dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }
}

/// Cancel safe: bytes are taken only by the poll that returns them.
impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
