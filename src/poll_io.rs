//! The one seam between localipc's async byte streams and the runtimes' I/O
//! traits. Each async type implements [`PollRead`] and [`PollWrite`] once
//! (what its reads, writes, flush and shutdown do); the Tokio traits
//! (`tokio::io::AsyncRead`/`AsyncWrite`) and the `futures-io` ones are
//! written here, once for every such type, and each type's module only
//! names its types: `tokio_io!(read: Stream; write: Stream)`.
//!
//! The impls need `Unpin` types (every async type of the crate is), since
//! they reach the type through `Pin::get_mut`.

use std::io::{self, IoSlice};
use std::task::{Context, Poll};

/// An async source of bytes.
pub(crate) trait PollRead {
    /// Reads into `buf`: `Ready(Ok(0))` is the end of the stream (or an
    /// empty `buf`). Cancel safe: bytes are taken only by the poll that
    /// returns them.
    fn poll_read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// An async sink of bytes.
pub(crate) trait PollWrite {
    /// Whether [`poll_write_vectored_from`](Self::poll_write_vectored_from)
    /// writes more than the first buffer (Tokio's `is_write_vectored`).
    #[cfg_attr(not(feature = "tokio"), expect(dead_code, reason = "only Tokio asks"))]
    const VECTORED: bool = false;

    /// Writes from `buf`. Cancel safe: a write that returns `Pending`
    /// wrote nothing.
    fn poll_write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Writes from `bufs`, by default the first non-empty one.
    fn poll_write_vectored_from(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|buf| !buf.is_empty());
        self.poll_write_from(cx, first.map_or(&[][..], |buf| &buf[..]))
    }

    /// What the runtimes' `flush` does.
    fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// What Tokio's `shutdown` and `futures-io`'s `close` do.
    fn poll_shutdown_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends
/// first.
pub(crate) async fn read_exact<T: PollRead + ?Sized>(io: &mut T, buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = std::future::poll_fn(|cx| io.poll_read_into(cx, &mut buf[filled..])).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
    }
    Ok(())
}

/// Reads once into `buf`.
pub(crate) async fn read<T: PollRead + ?Sized>(io: &mut T, buf: &mut [u8]) -> io::Result<usize> {
    std::future::poll_fn(|cx| io.poll_read_into(cx, buf)).await
}

/// Writes all of `buf`, then flushes.
pub(crate) async fn write_all<T: PollWrite + ?Sized>(io: &mut T, buf: &[u8]) -> io::Result<()> {
    let mut written = 0;
    while written < buf.len() {
        let n = std::future::poll_fn(|cx| io.poll_write_from(cx, &buf[written..])).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        written += n;
    }
    std::future::poll_fn(|cx| io.poll_flush_out(cx)).await
}

/// Tokio's `poll_read` over a [`PollRead`].
#[cfg(feature = "tokio")]
pub(crate) fn tokio_read<T: PollRead + ?Sized>(
    io: &mut T,
    cx: &mut Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = std::task::ready!(io.poll_read_into(cx, buf.initialize_unfilled()))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// The methods Tokio's `AsyncWrite` and `futures-io`'s share, through
/// [`PollWrite`]: `poll_write`, `poll_write_vectored`, `poll_flush`.
macro_rules! write_methods {
    () => {
        fn poll_write(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            $crate::poll_io::PollWrite::poll_write_from(self.get_mut(), cx, buf)
        }

        fn poll_write_vectored(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
            bufs: &[std::io::IoSlice<'_>],
        ) -> std::task::Poll<std::io::Result<usize>> {
            $crate::poll_io::PollWrite::poll_write_vectored_from(self.get_mut(), cx, bufs)
        }

        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            $crate::poll_io::PollWrite::poll_flush_out(self.get_mut(), cx)
        }
    };
}

pub(crate) use write_methods;

/// Implements Tokio's `AsyncRead` for the types after `read:` and its
/// `AsyncWrite` for those after `write:`, through [`PollRead`] and
/// [`PollWrite`].
#[cfg(feature = "tokio")]
macro_rules! tokio_io {
    (read: $($reader:ty),* ; write: $($writer:ty),* $(;)?) => {
        $(
            /// Cancel safe: bytes are taken only by the poll that returns them.
            impl tokio::io::AsyncRead for $reader {
                fn poll_read(
                    self: std::pin::Pin<&mut Self>,
                    cx: &mut std::task::Context<'_>,
                    buf: &mut tokio::io::ReadBuf<'_>,
                ) -> std::task::Poll<std::io::Result<()>> {
                    $crate::poll_io::tokio_read(self.get_mut(), cx, buf)
                }
            }
        )*
        $(
            /// Cancel safe: a write that returns `Pending` wrote nothing.
            /// See the type's docs for what `flush` and `shutdown` do.
            impl tokio::io::AsyncWrite for $writer {
                $crate::poll_io::write_methods!();

                fn is_write_vectored(&self) -> bool {
                    <Self as $crate::poll_io::PollWrite>::VECTORED
                }

                fn poll_shutdown(
                    self: std::pin::Pin<&mut Self>,
                    cx: &mut std::task::Context<'_>,
                ) -> std::task::Poll<std::io::Result<()>> {
                    $crate::poll_io::PollWrite::poll_shutdown_out(self.get_mut(), cx)
                }
            }
        )*
    };
}

#[cfg(feature = "tokio")]
pub(crate) use tokio_io;

/// Implements `futures-io`'s `AsyncRead` for the types after `read:` and
/// its `AsyncWrite` for those after `write:`, through [`PollRead`] and
/// [`PollWrite`].
#[cfg(feature = "smol")]
macro_rules! futures_io {
    (read: $($reader:ty),* ; write: $($writer:ty),* $(;)?) => {
        $(
            /// Cancel safe: bytes are taken only by the poll that returns them.
            impl futures_io::AsyncRead for $reader {
                fn poll_read(
                    self: std::pin::Pin<&mut Self>,
                    cx: &mut std::task::Context<'_>,
                    buf: &mut [u8],
                ) -> std::task::Poll<std::io::Result<usize>> {
                    $crate::poll_io::PollRead::poll_read_into(self.get_mut(), cx, buf)
                }
            }
        )*
        $(
            /// Cancel safe: a write that returns `Pending` wrote nothing.
            /// See the type's docs for what `flush` and `close` do.
            impl futures_io::AsyncWrite for $writer {
                $crate::poll_io::write_methods!();

                fn poll_close(
                    self: std::pin::Pin<&mut Self>,
                    cx: &mut std::task::Context<'_>,
                ) -> std::task::Poll<std::io::Result<()>> {
                    $crate::poll_io::PollWrite::poll_shutdown_out(self.get_mut(), cx)
                }
            }
        )*
    };
}

#[cfg(feature = "smol")]
pub(crate) use futures_io;
