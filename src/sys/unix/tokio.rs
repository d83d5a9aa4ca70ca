//! The Tokio front end on Unix: the blocking backend's descriptors, set to
//! nonblocking mode and registered with Tokio's reactor through
//! [`AsyncFd`]. Every read and write is the blocking backend's own system
//! call (so `MSG_NOSIGNAL`, the per-call size caps and the error mapping are
//! the same); Tokio only says when to make it.

use std::io;
use std::os::fd::AsRawFd;
use std::task::{Context, Poll, ready};

use tokio::io::unix::AsyncFd;

/// What the types registered here promise: they own their descriptor, and
/// `as_raw_fd` returns that same open descriptor until they are dropped or
/// taken back with `AsyncFd::into_inner`.
trait OwnsFd: AsRawFd {}

impl OwnsFd for std::os::unix::net::UnixListener {}
impl OwnsFd for crate::sys::local_socket::Stream {}
impl OwnsFd for crate::sys::pipe::Sender {}
impl OwnsFd for crate::sys::pipe::Receiver {}

/// Registers `io` with the current Tokio runtime's reactor.
fn register<T: OwnsFd>(io: T) -> io::Result<AsyncFd<T>> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(io::Error::other(
            "no Tokio runtime here: create async localipc objects inside a Tokio runtime",
        ));
    }
    // SAFETY: `OwnsFd` types own an open descriptor and report that same one
    // for as long as the `AsyncFd` holds them.
    unsafe { AsyncFd::register(io) }.map_err(io::Error::from)
}

/// Waits until `fd` is readable and runs `op`, until `op` stops saying
/// `WouldBlock` (which clears the readiness Tokio had cached).
fn poll_read_with<T: AsRawFd, R>(
    fd: &AsyncFd<T>,
    cx: &mut Context<'_>,
    mut op: impl FnMut(&T) -> io::Result<R>,
) -> Poll<io::Result<R>> {
    loop {
        let mut guard = ready!(fd.poll_read_ready(cx))?;
        match guard.try_io(|inner| op(inner.get_ref())) {
            Ok(result) => return Poll::Ready(result),
            Err(_would_block) => continue,
        }
    }
}

/// The writing twin of [`poll_read_with`].
fn poll_write_with<T: AsRawFd, R>(
    fd: &AsyncFd<T>,
    cx: &mut Context<'_>,
    mut op: impl FnMut(&T) -> io::Result<R>,
) -> Poll<io::Result<R>> {
    loop {
        let mut guard = ready!(fd.poll_write_ready(cx))?;
        match guard.try_io(|inner| op(inner.get_ref())) {
            Ok(result) => return Poll::Ready(result),
            Err(_would_block) => continue,
        }
    }
}

/// Sleeps without a timer driver (a runtime may be built without one) and
/// without blocking the executor: on Tokio's blocking pool.
async fn sleep(duration: std::time::Duration) {
    // A failed join means the runtime is shutting down; the caller's next
    // step then fails on its own.
    let _ = tokio::task::spawn_blocking(move || std::thread::sleep(duration)).await;
}

pub(crate) mod local_socket {
    use std::io::{self, IoSlice};
    use std::net::Shutdown;
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
    use std::task::{Context, Poll};
    use std::time::{Duration, Instant};

    use tokio::io::unix::AsyncFd;

    use super::{poll_read_with, poll_write_with, register};
    use crate::sys::Credentials;
    use crate::sys::local_socket::{self as blocking, FileGuard, Resolved};

    impl AsRawFd for blocking::Stream {
        fn as_raw_fd(&self) -> RawFd {
            self.as_borrowed().as_raw_fd()
        }
    }

    /// A listening socket registered with Tokio, and its socket file's guard.
    #[derive(Debug)]
    pub(crate) struct Listener {
        socket: AsyncFd<std::os::unix::net::UnixListener>,
        file: FileGuard,
    }

    impl Listener {
        pub(crate) fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
            let (socket, file) = listener.into_parts();
            socket.set_nonblocking(true)?;
            Ok(Self {
                socket: register(socket)?,
                file,
            })
        }

        /// Back to a blocking listener (blocking accept).
        pub(crate) fn into_blocking(self) -> io::Result<blocking::Listener> {
            let socket = self.socket.into_inner();
            socket.set_nonblocking(false)?;
            Ok(blocking::Listener::from_parts(socket, self.file))
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            self.socket.get_ref().as_fd()
        }

        pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream>> {
            let accepted = poll_read_with(&self.socket, cx, |socket| {
                socket.accept().map(|(socket, _)| socket)
            });
            accepted.map(|result| Stream::from_blocking(blocking::Stream::from_std(result?)))
        }
    }

    /// A connected socket registered with Tokio.
    #[derive(Debug)]
    pub(crate) struct Stream {
        socket: AsyncFd<blocking::Stream>,
    }

    impl Stream {
        pub(crate) fn from_blocking(stream: blocking::Stream) -> io::Result<Self> {
            stream.set_nonblocking(true)?;
            Ok(Self {
                socket: register(stream)?,
            })
        }

        pub(crate) fn into_blocking(self) -> io::Result<blocking::Stream> {
            let stream = self.socket.into_inner();
            stream.set_nonblocking(false)?;
            Ok(stream)
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            self.socket.get_ref().as_borrowed()
        }

        /// Connects without blocking the executor. A full backlog (Linux)
        /// gives no readiness to wait for, so each further attempt is a
        /// blocking connect of at most `SLICE` on Tokio's blocking pool:
        /// dropping this future leaves at most one such attempt running.
        pub(crate) async fn connect(
            resolved: &Resolved,
            timeout: Option<Duration>,
        ) -> io::Result<Self> {
            const SLICE: Duration = Duration::from_millis(100);
            if let Some(stream) = blocking::connect_nonblocking(resolved)? {
                return Self::from_blocking(stream);
            }
            let deadline = timeout.map(|timeout| Instant::now() + timeout);
            loop {
                let slice = match deadline {
                    Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                        Some(left) if !left.is_zero() => left.min(SLICE),
                        _ => return Err(blocking::backlog_timed_out(resolved)),
                    },
                    None => SLICE,
                };
                let target = resolved.clone();
                let attempt = tokio::task::spawn_blocking(move || {
                    blocking::connect(&target, Some(slice), false)
                })
                .await
                .map_err(io::Error::other)?;
                match attempt {
                    Ok(stream) => return Self::from_blocking(stream),
                    Err(error) if error.kind() == io::ErrorKind::TimedOut => continue,
                    Err(error) => return Err(error),
                }
            }
        }

        pub(crate) fn poll_read(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            poll_read_with(&self.socket, cx, |stream| stream.read(buf))
        }

        pub(crate) fn poll_write(
            &self,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            poll_write_with(&self.socket, cx, |stream| stream.write(buf))
        }

        pub(crate) fn poll_write_vectored(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            poll_write_with(&self.socket, cx, |stream| stream.write_vectored(bufs))
        }

        /// Writes go straight to the socket: nothing to flush.
        pub(crate) fn poll_flush(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        /// Half-closes: the peer reads the end of the stream after what was
        /// written; reading here goes on.
        pub(crate) fn poll_shutdown(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(self.socket.get_ref().shutdown(Shutdown::Write))
        }

        pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
            self.socket.get_ref().peer_credentials()
        }
    }
}

pub(crate) mod pipe {
    use std::io::{self, IoSlice};
    use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
    use std::path::Path;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use tokio::io::unix::AsyncFd;

    use super::{poll_read_with, poll_write_with, register};
    use crate::sys::Direction;
    use crate::sys::pipe::{self as blocking, set_nonblocking};

    impl AsRawFd for blocking::Sender {
        fn as_raw_fd(&self) -> RawFd {
            self.as_borrowed().as_raw_fd()
        }
    }

    impl AsRawFd for blocking::Receiver {
        fn as_raw_fd(&self) -> RawFd {
            self.as_borrowed().as_raw_fd()
        }
    }

    /// The write end of a pipe or FIFO, registered with Tokio.
    #[derive(Debug)]
    pub(crate) struct Sender(AsyncFd<blocking::Sender>);

    /// The read end of a pipe or FIFO, registered with Tokio.
    #[derive(Debug)]
    pub(crate) struct Receiver(AsyncFd<blocking::Receiver>);

    pub(crate) fn pipe() -> io::Result<(Sender, Receiver)> {
        let (sender, receiver) = blocking::pipe()?;
        Ok((
            Sender::from_blocking(sender)?,
            Receiver::from_blocking(receiver)?,
        ))
    }

    pub(crate) fn pipe_with_blocking_receiver() -> io::Result<(Sender, blocking::Receiver)> {
        let (sender, receiver) = blocking::pipe()?;
        Ok((Sender::from_blocking(sender)?, receiver))
    }

    pub(crate) fn pipe_with_blocking_sender() -> io::Result<(blocking::Sender, Receiver)> {
        let (sender, receiver) = blocking::pipe()?;
        Ok((sender, Receiver::from_blocking(receiver)?))
    }

    /// Opens a FIFO end without blocking the executor. A reader is opened at
    /// once (see the public docs for what reads then do); a writer retries,
    /// with backoff, until some process has the FIFO open for reading.
    pub(crate) async fn open_fifo_sender(path: &Path) -> io::Result<Sender> {
        let mut pause = Duration::from_millis(1);
        loop {
            match crate::sys::fifo::open(path, Direction::Write, true) {
                Ok(fd) => return Sender::from_nonblocking(blocking::Sender::from_owned(fd)),
                Err(error) if error.kind() == io::ErrorKind::NotConnected => {
                    super::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(error) => return Err(error),
            }
        }
    }

    pub(crate) fn open_fifo_receiver(path: &Path) -> io::Result<Receiver> {
        let fd = crate::sys::fifo::open(path, Direction::Read, true)?;
        Receiver::from_nonblocking(blocking::Receiver::from_owned(fd))
    }

    impl Sender {
        pub(crate) fn from_blocking(sender: blocking::Sender) -> io::Result<Self> {
            set_nonblocking(sender.as_borrowed(), true)?;
            Self::from_nonblocking(sender)
        }

        fn from_nonblocking(sender: blocking::Sender) -> io::Result<Self> {
            register(sender).map(Self)
        }

        pub(crate) fn into_blocking(self) -> io::Result<blocking::Sender> {
            let sender = self.0.into_inner();
            set_nonblocking(sender.as_borrowed(), false)?;
            Ok(sender)
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            self.0.get_ref().as_borrowed()
        }

        pub(crate) fn poll_write(
            &self,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            poll_write_with(&self.0, cx, |sender| sender.write(buf))
        }

        pub(crate) fn poll_write_vectored(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            poll_write_with(&self.0, cx, |sender| sender.write_vectored(bufs))
        }

        pub(crate) fn poll_flush(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl Receiver {
        pub(crate) fn from_blocking(receiver: blocking::Receiver) -> io::Result<Self> {
            set_nonblocking(receiver.as_borrowed(), true)?;
            Self::from_nonblocking(receiver)
        }

        fn from_nonblocking(receiver: blocking::Receiver) -> io::Result<Self> {
            register(receiver).map(Self)
        }

        pub(crate) fn into_blocking(self) -> io::Result<blocking::Receiver> {
            let receiver = self.0.into_inner();
            set_nonblocking(receiver.as_borrowed(), false)?;
            Ok(receiver)
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            self.0.get_ref().as_borrowed()
        }

        pub(crate) fn poll_read(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            poll_read_with(&self.0, cx, |receiver| receiver.read(buf))
        }
    }
}
