//! Local interprocess communication for every OS, behind one portable API.
//!
//! localipc wraps the local IPC primitives of each operating system in small,
//! concrete types that behave the same everywhere:
//!
//! | primitive | module | where |
//! | --- | --- | --- |
//! | local socket (Unix domain socket / named pipe) | [`local_socket`] | everywhere |
//! | unnamed pipe | [`pipe`] | everywhere |
//! | FIFO (named pipe in the filesystem) | `os::unix::fifo` | Unix |
//! | named pipe (byte and message modes, instances, security) | `os::windows::named_pipe` | Windows |
//! | shared-memory channel (rings in memory both processes map, set up over a local socket) | [`shm`] | Linux, Android, Windows, other Unixes |
//!
//! # Services
//!
//! What people otherwise build by hand on local sockets:
//! [`single_instance`] (the first start of an application serves, later
//! starts forward their arguments to it), and on Unix socket activation,
//! `os::unix::activation` (listeners that systemd or launchd created and
//! passed, with the access policy applied at accept).
//!
//! # Async front ends
//!
//! Every primitive also comes async, with the same semantics and the same
//! options, for two families of runtimes:
//!
//! | feature | traits | modules |
//! | --- | --- | --- |
//! | `tokio` | Tokio's `AsyncRead`/`AsyncWrite` | `local_socket::tokio`, `pipe::tokio`, `os::unix::fifo::tokio`, `os::windows::named_pipe::tokio` |
//! | `smol` (smol, async-std, any async-io user) | `futures-io`'s `AsyncRead`/`AsyncWrite` | `local_socket::smol`, `pipe::smol`, `os::unix::fifo::smol`, `os::windows::named_pipe::smol` |
//!
//! The two have the same API, so switching runtimes is a change of path.
//! On Unix they register the blocking backend's descriptors with the
//! runtime's reactor; on Windows both use one runtime-independent
//! overlapped core whose completions are awaited through the system thread
//! pool's waits, without a thread per operation. Every async method's docs
//! say whether it is cancel safe. No feature is on by default.
//!
//! # Behaviour common to every primitive
//!
//! * Nothing this crate creates is inherited by child processes unless you
//!   hand it over explicitly (see [`pipe::Handoff`]).
//! * A read after every writer is gone returns `Ok(0)`.
//! * A write after every reader is gone fails with
//!   [`ErrorKind::BrokenPipe`](std::io::ErrorKind::BrokenPipe); it never kills
//!   the process with `SIGPIPE` (see [`pipe`] for how).
//! * Dropping an end only closes it: everything written before the drop stays
//!   readable by the peer.
//!
//! # Example
//!
//! ```
//! use std::io::{Read, Write};
//!
//! let (mut sender, mut receiver) = localipc::pipe::pipe()?;
//! sender.write_all(b"hello")?;
//! drop(sender);
//! let mut text = String::new();
//! receiver.read_to_string(&mut text)?;
//! assert_eq!(text, "hello");
//! # Ok::<(), std::io::Error>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(unix, windows)))]
compile_error!("localipc supports Unix and Windows targets only");

pub mod identity;
pub mod local_socket;
pub mod os;
pub mod pipe;
pub mod resource;
#[cfg(async_front_end)]
pub mod runtime;
pub mod shm;
pub mod single_instance;

pub use error::raw_os_error;

mod error;
#[cfg(async_front_end)]
mod poll_io;
mod sealed;
#[cfg(feature = "smol")]
mod smol_context;
mod sys;
mod timeout;
#[cfg(feature = "tokio")]
mod tokio_context;
