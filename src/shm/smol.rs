//! Shared-memory channels on smol, async-std and any async-io user
//! (feature `smol`): [`ShmStream`] implements `futures-io`'s `AsyncRead`
//! and `AsyncWrite`.

use std::pin::Pin;

use futures_io::{AsyncRead, AsyncWrite};

use crate::local_socket::smol as local_socket;

super::front_end::front_end! {
    runtime: "smol",
    module: "smol",
    io: "smol::io",
    run: "smol::block_on(async {",
    spawn: "smol::spawn",
    joined: ".await",
    shutdown: "close",
}

/// Cancel safe: bytes are taken only by the poll that returns them.
impl AsyncRead for ShmStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_into(cx, buf)
    }
}

/// Cancel safe: a write that returns `Pending` wrote nothing. `flush` has
/// nothing to do; `close` ends this side's writing (the peer reads what was
/// written, then the end).
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

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().shutdown_writing();
        Poll::Ready(Ok(()))
    }
}
