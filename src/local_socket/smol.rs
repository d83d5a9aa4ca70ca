//! Local sockets on smol, async-std or any other async-io user (feature
//! `smol`).
//!
//! The same sockets as the blocking [`local_socket`](super) module, with the
//! same names, options, errors and end-of-stream rules, awaited instead of
//! blocked on, and the same API as the Tokio front end
//! ([`local_socket::tokio`](super), feature `tokio`): switching runtimes is
//! a change of path. [`Stream`] implements the `futures-io` traits
//! [`AsyncRead`](futures_io::AsyncRead) and [`AsyncWrite`](futures_io::AsyncWrite) (vectored writes too), so
//! `futures_lite::io` / `smol::io` helpers work on it.
//!
//! No runtime context is needed: async-io runs one reactor per process,
//! driven by whichever thread waits on it, so these types can be created,
//! used and dropped anywhere.
//!
//! # How it works
//!
//! * **Unix:** the blocking backend's socket, in nonblocking mode and
//!   registered with async-io's reactor as an `async_io::Async`; every
//!   read and write is the blocking backend's own system call. The types
//!   registered uphold async-io's `IoSafe` contract: their I/O never closes
//!   or replaces the descriptor.
//! * **Windows:** the same runtime-independent overlapped core as the Tokio
//!   front end: overlapped named pipes whose completions are awaited through
//!   the system thread pool's waits (no thread per operation), with reads
//!   through a buffer owned by the stream so that a cancelled read loses
//!   nothing.
//!
//! # Cancel safety
//!
//! [`Listener::accept`] and the [`AsyncRead`](futures_io::AsyncRead)/[`AsyncWrite`](futures_io::AsyncWrite) methods are
//! cancel safe: dropping their futures loses no connection and no byte (a
//! read that returned `Pending` consumed nothing; a write that returned
//! `Pending` wrote nothing). [`Stream::connect`] is not: see its docs.
//!
//! # Examples
//!
//! ```
//! use localipc::local_socket::Name;
//! use localipc::local_socket::smol::{Listener, Stream};
//! use smol::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # smol::block_on(async {
//! let name = Name::namespaced(format!("localipc-doc-smol-{}.sock", std::process::id()))?;
//! let listener = Listener::bind(&name)?;
//! let client = smol::spawn({
//!     let name = name.clone();
//!     async move {
//!         let mut stream = Stream::connect(&name).await?;
//!         stream.write_all(b"hello").await?;
//!         stream.close().await?;
//!         let mut reply = String::new();
//!         stream.read_to_string(&mut reply).await?;
//!         Ok::<_, std::io::Error>(reply)
//!     }
//! });
//! let mut stream = listener.accept().await?;
//! let mut request = [0; 5];
//! stream.read_exact(&mut request).await?;
//! stream.write_all(b"world").await?;
//! drop(stream);
//! assert_eq!(&request, b"hello");
//! assert_eq!(client.await?, "world");
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

super::generic::runtime_types!(crate::runtime::Smol);

crate::poll_io::futures_io! {
    read: Stream, ReadHalf<'_>, OwnedReadHalf, ResourceStream;
    write: Stream, WriteHalf<'_>, OwnedWriteHalf, ResourceStream;
}
