//! Async local sockets on Windows: the overlapped core over byte-mode,
//! duplex named pipes.
//!
//! Every type names the runtime `X` it belongs to, as the Unix backend's do
//! (`sys::unix::reactor`), although the core is the same for all: the
//! portable front end is then one generic type per concept on every OS.

use std::io::{self, IoSlice};
use std::marker::PhantomData;
use std::task::{Context, Poll};

use super::Reactor;
use crate::sys::Credentials;
use crate::sys::windows::local_socket as blocking;

/// An async local-socket listener.
#[derive(Debug)]
pub(crate) struct Listener<X>(super::Listener, PhantomData<fn() -> X>);

impl<X: Reactor> Listener<X> {
    pub(crate) fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
        X::check_context()?;
        super::Listener::from_blocking(listener.into_named_pipe()).map(|io| Self(io, PhantomData))
    }

    /// Back to a blocking listener, in blocking mode.
    pub(crate) fn into_blocking(self) -> io::Result<blocking::Listener> {
        Ok(blocking::Listener::from_named_pipe(self.0.into_blocking()))
    }

    pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream<X>>> {
        self.0.poll_accept(cx).map_ok(Stream::new)
    }
}

/// An async local-socket stream.
#[derive(Debug)]
pub(crate) struct Stream<X>(super::Stream, PhantomData<fn() -> X>);

impl<X: Reactor> Stream<X> {
    fn new(stream: super::Stream) -> Self {
        Self(stream, PhantomData)
    }

    pub(crate) fn as_borrowed(&self) -> std::os::windows::io::BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn from_blocking(stream: blocking::Stream) -> io::Result<Self> {
        X::check_context()?;
        super::Stream::from_blocking(stream.into_named_pipe()).map(Self::new)
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
        X::check_context()?;
        let stream = super::connect(&blocking::client_config(resolved, options)).await?;
        if stream.is_message_mode() {
            return Err(blocking::not_a_stream_listener(resolved));
        }
        Ok(Self::new(stream))
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
pub(crate) struct ResourceStream<X>(
    super::resource_stream::ResourceStream,
    PhantomData<fn() -> X>,
);

impl<X: Reactor> ResourceStream<X> {
    pub(crate) fn new(stream: Stream<X>) -> io::Result<Self> {
        super::resource_stream::ResourceStream::new(stream.0).map(|io| Self(io, PhantomData))
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

    pub(crate) fn poll_read_raw(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read_raw(cx, buf)
    }

    pub(crate) fn poll_write_raw(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_raw(cx, buf)
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

/// An async message listener: message-mode pipe instances.
#[derive(Debug)]
pub(crate) struct MessageListener<X>(super::Listener, PhantomData<fn() -> X>);

impl<X: Reactor> MessageListener<X> {
    pub(crate) fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
        X::check_context()?;
        super::Listener::from_blocking(listener.into_named_pipe()).map(|io| Self(io, PhantomData))
    }

    pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<MessageSocket<X>>> {
        self.0.poll_accept(cx).map_ok(MessageSocket::new)
    }
}

/// An async message socket: a message-mode pipe end. Receives assemble
/// whole messages in the core's buffer; one that does not fit its receive
/// is held for the next, as in the blocking socket.
#[derive(Debug)]
pub(crate) struct MessageSocket<X> {
    pipe: super::Stream,
    max: std::sync::atomic::AtomicUsize,
    held: std::sync::Mutex<Held>,
    runtime: PhantomData<fn() -> X>,
}

/// A message received whole that did not fit its receive (`holding`), and
/// the buffer receives reuse.
#[derive(Debug, Default)]
struct Held {
    message: Vec<u8>,
    holding: bool,
}

impl<X: Reactor> MessageSocket<X> {
    fn new(pipe: super::Stream) -> Self {
        Self {
            pipe,
            max: std::sync::atomic::AtomicUsize::new(
                crate::sys::windows::message_socket::DEFAULT_MAX_MESSAGE,
            ),
            held: std::sync::Mutex::new(Held::default()),
            runtime: PhantomData,
        }
    }

    /// Connects, checks who serves the name and that it serves messages.
    pub(crate) async fn connect(
        resolved: &blocking::Resolved,
        options: &blocking::ConnectOptions,
    ) -> io::Result<Self> {
        X::check_context()?;
        let pipe = super::connect(&blocking::client_config(resolved, options)).await?;
        if !pipe.is_message_mode() {
            return Err(crate::sys::windows::message_socket::not_a_message_listener(
                resolved,
            ));
        }
        Ok(Self::new(pipe))
    }

    pub(crate) fn as_borrowed(&self) -> std::os::windows::io::BorrowedHandle<'_> {
        self.pipe.as_borrowed()
    }

    fn max(&self) -> usize {
        self.max.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends one message: done once it is handed to the pipe (its outcome
    /// is awaited by the next send). Cancelled before, it sent nothing.
    pub(crate) async fn send(&self, bufs: &[IoSlice<'_>], fds: &[()]) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_send(cx, bufs, fds)).await
    }

    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
        _fds: &[()],
    ) -> Poll<io::Result<()>> {
        let len = crate::sys::check_message(bufs, 1024)?;
        if len > self.max() {
            return Poll::Ready(Err(crate::sys::message_too_long_to_send(len, self.max())));
        }
        match bufs.iter().filter(|buf| !buf.is_empty()).count() {
            1 => {
                let only = bufs.iter().find(|buf| !buf.is_empty()).expect("counted");
                self.pipe.poll_start_message(cx, only)
            }
            _ => {
                let mut message = Vec::with_capacity(len);
                for buf in bufs {
                    message.extend_from_slice(buf);
                }
                self.pipe.poll_start_message(cx, &message)
            }
        }
    }

    fn lock_held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Cancel safe: the core keeps what it read until a poll returns it.
    pub(crate) fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut held = self.lock_held();
        if !held.holding {
            held.message.clear();
            let max = self.max();
            match std::task::ready!(self.pipe.poll_recv_message(cx, &mut held.message, max))? {
                None => return Poll::Ready(Ok(0)),
                Some(_) => held.holding = true,
            }
        }
        let len = held.message.len();
        if len > buf.len() {
            return Poll::Ready(Err(crate::error::MessageTooLong::error(len, buf.len())));
        }
        buf[..len].copy_from_slice(&held.message);
        held.holding = false;
        Poll::Ready(Ok(len))
    }

    /// Cancel safe: the core keeps what it read until a poll returns it.
    pub(crate) fn poll_recv_to_vec(
        &self,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        let mut held = self.lock_held();
        buf.clear();
        if held.holding {
            std::mem::swap(buf, &mut held.message);
            held.holding = false;
            return Poll::Ready(Ok(buf.len()));
        }
        let received = std::task::ready!(self.pipe.poll_recv_message(cx, buf, self.max()));
        Poll::Ready(received.map(|len| len.unwrap_or(0)))
    }

    pub(crate) fn max_message_size(&self) -> io::Result<usize> {
        Ok(self.max())
    }

    pub(crate) fn set_max_message_size(&self, size: usize) -> io::Result<()> {
        crate::sys::windows::message_socket::check_max(size)?;
        self.max.store(size, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        self.pipe.peer_credentials()
    }
}
