//! FIFOs: named one-way pipes that live in the filesystem (`mkfifo`).
//!
//! A FIFO is created once with [`create`] and then opened by any process that
//! may access its path: readers with [`open_receiver`], writers with
//! [`open_sender`]. The ends are the same [`Sender`] and [`Receiver`] types as
//! an unnamed pipe's, with the same semantics: end of stream once every writer
//! has closed, `BrokenPipe` once every reader has closed, nothing lost on
//! close, close-on-exec.
//!
//! # Blocking semantics of `open`
//!
//! Opening a FIFO waits for the other side:
//!
//! * [`open_receiver`] blocks until some process opens the FIFO for writing
//!   (or returns at once if one already has).
//! * [`open_sender`] blocks until some process opens it for reading.
//!
//! With [`OpenOptions::nonblocking`]:
//!
//! * opening for reading succeeds at once, writer or not; until a writer
//!   arrives, reads return `Ok(0)` (on Linux and most Unixes), which is easy
//!   to mistake for end of stream;
//! * opening for writing without any reader fails (`ENXIO`, reported as
//!   [`ErrorKind::NotConnected`](io::ErrorKind::NotConnected) with a message
//!   that says so);
//! * the returned end stays in nonblocking mode: reads and writes that would
//!   wait fail with `WouldBlock`. Switch it back with
//!   [`PipeExt::set_nonblocking`](super::PipeExt::set_nonblocking).
//!
//! # Examples
//!
//! ```
//! use std::io::{Read, Write};
//! use localipc::os::unix::fifo;
//!
//! let path = std::env::temp_dir().join(format!("localipc-doc-fifo-{}", std::process::id()));
//! fifo::create(&path, 0o600)?;
//! let writer = std::thread::spawn({
//!     let path = path.clone();
//!     move || -> std::io::Result<()> {
//!         let mut tx = fifo::open_sender(&path)?; // waits for the reader
//!         tx.write_all(b"through the filesystem")
//!     }
//! });
//! let mut rx = fifo::open_receiver(&path)?; // waits for the writer
//! let mut text = String::new();
//! rx.read_to_string(&mut text)?;
//! writer.join().unwrap()?;
//! assert_eq!(text, "through the filesystem");
//! std::fs::remove_file(&path)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::path::Path;

#[cfg(async_front_end)]
#[cfg_attr(docsrs, doc(cfg(any(feature = "tokio", feature = "smol"))))]
pub mod generic;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub mod smol;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

use crate::pipe::{Receiver, Sender};
use crate::sys::{self, Direction};

/// Creates a FIFO at `path` with the permission bits `mode`, reduced by the
/// process's umask (as `mkfifo(3)` does), so the FIFO is never more open than
/// asked.
///
/// # Errors
///
/// * [`AlreadyExists`](io::ErrorKind::AlreadyExists) if anything exists at
///   `path`, a FIFO included; nothing is replaced.
/// * [`InvalidInput`](io::ErrorKind::InvalidInput) if `mode` has bits outside
///   `0o7777` or `path` contains a NUL byte.
/// * Otherwise the OS error, such as `NotFound` for a missing parent
///   directory or `PermissionDenied`. Every message names the path.
///
/// # Examples
///
/// ```
/// use std::os::unix::fs::{FileTypeExt, PermissionsExt};
///
/// let path = std::env::temp_dir().join(format!("localipc-doc-create-{}", std::process::id()));
/// localipc::os::unix::fifo::create(&path, 0o600)?;
/// let metadata = std::fs::metadata(&path)?;
/// assert!(metadata.file_type().is_fifo());
/// assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "mkfifo")]
pub fn create(path: impl AsRef<Path>, mode: u32) -> io::Result<()> {
    sys::fifo::create(path.as_ref(), mode)
}

/// Opens the FIFO at `path` for reading, waiting until it has a writer.
///
/// Same as `OpenOptions::new().open_receiver(path)`.
///
/// # Errors
///
/// As for [`OpenOptions::open_receiver`].
///
/// # Examples
///
/// See the [module documentation](self).
pub fn open_receiver(path: impl AsRef<Path>) -> io::Result<Receiver> {
    OpenOptions::new().open_receiver(path)
}

/// Opens the FIFO at `path` for writing, waiting until it has a reader.
///
/// Same as `OpenOptions::new().open_sender(path)`.
///
/// # Errors
///
/// As for [`OpenOptions::open_sender`].
///
/// # Examples
///
/// See the [module documentation](self).
pub fn open_sender(path: impl AsRef<Path>) -> io::Result<Sender> {
    OpenOptions::new().open_sender(path)
}

/// Options for opening a FIFO; blocking by default.
///
/// # Examples
///
/// ```
/// use std::io::ErrorKind;
/// use localipc::os::unix::fifo;
///
/// let path = std::env::temp_dir().join(format!("localipc-doc-options-{}", std::process::id()));
/// fifo::create(&path, 0o600)?;
/// // Nobody reads yet: a nonblocking writer is refused instead of waiting.
/// let error = fifo::OpenOptions::new().nonblocking(true).open_sender(&path).unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::NotConnected);
/// // A nonblocking reader opens at once.
/// let _rx = fifo::OpenOptions::new().nonblocking(true).open_receiver(&path)?;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    nonblocking: bool,
}

impl OpenOptions {
    /// Options for a blocking open.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens with `O_NONBLOCK`: the open does not wait for the other side, and
    /// the returned end is in nonblocking mode. See the
    /// [module documentation](self) for what that means for each end.
    pub fn nonblocking(&mut self, nonblocking: bool) -> &mut Self {
        self.nonblocking = nonblocking;
        self
    }

    /// Opens the FIFO at `path` for reading.
    ///
    /// # Errors
    ///
    /// * [`NotFound`](io::ErrorKind::NotFound) if nothing exists at `path`.
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) if `path` is not a FIFO
    ///   (it is then never opened) or contains a NUL byte.
    /// * Otherwise the OS error, such as `PermissionDenied`. Every message
    ///   names the path.
    pub fn open_receiver(&self, path: impl AsRef<Path>) -> io::Result<Receiver> {
        let fd = sys::fifo::open(path.as_ref(), Direction::Read, self.nonblocking)?;
        Ok(Receiver(sys::pipe::Receiver::from_owned(fd)))
    }

    /// Opens the FIFO at `path` for writing.
    ///
    /// # Errors
    ///
    /// * [`NotConnected`](io::ErrorKind::NotConnected) in nonblocking mode when
    ///   no process has the FIFO open for reading.
    /// * Otherwise as for [`open_receiver`](Self::open_receiver).
    pub fn open_sender(&self, path: impl AsRef<Path>) -> io::Result<Sender> {
        let fd = sys::fifo::open(path.as_ref(), Direction::Write, self.nonblocking)?;
        Ok(Sender(sys::pipe::Sender::from_owned(fd)))
    }
}
