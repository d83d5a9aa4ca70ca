//! Shared-memory channels on Tokio (feature `tokio`): [`ShmStream`]
//! implements Tokio's `AsyncRead` and `AsyncWrite`.

use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::local_socket::tokio as local_socket;

super::front_end::front_end! {
    runtime: "Tokio",
    module: "tokio",
    io: "tokio::io",
    run: "tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {",
    spawn: "tokio::spawn",
    joined: ".await.unwrap()",
    shutdown: "shutdown",
}

/// Cancel safe: bytes are taken only by the poll that returns them.
impl AsyncRead for ShmStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self.get_mut().poll_read_into(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

/// Cancel safe: a write that returns `Pending` wrote nothing. `flush` has
/// nothing to do; `shutdown` ends this side's writing (the peer reads what
/// was written, then the end).
impl AsyncWrite for ShmStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_from(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().shutdown_writing();
        Poll::Ready(Ok(()))
    }
}
