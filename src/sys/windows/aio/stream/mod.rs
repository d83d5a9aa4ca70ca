//! The overlapped core of an async pipe end: one read half and one write
//! half, each with its own operation slot, buffer and thread-pool wait.
//!
//! * `block`: what both halves share (the operation slot, how an
//!   operation ended);
//! * `read`: the read half;
//! * `write`: the write half, and writes left in flight by a dropped stream;
//! * `flush`: waiting for the peer to read (`FlushFileBuffers`).

mod block;
mod flush;
mod read;
mod write;

use std::io::{self, IoSlice};
use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle};
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use block::{HandleValue, lock};
use flush::{FlushJob, FlushSlot};
use read::ReadHalf;
use write::WriteHalf;

use crate::sys::Credentials;
use crate::sys::windows::aio::port::bind_to_port;
use crate::sys::windows::named_pipe::{self, Prefix};

/// A connected pipe end for async I/O. Every method takes `&self`; a reading
/// task and a writing task can share one stream.
#[derive(Debug)]
pub(crate) struct Stream {
    reads: ReadHalf,
    writes: WriteHalf,
    flush: FlushSlot,
    /// Declared after the halves: closed only once they have settled their
    /// operations.
    handle: OwnedHandle,
    server: bool,
    messages: bool,
}

impl Stream {
    /// Takes an overlapped pipe handle; `prefix` is data already read from it.
    pub(crate) fn new(
        handle: OwnedHandle,
        server: bool,
        messages: bool,
        prefix: Option<Prefix>,
    ) -> io::Result<Self> {
        bind_to_port(handle.as_handle());
        let value = HandleValue(handle.as_raw_handle());
        Ok(Self {
            reads: ReadHalf::new(value, prefix)?,
            writes: WriteHalf::new(value, messages)?,
            flush: FlushSlot::default(),
            handle,
            server,
            messages,
        })
    }

    pub(crate) fn from_blocking(stream: named_pipe::Stream) -> io::Result<Self> {
        let (handle, server, messages, prefix) = stream.into_parts();
        Self::new(handle, server, messages, prefix)
    }

    /// Back to a blocking stream: a pending read is cancelled and whatever it
    /// and earlier reads brought in goes with the stream; a pending write
    /// carries on.
    pub(crate) fn into_blocking(self) -> io::Result<named_pipe::Stream> {
        let Self {
            reads,
            writes,
            flush,
            handle,
            server,
            messages,
        } = self;
        drop(flush);
        drop(writes);
        let prefix = reads.into_prefix();
        named_pipe::Stream::from_parts(handle, server, messages, prefix)
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.handle.as_handle()
    }

    pub(crate) fn is_server(&self) -> bool {
        self.server
    }

    pub(crate) fn is_message_mode(&self) -> bool {
        self.messages
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.reads.poll_read(cx, buf)
    }

    /// Appends one whole message to `buf` (in byte mode: what one read
    /// brought); `None` at the end of the stream. A message longer than
    /// `limit` is dropped as it comes, and an error.
    pub(crate) fn poll_recv_message(
        &self,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
        limit: usize,
    ) -> Poll<io::Result<Option<usize>>> {
        self.reads.poll_recv(cx, buf, limit)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.writes.poll_write(cx, buf)
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.writes.poll_write_vectored(cx, bufs)
    }

    /// Starts writing one whole message (possibly empty); ready once started.
    pub(crate) fn poll_start_message(
        &self,
        cx: &mut Context<'_>,
        message: &[u8],
    ) -> Poll<io::Result<()>> {
        self.writes.poll_start_message(cx, message)
    }

    /// Ready once every write accepted so far has been handed to the pipe.
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writes.poll_flush(cx)
    }

    /// Ready once the peer has read everything written so far.
    pub(crate) fn poll_flush_peer(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush(cx))?;
        let mut slot = lock(&self.flush.0);
        let job = match &*slot {
            Some(job) => Arc::clone(job),
            None => {
                let job = FlushJob::start(self.handle.try_clone()?)?;
                *slot = Some(Arc::clone(&job));
                job
            }
        };
        let mut state = lock(&job.state);
        if let Some(result) = state.result.take() {
            drop(state);
            *slot = None;
            return Poll::Ready(result);
        }
        match &mut state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            waker => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writes.poll_shutdown(cx)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        let pid = if self.server {
            named_pipe::client_process_id(self.as_borrowed())?
        } else {
            named_pipe::server_process_id(self.as_borrowed())?
        };
        Ok(Credentials {
            pid: Some(pid),
            uid: None,
            gid: None,
        })
    }
}
