//! The async unnamed pipes, written once for every [`Runtime`].
//!
//! The ends and functions here take the runtime as a parameter; the runtime
//! modules, [`pipe::tokio`](super::tokio) (feature `tokio`) and
//! [`pipe::smol`](super::smol) (feature `smol`), name them with it filled
//! in, and that is how most code uses them: `pipe::tokio::Sender` is
//! `Sender<Tokio>` and `pipe::tokio::pipe()` is `pipe::<Tokio>()`. The
//! docs and examples here are the same for both runtimes; the examples use
//! Tokio. Where the runtimes differ, the docs say so:
//!
//! * **The I/O traits.** A [`Sender`] implements Tokio's `AsyncWrite` on
//!   [`Tokio`](crate::runtime::Tokio) and the `futures-io` one on
//!   [`Smol`](crate::runtime::Smol); a [`Receiver`], the matching
//!   `AsyncRead`.
//! * **Where an end can be made.** Tokio's ends are created inside a Tokio
//!   runtime with I/O enabled; elsewhere creating one is an error, never a
//!   panic. smol's can be created anywhere. Both can be dropped anywhere.
//!
//! The semantics are the blocking [`pipe`](super) module's: end of stream
//! once every sender is gone, [`BrokenPipe`](io::ErrorKind::BrokenPipe)
//! once every receiver is gone (never `SIGPIPE`), nothing lost on close,
//! nothing inherited. On Windows each async pipe is a one-way named pipe
//! with a unique, unguessable name, as the runtime modules' docs describe.
//!
//! # Examples
//!
//! ```
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let (mut sender, mut receiver) = localipc::pipe::tokio::pipe()?;
//! let writing = tokio::spawn(async move {
//!     sender.write_all(b"hello").await
//!     // The sender is dropped here: the receiver then reads the end.
//! });
//! let mut text = String::new();
//! receiver.read_to_string(&mut text).await?;
//! writing.await.unwrap()?;
//! assert_eq!(text, "hello");
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! A function that feeds a pipe on either runtime:
//!
//! ```
//! use localipc::pipe::generic;
//! use localipc::runtime::Runtime;
//!
//! fn make<R: Runtime>() -> std::io::Result<(generic::Sender<R>, generic::Receiver<R>)> {
//!     generic::pipe::<R>()
//! }
//! ```

mod ends;

use std::io;

pub use ends::{Receiver, Sender};

use crate::runtime::Runtime;
use crate::sys::reactor::pipe as sys;

/// Creates a pipe with both ends async, on runtime `R`.
///
/// # Errors
///
/// The OS error; on Tokio, also an error outside a Tokio runtime.
///
/// # Examples
///
/// See the [module docs](self).
pub fn pipe<R: Runtime>() -> io::Result<(Sender<R>, Receiver<R>)> {
    check_context::<R>()?;
    let (sender, receiver) = sys::pipe::<R::Reactor>()?;
    Ok((Sender(sender), Receiver(receiver)))
}

/// Creates a pipe whose sender is async and whose receiver is a blocking
/// [`pipe::Receiver`](super::Receiver), for a child process to read.
///
/// # Errors
///
/// The OS error; on Tokio, also an error outside a Tokio runtime.
///
/// # Examples
///
/// ```no_run
/// use std::process::{Command, Stdio};
/// use tokio::io::AsyncWriteExt;
///
/// # async fn feed() -> std::io::Result<()> {
/// let (mut input, child_end) = localipc::pipe::tokio::pipe_with_blocking_receiver()?;
/// let mut child = Command::new("sort").stdin(Stdio::from(child_end)).spawn()?;
/// input.write_all(b"b\na\n").await?;
/// drop(input);
/// child.wait()?;
/// # Ok(())
/// # }
/// ```
pub fn pipe_with_blocking_receiver<R: Runtime>() -> io::Result<(Sender<R>, super::Receiver)> {
    check_context::<R>()?;
    let (sender, receiver) = sys::pipe_with_blocking_receiver::<R::Reactor>()?;
    Ok((Sender(sender), super::Receiver(receiver)))
}

/// Creates a pipe whose receiver is async and whose sender is a blocking
/// [`pipe::Sender`](super::Sender), for a child process to write.
///
/// # Errors
///
/// The OS error; on Tokio, also an error outside a Tokio runtime.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use tokio::io::AsyncReadExt;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let (mut child_end, mut output) = localipc::pipe::tokio::pipe_with_blocking_sender()?;
/// // A thread stands in for the child process here.
/// std::thread::spawn(move || child_end.write_all(b"from the child"));
/// let mut text = String::new();
/// output.read_to_string(&mut text).await?;
/// assert_eq!(text, "from the child");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn pipe_with_blocking_sender<R: Runtime>() -> io::Result<(super::Sender, Receiver<R>)> {
    check_context::<R>()?;
    let (sender, receiver) = sys::pipe_with_blocking_sender::<R::Reactor>()?;
    Ok((super::Sender(sender), Receiver(receiver)))
}

/// Checks, before anything is created, that runtime `R`'s ends can be made
/// here (also for the FIFO opens and the Unix conversions).
pub(crate) fn check_context<R: Runtime>() -> io::Result<()> {
    <R::Reactor as crate::sys::reactor::Reactor>::check_context()
}

/// Names this module's ends and functions for one runtime: the body of
/// `pipe::tokio` and `pipe::smol`.
macro_rules! runtime_types {
    ($runtime:ty) => {
        use std::io;

        use super::generic;

        /// The async write end of a pipe or FIFO. See [`generic::Sender`].
        pub type Sender = generic::Sender<$runtime>;
        /// The async read end of a pipe or FIFO. See [`generic::Receiver`].
        pub type Receiver = generic::Receiver<$runtime>;

        /// Creates a pipe with both ends async. See [`generic::pipe`].
        ///
        /// # Errors
        ///
        /// As for [`generic::pipe`].
        pub fn pipe() -> io::Result<(Sender, Receiver)> {
            generic::pipe()
        }

        /// Creates a pipe whose receiver is blocking, for a child process
        /// to read. See [`generic::pipe_with_blocking_receiver`].
        ///
        /// # Errors
        ///
        /// As for [`generic::pipe_with_blocking_receiver`].
        pub fn pipe_with_blocking_receiver() -> io::Result<(Sender, super::Receiver)> {
            generic::pipe_with_blocking_receiver()
        }

        /// Creates a pipe whose sender is blocking, for a child process to
        /// write. See [`generic::pipe_with_blocking_sender`].
        ///
        /// # Errors
        ///
        /// As for [`generic::pipe_with_blocking_sender`].
        pub fn pipe_with_blocking_sender() -> io::Result<(super::Sender, Receiver)> {
            generic::pipe_with_blocking_sender()
        }
    };
}

pub(super) use runtime_types;
