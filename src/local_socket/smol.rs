//! Local sockets on smol, async-std or any other async-io user (feature
//! `smol`).
//!
//! The same sockets as the blocking [`local_socket`](super) module, with the
//! same names, options, errors and end-of-stream rules, awaited instead of
//! blocked on, and the same API as the Tokio front end
//! ([`local_socket::tokio`](super), feature `tokio`): switching runtimes is
//! a change of path. [`Stream`] implements the `futures-io` traits
//! [`AsyncRead`] and [`AsyncWrite`] (vectored writes too), so
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
//! [`Listener::accept`] and the [`AsyncRead`]/[`AsyncWrite`] methods are
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

use std::io::IoSlice;
use std::pin::Pin;

use futures_io::{AsyncRead, AsyncWrite};

super::front_end::front_end! {
    sys: crate::sys::smol::local_socket,
    check_context: crate::smol_context::require,
    runtime: "smol",
    module: "smol",
    io: "smol::io",
    run: "smol::block_on(async {",
    spawn: "smol::spawn",
    joined: ".await",
    shutdown: "close",
    select: "`futures_lite::future::race`",
    context_error: "",
}

/// Implements `futures-io`'s `AsyncRead` for streams and reading halves.
macro_rules! async_read {
    ($($ty:ty),*) => {$(
        /// Cancel safe: bytes are taken only by the poll that returns them.
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_into(cx, buf)
            }
        }
    )*};
}

/// Implements `futures-io`'s `AsyncWrite` for streams and writing halves.
macro_rules! async_write {
    ($($ty:ty),*) => {$(
        /// Cancel safe: a write that returns `Pending` wrote nothing. See
        /// [`Stream`] for what `close` does on each OS.
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

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush_out(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_shutdown_out(cx)
            }
        }
    )*};
}

async_read!(Stream, ReadHalf<'_>, OwnedReadHalf, ResourceStream);
async_write!(Stream, WriteHalf<'_>, OwnedWriteHalf, ResourceStream);
