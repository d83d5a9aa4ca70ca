//! Opening FIFOs as async pipe ends, written once for every [`Runtime`].
//!
//! [`fifo::tokio`](super::tokio) (feature `tokio`) and
//! [`fifo::smol`](super::smol) (feature `smol`) name these functions with
//! the runtime filled in, and that is how most code uses them:
//! `fifo::tokio::open_sender(path)` is `open_sender::<Tokio>(path)`. The
//! ends are [`pipe::generic`](crate::pipe::generic)'s [`Sender`] and
//! [`Receiver`], which the runtime modules of [`pipe`](crate::pipe) name.
//!
//! Neither open blocks the executor:
//!
//! * [`open_sender`] waits, asynchronously, until some process has the FIFO
//!   open for reading (it retries a nonblocking open, backing off from 1 ms
//!   to 50 ms; the pauses need no timer driver of the runtime). Cancel
//!   safe: dropping the future leaves nothing open.
//! * [`open_receiver`] returns at once, writer or not, like a nonblocking
//!   blocking-API open. On Linux and Android reads then wait until a writer
//!   has written, and report the end of the stream only after a writer has
//!   come and gone, so there is nothing to mistake. Other Unixes may report
//!   the end of the stream to a read made before any writer opened the
//!   FIFO; open the sender first there, or treat an early end accordingly.
//!
//! Tokio's ends are created inside a Tokio runtime with I/O enabled; smol's
//! anywhere.
//!
//! # Examples
//!
//! ```
//! use localipc::os::unix::fifo;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let dir = std::env::temp_dir().join(format!("localipc-doc-fifo-generic-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("fifo");
//! fifo::create(&path, 0o600)?;
//! let mut receiver = fifo::tokio::open_receiver(&path).await?;
//! let mut sender = fifo::tokio::open_sender(&path).await?;
//! sender.write_all(b"through the FIFO").await?;
//! drop(sender);
//! let mut text = String::new();
//! receiver.read_to_string(&mut text).await?;
//! assert_eq!(text, "through the FIFO");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::path::Path;

use crate::pipe::generic::{Receiver, Sender, check_context};
use crate::runtime::Runtime;
use crate::sys::reactor::pipe as sys;

/// Opens the FIFO at `path` for reading on runtime `R`, at once (see the
/// [module docs](self) for what reads then do).
///
/// # Cancel safety
///
/// Cancel safe: it completes on its first poll, and nothing is open before.
///
/// # Errors
///
/// As for the blocking [`open_receiver`](super::open_receiver): a path that
/// is not a FIFO is [`InvalidInput`](io::ErrorKind::InvalidInput) and is
/// never opened; on Tokio, also an error outside a Tokio runtime.
///
/// # Examples
///
/// See the [module docs](self).
pub async fn open_receiver<R: Runtime>(path: impl AsRef<Path>) -> io::Result<Receiver<R>> {
    check_context::<R>()?;
    sys::open_fifo_receiver::<R::Reactor>(path.as_ref()).map(Receiver)
}

/// Opens the FIFO at `path` for writing on runtime `R`, waiting
/// (asynchronously) until it has a reader.
///
/// # Cancel safety
///
/// Cancel safe: nothing is open until the future completes.
///
/// # Errors
///
/// As for the blocking [`open_sender`](super::open_sender); on Tokio, also
/// an error outside a Tokio runtime.
///
/// # Examples
///
/// The usual way is a runtime's module (see the [module docs](self)); code
/// that serves either runtime names the runtime as a parameter:
///
/// ```
/// use std::path::Path;
/// use localipc::os::unix::fifo::generic;
/// use localipc::pipe::generic::Sender;
/// use localipc::runtime::Runtime;
///
/// async fn open_log<R: Runtime>(path: &Path) -> std::io::Result<Sender<R>> {
///     generic::open_sender::<R>(path).await
/// }
/// ```
pub async fn open_sender<R: Runtime>(path: impl AsRef<Path>) -> io::Result<Sender<R>> {
    check_context::<R>()?;
    sys::open_fifo_sender::<R::Reactor>(path.as_ref())
        .await
        .map(Sender)
}

/// Names this module's functions for one runtime, whose ends are those of
/// `crate::pipe::$ends`: the body of `fifo::tokio` and `fifo::smol`.
macro_rules! runtime_functions {
    ($runtime:ty, $ends:ident) => {
        use std::io;
        use std::path::Path;

        use super::generic;
        use crate::pipe::$ends::{Receiver, Sender};

        /// Opens the FIFO at `path` for reading, at once. See
        /// [`generic::open_receiver`].
        ///
        /// # Errors
        ///
        /// As for [`generic::open_receiver`].
        pub async fn open_receiver(path: impl AsRef<Path>) -> io::Result<Receiver> {
            generic::open_receiver::<$runtime>(path).await
        }

        /// Opens the FIFO at `path` for writing, waiting until it has a
        /// reader. See [`generic::open_sender`].
        ///
        /// # Errors
        ///
        /// As for [`generic::open_sender`].
        pub async fn open_sender(path: impl AsRef<Path>) -> io::Result<Sender> {
            generic::open_sender::<$runtime>(path).await
        }
    };
}

pub(super) use runtime_functions;
