//! The runtimes' I/O traits for the async stream: Tokio's `AsyncRead` and
//! `AsyncWrite` (feature `tokio`) and the `futures-io` ones (feature `smol`).

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::stream::Stream;

/// Tokio's `AsyncRead` and `AsyncWrite` for `Stream` and `&Stream`.
#[cfg(feature = "tokio")]
macro_rules! tokio_io {
    ($($ty:ty),*) => {$(
        /// Cancel safe: bytes are taken only by the poll that returns them.
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let n = std::task::ready!(self.inner.poll_read(cx, buf.initialize_unfilled()))?;
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
        }

        /// Cancel safe: a write that returns `Pending` wrote nothing.
        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            /// Waits until the peer has read everything written so far, as
            /// [`Stream::flush`] does.
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.inner.poll_flush_peer(cx)
            }

            /// Waits until every write has been handed to the pipe, then
            /// refuses further writes with `BrokenPipe`. The peer sees the end
            /// of the stream only once this stream is dropped: named pipes
            /// have no half-close.
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.inner.poll_shutdown(cx)
            }
        }
    )*};
}

#[cfg(feature = "tokio")]
tokio_io!(Stream, &Stream);

/// The `futures-io` `AsyncRead` and `AsyncWrite` for `Stream` and `&Stream`.
#[cfg(feature = "smol")]
macro_rules! futures_io {
    ($($ty:ty),*) => {$(
        /// Cancel safe: bytes are taken only by the poll that returns them.
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_read(cx, buf)
            }
        }

        /// Cancel safe: a write that returns `Pending` wrote nothing.
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_write_vectored(cx, bufs)
            }

            /// Waits until the peer has read everything written so far, as
            /// [`Stream::flush`] does.
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.inner.poll_flush_peer(cx)
            }

            /// Waits until every write has been handed to the pipe, then
            /// refuses further writes with `BrokenPipe`. The peer sees the end
            /// of the stream only once this stream is dropped: named pipes
            /// have no half-close.
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.inner.poll_shutdown(cx)
            }
        }
    )*};
}

#[cfg(feature = "smol")]
futures_io!(Stream, &Stream);
