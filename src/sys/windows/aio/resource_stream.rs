//! The async resource stream on Windows: `framing` driven by the overlapped
//! core's polls. Each `send_with` is written in one operation once no write
//! is in flight, so a poll that returns `Pending` sent nothing.

use std::io;
use std::os::windows::io::{BorrowedHandle, OwnedHandle};
use std::task::{Context, Poll, ready};

use super::Stream;
use crate::sys::Credentials;
use crate::sys::windows::named_pipe;
use crate::sys::windows::resource::framing::Framing;

#[derive(Debug)]
pub(crate) struct ResourceStream {
    stream: Stream,
    framing: Framing,
}

impl ResourceStream {
    pub(crate) fn new(stream: Stream) -> io::Result<Self> {
        let pid = stream.peer_credentials()?.pid.unwrap_or(0);
        let framing = Framing::new(pid, || named_pipe::is_connected(stream.as_borrowed()));
        Ok(Self { stream, framing })
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.stream.as_borrowed()
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        self.stream.peer_credentials()
    }

    /// Cancel safe: a poll that returns `Pending` sent nothing.
    pub(crate) fn poll_send_with(
        &self,
        cx: &mut Context<'_>,
        bytes: &[u8],
        handles: &[BorrowedHandle<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.stream.poll_flush(cx))?;
        let Some(outgoing) = self.framing.prepare(bytes, handles)? else {
            return Poll::Ready(Ok(0));
        };
        match self.stream.poll_start_message(cx, &outgoing.frames) {
            Poll::Ready(Ok(())) => {
                let len = outgoing.len;
                Poll::Ready(self.framing.sent(outgoing).map(|()| len))
            }
            // Nothing went (the write did not start): the copies go now.
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            // Another task started a write meanwhile: nothing of ours went.
            Poll::Pending => Poll::Pending,
        }
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_send_with(cx, buf, &[])
    }

    /// Cancel safe: a poll that returns `Pending` took nothing.
    pub(crate) fn poll_recv_with(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        handles: &mut Vec<OwnedHandle>,
    ) -> Poll<io::Result<usize>> {
        self.poll_receive(cx, buf, Some(handles))
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_receive(cx, buf, None)
    }

    fn poll_receive(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        out: Option<&mut Vec<OwnedHandle>>,
    ) -> Poll<io::Result<usize>> {
        self.framing
            .poll_receive(buf, out, &mut |buf| self.stream.poll_read(cx, buf))
    }

    /// Reads bytes off the pipe itself, outside any frame: see the blocking
    /// `ResourceStream::read_raw`.
    pub(crate) fn poll_read_raw(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_read(cx, buf)
    }

    /// Writes bytes on the pipe itself, outside any frame: see the blocking
    /// `ResourceStream::write_raw`.
    pub(crate) fn poll_write_raw(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_write(cx, buf)
    }

    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.poll_flush(cx)
    }

    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.poll_shutdown(cx)
    }
}
