//! Windows named pipes: the full API, with overlapped handles throughout.
//!
//! A named pipe is a server-created endpoint with a path such as
//! `\\.\pipe\my-app` that clients open by that path. Each connection is one
//! *instance* of the pipe. [`ListenerOptions`] creates a [`Listener`] that
//! keeps instances ready and hands out connected [`Stream`]s;
//! [`ConnectOptions`] opens the client end.
//!
//! # What this module does for you
//!
//! * **Secure defaults.** The listener claims its name exclusively
//!   (`FILE_FLAG_FIRST_PIPE_INSTANCE`: a second server on the same name fails
//!   with [`AddrInUse`](std::io::ErrorKind::AddrInUse)), rejects remote
//!   clients, creates non-inheritable handles, and clients allow the server to
//!   identify them but not to impersonate them. A client can also check who
//!   serves a pipe before it writes a byte
//!   ([`ConnectOptions::expected_server`]; opt-in here, unlike local sockets).
//! * **No refused clients.** The listener keeps several instances waiting
//!   (see [`ListenerOptions::ready_instances`]), and clients that find every
//!   instance busy wait for one, bounded by [`ConnectOptions::timeout`].
//! * **Full duplex.** Handles are overlapped, so a read blocked in one thread
//!   never blocks a write in another.
//! * **No hidden threads, nothing lost on close.** Dropping a [`Stream`]
//!   closes its handle without `DisconnectNamedPipe`, so the peer still reads
//!   everything written before; `flush` ([`Write::flush`](std::io::Write::flush)) waits until it has.
//! * **Messages without truncation.** In message mode, [`Stream::recv`] returns
//!   whole messages, and [`Stream::recv_into`] reports a message that does not
//!   fit instead of cutting it short.
//!
//! # Async front ends
//!
//! With feature `tokio` or `smol`, `named_pipe::tokio` and `named_pipe::smol`
//! offer an async `Listener` and `Stream`: the same types under both paths,
//! implementing Tokio's I/O traits and the `futures-io` traits as the
//! features say.
//!
//! ## Design, and what uses a thread
//!
//! async-io can await waitable handles, but Tokio cannot, and localipc keeps
//! one overlapped core for both front ends so that they behave the same and
//! are tested once. Each pending read, write or connect has an event in its
//! `OVERLAPPED`; a thread-pool wait (`SetThreadpoolWait`, one per stream
//! direction, re-armed per operation) wakes the task when the event is
//! signalled. Windows serves many such waits from one pool thread, so no
//! thread is blocked per operation or per stream. Handles are also bound to
//! a completion port that nothing reads, so their I/O survives the exit of
//! the executor thread that started it.
//!
//! One operation does use a thread: the async `Stream::flush` (and `poll_flush`),
//! which waits until the peer has read everything, runs `FlushFileBuffers`
//! on a thread-pool work item because that call has no overlapped form.
//!
//! Measured side by side (`localipc-bench` on Windows, 5 interleaved
//! rounds, here under Wine 8 on a 2-vCPU Linux VM, so read the ratios, not
//! the absolute figures): 64 KiB writes reach 0.97× (smol) and 0.93× (Tokio)
//! the throughput of the blocking stream, and 1.6× that of Tokio's own IOCP
//! named pipes; a 64-byte round trip takes 0.71× (smol) and 0.62× (Tokio)
//! as long as the blocking stream's, against 1.00× for Tokio's pipes.
//!
//! # Examples
//!
//! A server and a client in one process:
//!
//! ```
//! use std::io::{Read, Write};
//! use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
//!
//! let path = format!(r"\\.\pipe\localipc-doc-{}", std::process::id());
//! let listener = ListenerOptions::new(&path).create()?;
//! let client = std::thread::spawn(move || -> std::io::Result<String> {
//!     let mut stream = ConnectOptions::new(&path).connect()?;
//!     stream.write_all(b"ping")?;
//!     let mut reply = [0; 4];
//!     stream.read_exact(&mut reply)?;
//!     Ok(String::from_utf8_lossy(&reply).into_owned())
//! });
//! let mut stream = listener.accept()?;
//! let mut request = [0; 4];
//! stream.read_exact(&mut request)?;
//! stream.write_all(b"pong")?;
//! assert_eq!(&request, b"ping");
//! assert_eq!(client.join().unwrap()?, "pong");
//! # Ok::<(), std::io::Error>(())
//! ```

#[cfg(async_front_end)]
mod async_pipe;
mod client;
mod listener;
mod mode;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub mod smol;
mod stream;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

pub use client::{ConnectOptions, ImpersonationLevel};
pub use listener::{Incoming, Listener, ListenerOptions};
pub use mode::{PipeDirection, PipeMode};
pub use stream::{MessageTooLong, Stream};
