//! The runtimes' I/O traits for the async stream, through the crate's one
//! seam (`crate::poll_io`): Tokio's `AsyncRead` and `AsyncWrite` (feature
//! `tokio`) and the `futures-io` ones (feature `smol`), for `Stream` and
//! `&Stream`. What `flush` and `shutdown`/`close` do is in [`Stream`]'s
//! docs.

use std::io::{self, IoSlice};
use std::task::{Context, Poll};

use super::stream::Stream;
use crate::poll_io::{PollRead, PollWrite};

impl PollRead for &Stream {
    fn poll_read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

impl PollWrite for &Stream {
    const VECTORED: bool = true;

    fn poll_write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    fn poll_write_vectored_from(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, bufs)
    }

    /// Waits until the peer has read everything written so far.
    fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_flush_peer(cx)
    }

    /// Waits until every write has been handed to the pipe, then refuses
    /// further writes with `BrokenPipe` (named pipes have no half-close).
    fn poll_shutdown_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_shutdown(cx)
    }
}

impl PollRead for Stream {
    fn poll_read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (&*self).poll_read_into(cx, buf)
    }
}

impl PollWrite for Stream {
    const VECTORED: bool = true;

    fn poll_write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (&*self).poll_write_from(cx, buf)
    }

    fn poll_write_vectored_from(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        (&*self).poll_write_vectored_from(cx, bufs)
    }

    fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (&*self).poll_flush_out(cx)
    }

    fn poll_shutdown_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (&*self).poll_shutdown_out(cx)
    }
}

#[cfg(feature = "tokio")]
crate::poll_io::tokio_io! {
    read: Stream, &Stream;
    write: Stream, &Stream;
}

#[cfg(feature = "smol")]
crate::poll_io::futures_io! {
    read: Stream, &Stream;
    write: Stream, &Stream;
}
