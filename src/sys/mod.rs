//! The OS backends. Nothing outside this module calls the operating system.
//!
//! # The contract every backend provides
//!
//! Each backend (`unix`, `windows`) exports the same items, and the portable
//! modules of the crate are written against these alone:
//!
//! * `pipe::pipe() -> io::Result<(pipe::Sender, pipe::Receiver)>`: a fresh
//!   unnamed pipe whose ends are not inheritable (created so atomically where
//!   the OS allows it).
//! * `pipe::Sender` and `pipe::Receiver`: owners of one OS pipe end each, with
//!   * `read`/`read_vectored` (receiver) and `write`/`write_vectored`
//!     (sender), taking `&self`: exactly one OS call per operation, no
//!     allocation, no lock. A read after every writer is gone is `Ok(0)`; a
//!     write after every reader is gone is `ErrorKind::BrokenPipe` and never
//!     raises a fatal signal;
//!   * `try_clone(&self)`, yielding a non-inheritable duplicate;
//!   * `as_borrowed(&self)` and conversions from and into the platform's owned
//!     descriptor type (`OwnedFd`, `OwnedHandle`).
//! * `handoff::spawn(command, ends)`: spawns `command` so that exactly the
//!   given ends are inherited, each announced in an environment variable, and
//!   `handoff::claim(value, direction)`, the child's side of it.
//!
//! Unix adds `fifo` (create and open named FIFOs) and the nonblocking and
//! capacity controls used by `os::unix` and `os::linux`.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

/// Which way a pipe end carries data, as seen from its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The end data is read from.
    Read,
    /// The end data is written to.
    Write,
}
