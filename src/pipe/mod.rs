//! Unnamed pipes: a one-way byte stream, most often between a parent process
//! and its child.
//!
//! [`pipe()`] creates a pipe and returns its two ends: a [`Sender`] that
//! writes and a [`Receiver`] that reads. Both ends are plain owners of one OS
//! descriptor or handle; every read or write is exactly one system call.
//!
//! # Semantics, the same on every OS
//!
//! * **End of stream.** Once every `Sender` of a pipe (including clones and
//!   copies inherited by child processes) is closed, reads return `Ok(0)`
//!   after the data still in the pipe has been read.
//! * **Broken pipe.** Once every `Receiver` is closed, writes fail with
//!   [`ErrorKind::BrokenPipe`](io::ErrorKind::BrokenPipe).
//! * **Nothing lost on close.** Dropping a `Sender` closes it; what it wrote
//!   stays in the pipe until the reader takes it.
//! * **Not inherited.** Ends are created non-inheritable (close-on-exec on
//!   Unix). A child process gets an end only when you give it one: as its
//!   standard input or output (`Stdio::from(end)`), or any end with
//!   [`Handoff`].
//! * **`flush` does nothing and succeeds:** a pipe has no buffer of its own to
//!   push and nothing to sync to disk.
//!
//! # `SIGPIPE` on Unix
//!
//! On Unix a write to a pipe without readers raises `SIGPIPE`, whose default
//! action kills the process, and pipes (unlike sockets) have no per-call flag
//! to suppress it. Whenever a `Sender` is created (by [`pipe()`], by opening a
//! FIFO, by a conversion or by [`Sender::try_clone`]), localipc checks the
//! signal's disposition and, if it is the default, sets it to "ignore", as
//! Rust's runtime already does at startup for Rust programs. A handler
//! installed by the program is left in place (it runs, and the write still
//! fails with `BrokenPipe`). A program that resets the disposition to the
//! default *after* creating its `Sender`s takes back the signal's default
//! action.
//!
//! # Platform-specific behavior
//!
//! * **Linux, Android, BSDs:** `pipe2(2)` with `O_CLOEXEC`. The capacity is
//!   the kernel's default (64 KiB on Linux); see `os::linux::PipeExt` to
//!   change it.
//! * **Apple platforms:** `pipe(2)`, then `FD_CLOEXEC` on both ends.
//! * **Windows:** `CreatePipe` with a 64 KiB buffer, non-inheritable handles
//!   and a security descriptor that admits only the current user (see
//!   `os::windows::pipe_with_security` for another); reads and writes are
//!   synchronous `ReadFile`/`WriteFile`.
//!   Vectored I/O moves the first non-empty buffer per call.

#[cfg(async_front_end)]
#[cfg_attr(docsrs, doc(cfg(any(feature = "tokio", feature = "smol"))))]
pub mod generic;
mod handoff;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub mod smol;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};

pub use handoff::Handoff;

use crate::sys;

/// Creates an unnamed pipe, returning its write end and its read end.
///
/// Both ends are created non-inheritable.
///
/// # Errors
///
/// The OS error if the pipe cannot be created, most often because the process
/// has run out of file descriptors or handles.
///
/// # Platform-specific behavior
///
/// * **Linux, Android, BSDs:** `pipe2(2)` with `O_CLOEXEC`.
/// * **Apple platforms:** `pipe(2)`, then `fcntl(FD_CLOEXEC)` on each end
///   (not atomic: a `fork` in another thread in between can inherit them).
/// * **Windows:** `CreatePipe`.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
///
/// let (mut tx, mut rx) = localipc::pipe::pipe()?;
/// tx.write_all(b"ping")?;
/// drop(tx);
/// let mut got = Vec::new();
/// rx.read_to_end(&mut got)?;
/// assert_eq!(got, b"ping");
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "pipe2")]
#[doc(alias = "CreatePipe")]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (sender, receiver) = sys::pipe::pipe()?;
    Ok((Sender(sender), Receiver(receiver)))
}

/// The write end of an unnamed pipe or a FIFO, created by [`pipe()`].
///
/// Writes go straight to the OS; there is no buffering in between, so wrap it
/// in a [`BufWriter`](io::BufWriter) for many small writes. `Write` is also
/// implemented for `&Sender`, so one end can be written from several threads.
///
/// # Examples
///
/// ```
/// use std::io::{BufWriter, Read, Write};
///
/// let (tx, mut rx) = localipc::pipe::pipe()?;
/// let mut writer = BufWriter::new(tx);
/// writeln!(writer, "line one")?;
/// writeln!(writer, "line two")?;
/// writer.flush()?;
/// drop(writer);
/// let mut text = String::new();
/// rx.read_to_string(&mut text)?;
/// assert_eq!(text, "line one\nline two\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Sender(pub(crate) sys::pipe::Sender);

/// The read end of an unnamed pipe or a FIFO, created by [`pipe()`].
///
/// `Read` is also implemented for `&Receiver`.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
///
/// let (mut tx, rx) = localipc::pipe::pipe()?;
/// tx.write_all(b"abc")?;
/// let mut buf = [0; 3];
/// (&rx).read_exact(&mut buf)?;
/// assert_eq!(&buf, b"abc");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Receiver(pub(crate) sys::pipe::Receiver);

impl Sender {
    /// Creates a second `Sender` for the same pipe, also non-inheritable.
    ///
    /// The pipe reaches end of stream only when every clone is closed.
    ///
    /// # Errors
    ///
    /// The OS error if the descriptor or handle cannot be duplicated, most
    /// often because the process has run out of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let (tx, mut rx) = localipc::pipe::pipe()?;
    /// let mut other = tx.try_clone()?;
    /// drop(tx);
    /// other.write_all(b"still open")?;
    /// drop(other);
    /// let mut text = String::new();
    /// rx.read_to_string(&mut text)?;
    /// assert_eq!(text, "still open");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "dup")]
    #[doc(alias = "DuplicateHandle")]
    pub fn try_clone(&self) -> io::Result<Self> {
        self.0.try_clone().map(Self)
    }
}

impl Receiver {
    /// Creates a second `Receiver` for the same pipe, also non-inheritable.
    ///
    /// # Errors
    ///
    /// The OS error if the descriptor or handle cannot be duplicated, most
    /// often because the process has run out of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let (mut tx, rx) = localipc::pipe::pipe()?;
    /// let mut other = rx.try_clone()?;
    /// drop(rx);
    /// tx.write_all(b"x")?;
    /// let mut byte = [0];
    /// other.read_exact(&mut byte)?;
    /// assert_eq!(&byte, b"x");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "dup")]
    #[doc(alias = "DuplicateHandle")]
    pub fn try_clone(&self) -> io::Result<Self> {
        self.0.try_clone().map(Self)
    }
}

impl Write for &Sender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }

    /// Does nothing and succeeds: a pipe has nothing to flush or sync.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for Sender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }

    /// Does nothing and succeeds: a pipe has nothing to flush or sync.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for &Receiver {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.0.read_vectored(bufs)
    }
}

impl Read for Receiver {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.0.read_vectored(bufs)
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Sender")
            .field(&self.0.as_borrowed())
            .finish()
    }
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Receiver")
            .field(&self.0.as_borrowed())
            .finish()
    }
}

/// Conversions between a pipe end and the OS's owned descriptor or handle,
/// std's anonymous-pipe types and `Stdio`. One definition serves both ends,
/// which differ only in the std type that matches them.
macro_rules! end_conversions {
    ($end:ident, $std_end:ident) => {
        impl From<$end> for std::process::Stdio {
            /// Makes this end a standard stream of a child process; the child
            /// gets its own inherited copy when it is spawned.
            fn from(end: $end) -> Self {
                Self::from(end.0.into_owned())
            }
        }

        impl From<std::io::$std_end> for $end {
            fn from(end: std::io::$std_end) -> Self {
                Self(sys::pipe::$end::from_owned(end.into()))
            }
        }

        impl From<$end> for std::io::$std_end {
            fn from(end: $end) -> Self {
                Self::from(end.0.into_owned())
            }
        }
    };
}

end_conversions!(Sender, PipeWriter);
end_conversions!(Receiver, PipeReader);
