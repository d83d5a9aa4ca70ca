//! Local sockets on Tokio (feature `tokio`).
//!
//! The same sockets as the blocking [`local_socket`](super) module, with the
//! same names, options, errors and end-of-stream rules, awaited instead of
//! blocked on. [`Stream`] implements Tokio's [`AsyncRead`] and
//! [`AsyncWrite`] (vectored writes too), so `tokio::io::AsyncReadExt`,
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
//! [`Listener::accept`] and the [`AsyncRead`]/[`AsyncWrite`] methods are
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

use std::io::IoSlice;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

super::front_end::front_end! {
    sys: crate::sys::tokio::local_socket,
    check_context: crate::tokio_context::require,
    runtime: "Tokio",
    module: "tokio",
    io: "tokio::io",
    run: "tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {",
    spawn: "tokio::spawn",
    joined: ".await.unwrap()",
    shutdown: "shutdown",
    select: "`tokio::select!`",
    context_error: "; also an error outside a Tokio runtime",
}

/// Implements Tokio's `AsyncRead` for streams and reading halves.
macro_rules! async_read {
    ($($ty:ty),*) => {$(
        /// Cancel safe: bytes are taken only by the poll that returns them.
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let unfilled = buf.initialize_unfilled();
                let n = ready!(self.poll_read_into(cx, unfilled))?;
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
        }
    )*};
}

/// Implements Tokio's `AsyncWrite` for streams and writing halves.
macro_rules! async_write {
    ($($ty:ty),*) => {$(
        /// Cancel safe: a write that returns `Pending` wrote nothing. See
        /// [`Stream`] for what `shutdown` does on each OS.
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_from(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_vectored_from(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush_out(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_shutdown_out(cx)
            }
        }
    )*};
}

async_read!(Stream, ReadHalf<'_>, OwnedReadHalf, ResourceStream);
async_write!(Stream, WriteHalf<'_>, OwnedWriteHalf, ResourceStream);
