//! Local sockets on Tokio (feature `tokio`).
//!
//! The same sockets as the blocking [`local_socket`](super) module, with the
//! same names, options, errors and end-of-stream rules, awaited instead of
//! blocked on. [`Stream`] implements Tokio's [`AsyncRead`](tokio::io::AsyncRead) and
//! [`AsyncWrite`](tokio::io::AsyncWrite) (vectored writes too), so `tokio::io::AsyncReadExt`,
//! `BufReader`, `copy` and `tokio_util`'s codecs work on it.
//!
//! Create these inside a Tokio runtime with I/O enabled (as Tokio's own
//! sockets require); doing so elsewhere is an error, never a panic. Dropping
//! them is fine anywhere, also after the runtime has shut down.
//!
//! # How it works
//!
//! * **Unix:** the blocking backend's socket, in nonblocking mode and
//!   registered with Tokio's reactor; every read and write is the blocking
//!   backend's own system call.
//! * **Windows:** the same overlapped named pipes as the blocking backend,
//!   with completions awaited through the system thread pool's waits (no
//!   thread per operation). Reads go through a buffer owned by the stream,
//!   so a cancelled read never loses bytes; a write is handed to the pipe
//!   from a buffer owned by the stream and reported at once, and its outcome
//!   is awaited by the next write or `flush`.
//!
//! # Cancel safety
//!
//! [`Listener::accept`] and the [`AsyncRead`](tokio::io::AsyncRead)/[`AsyncWrite`](tokio::io::AsyncWrite) methods are
//! cancel safe: dropping their futures loses no connection and no byte (a
//! read that returned `Pending` consumed nothing; a write that returned
//! `Pending` wrote nothing). [`Stream::connect`] is not: see its docs.
//!
//! # Examples
//!
//! ```
//! use localipc::local_socket::Name;
//! use localipc::local_socket::tokio::{Listener, Stream};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let name = Name::namespaced(format!("localipc-doc-tokio-{}.sock", std::process::id()))?;
//! let listener = Listener::bind(&name)?;
//! let client = tokio::spawn({
//!     let name = name.clone();
//!     async move {
//!         let mut stream = Stream::connect(&name).await?;
//!         stream.write_all(b"hello").await?;
//!         stream.shutdown().await?;
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
//! assert_eq!(client.await.unwrap()?, "world");
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

super::generic::runtime_types!(crate::runtime::Tokio);

crate::poll_io::tokio_io! {
    read: Stream, ReadHalf<'_>, OwnedReadHalf, ResourceStream;
    write: Stream, WriteHalf<'_>, OwnedWriteHalf, ResourceStream;
}
