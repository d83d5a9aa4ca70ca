//! The async ends of a pipe or FIFO.

use std::fmt;
use std::io::{self, IoSlice};
use std::task::{Context, Poll};

use crate::poll_io::{PollRead, PollWrite};
use crate::runtime::Runtime;
use crate::sys::reactor::pipe as sys;

/// The async write end of a pipe or FIFO on runtime `R`: implements the
/// runtime's `AsyncWrite` (Tokio's on [`Tokio`](crate::runtime::Tokio), the
/// `futures-io` one on [`Smol`](crate::runtime::Smol)).
///
/// Writes go straight to the OS (on Windows through a buffer owned by the
/// end, see the runtime modules' docs); `flush` waits only for that
/// hand-over. `shutdown` (or `close`) only flushes: the pipe's writing side
/// ends when the sender is dropped.
///
/// # Examples
///
/// See the [module docs](super).
pub struct Sender<R: Runtime>(pub(crate) sys::Sender<R::Reactor>);

/// The async read end of a pipe or FIFO on runtime `R`: implements the
/// runtime's `AsyncRead` (Tokio's on [`Tokio`](crate::runtime::Tokio), the
/// `futures-io` one on [`Smol`](crate::runtime::Smol)).
///
/// # Examples
///
/// See the [module docs](super).
pub struct Receiver<R: Runtime>(pub(crate) sys::Receiver<R::Reactor>);

impl<R: Runtime> fmt::Debug for Sender<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<R: Runtime> fmt::Debug for Receiver<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

// The runtime's `AsyncRead` and `AsyncWrite` (`crate::poll_io`).

impl<R: Runtime> PollRead for Receiver<R> {
    fn poll_read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl<R: Runtime> PollWrite for Sender<R> {
    const VECTORED: bool = true;

    fn poll_write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn poll_write_vectored_from(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored(cx, bufs)
    }

    fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }

    /// Flushes; the pipe's writing side ends only when the sender is
    /// dropped.
    fn poll_shutdown_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }
}
