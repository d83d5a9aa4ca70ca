//! Unnamed pipes on smol, async-std or any other async-io user (feature
//! `smol`), with the same API as [`pipe::tokio`](super) (feature `tokio`).
//!
//! [`pipe()`] makes a pipe whose two ends are async: [`Sender`] implements
//! the `futures-io` [`AsyncWrite`](futures_io::AsyncWrite) and [`Receiver`] its [`AsyncRead`](futures_io::AsyncRead). The semantics
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
//! The [`AsyncRead`](futures_io::AsyncRead)/[`AsyncWrite`](futures_io::AsyncWrite) methods are cancel safe: a read that
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

super::generic::runtime_types!(crate::runtime::Smol);

crate::poll_io::futures_io! {
    read: Receiver;
    write: Sender;
}
