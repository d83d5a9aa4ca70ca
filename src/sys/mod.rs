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
//! * `local_socket`: `Resolved` (what a name means here, with `Display` and
//!   `fs_path`), `resolve_namespaced`, `resolve_path` (both `InvalidInput`
//!   with the reason and, for length, the limit), `bind`, `connect` (with a
//!   timeout for a busy listener and a nonblocking flag), and `Listener`
//!   (`accept`, `set_nonblocking`) and `Stream` with the pipe ends' I/O
//!   rules plus `set_read_timeout`/`set_write_timeout` (an expiry is
//!   `TimedOut`), `set_nonblocking` (`WouldBlock`), `try_clone` and
//!   `peer_credentials` (a [`Credentials`]). Bind and connect errors name the
//!   endpoint; no listener is `NotFound`, a live one on bind is `AddrInUse`.
//!
//! Unix adds `fifo` (create and open named FIFOs), `socket_name` and the
//! nonblocking and capacity controls used by `os::unix` and `os::linux`.
//! Windows adds `named_pipe` (overlapped instances, listener, client, message
//! I/O), `pipe_path` (the one check of pipe paths) and `security` (security
//! descriptors) for `os::windows`.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

/// What the OS says about the process at the other end of a local socket;
/// `None` where the OS does not say.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Credentials {
    pub(crate) pid: Option<u32>,
    pub(crate) uid: Option<u32>,
    pub(crate) gid: Option<u32>,
}

/// Which way a pipe end carries data, as seen from its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The end data is read from.
    Read,
    /// The end data is written to.
    Write,
}
