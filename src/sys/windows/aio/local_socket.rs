//! Async local sockets on Windows: the overlapped core over byte-mode,
//! duplex named pipes.

use std::io::{self, IoSlice};
use std::task::{Context, Poll};

use crate::sys::Credentials;
use crate::sys::windows::local_socket as blocking;

/// An async local-socket listener.
#[derive(Debug)]
pub(crate) struct Listener(super::Listener);

impl Listener {
    pub(crate) fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
        super::Listener::from_blocking(listener.into_named_pipe()).map(Self)
    }

    /// Back to a blocking listener, in blocking mode.
    pub(crate) fn into_blocking(self) -> io::Result<blocking::Listener> {
        Ok(blocking::Listener::from_named_pipe(self.0.into_blocking()))
    }

    pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream>> {
        self.0.poll_accept(cx).map_ok(Stream)
    }
}

/// An async local-socket stream.
#[derive(Debug)]
pub(crate) struct Stream(super::Stream);

impl Stream {
    pub(crate) fn as_borrowed(&self) -> std::os::windows::io::BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn from_blocking(stream: blocking::Stream) -> io::Result<Self> {
        super::Stream::from_blocking(stream.into_named_pipe()).map(Self)
    }

    /// Back to a blocking stream (blocking mode, no timeouts), with any data
    /// already read.
    pub(crate) fn into_blocking(self) -> io::Result<blocking::Stream> {
        self.0
            .into_blocking()
            .map(blocking::Stream::from_named_pipe)
    }

    /// Connects, and checks who serves the name before returning.
    pub(crate) async fn connect(
        resolved: &blocking::Resolved,
        options: &blocking::ConnectOptions,
    ) -> io::Result<Self> {
        let stream = super::connect(&blocking::client_config(resolved, options.timeout)).await?;
        blocking::check_server(stream.as_borrowed(), resolved, &options.expected_server)?;
        Ok(Self(stream))
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored(cx, bufs)
    }

    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }

    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_shutdown(cx)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        self.0.peer_credentials()
    }
}

/// An async local-socket stream that carries handles.
#[derive(Debug)]
pub(crate) struct ResourceStream(super::resource_stream::ResourceStream);

impl ResourceStream {
    pub(crate) fn new(stream: Stream) -> io::Result<Self> {
        super::resource_stream::ResourceStream::new(stream.0).map(Self)
    }

    pub(crate) fn as_borrowed(&self) -> std::os::windows::io::BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn poll_send_with(
        &self,
        cx: &mut Context<'_>,
        bytes: &[u8],
        handles: &[std::os::windows::io::BorrowedHandle<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_send_with(cx, bytes, handles)
    }

    pub(crate) fn poll_recv_with(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        handles: &mut Vec<std::os::windows::io::OwnedHandle>,
    ) -> Poll<io::Result<usize>> {
        self.0.poll_recv_with(cx, buf, handles)
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }

    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_shutdown(cx)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        self.0.peer_credentials()
    }
}
