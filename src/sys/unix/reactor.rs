//! The async front ends on Unix, written once over any reactor: the
//! blocking backend's descriptors, in nonblocking mode and registered with
//! the runtime's reactor. Every read and write is the blocking backend's own
//! system call (so `MSG_NOSIGNAL`, the per-call size caps and the error
//! mapping are the same); the reactor only says when to make it. `tokio.rs`
//! and `smol.rs` each supply a [`Reactor`].

use std::fmt::Debug;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What every type registered with a reactor promises: it owns its
/// descriptor, and `as_fd`/`as_raw_fd` return that same open descriptor
/// until it is dropped or taken back from the reactor; its I/O methods take
/// `&self` and never close or replace the descriptor.
pub(crate) trait OwnsFd: AsFd + AsRawFd + Debug + Send + Sync + 'static {}

impl OwnsFd for std::os::unix::net::UnixListener {}
impl OwnsFd for super::local_socket::Stream {}
#[cfg(message_sockets)]
impl OwnsFd for super::message_socket::MessageSocket {}
impl OwnsFd for super::pipe::Sender {}
impl OwnsFd for super::pipe::Receiver {}

/// A runtime's reactor: registration and readiness. (Sleeps are the
/// crate's own timer's, `sys::timer`, whatever the runtime.)
pub(crate) trait Reactor: Debug + Send + Sync + 'static {
    /// Whether this runtime's types can be made here: Tokio's need a
    /// runtime with I/O enabled; async-io's can be made anywhere.
    fn check_context() -> io::Result<()>;

    /// A registered `T`.
    type Io<T: OwnsFd>: Debug + Send + Sync;

    /// Registers `io`, which is already in nonblocking mode.
    fn register<T: OwnsFd>(io: T) -> io::Result<Self::Io<T>>;

    fn get<T: OwnsFd>(io: &Self::Io<T>) -> &T;

    /// Deregisters `io` and gives it back, still nonblocking.
    fn into_inner<T: OwnsFd>(io: Self::Io<T>) -> io::Result<T>;

    /// Runs `op` until it stops failing with `WouldBlock`, waiting for
    /// readability in between.
    fn poll_read_with<T: OwnsFd, R>(
        io: &Self::Io<T>,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>>;

    /// The writing twin of [`poll_read_with`](Self::poll_read_with).
    fn poll_write_with<T: OwnsFd, R>(
        io: &Self::Io<T>,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>>;
}

/// Retries `attempt` (a nonblocking try: `Ok(None)` means "not yet") with
/// backoff from 1 ms to 50 ms until it succeeds, fails, or `deadline`
/// passes (then `timed_out()`). The pauses are the crate's timer's: no
/// thread is held while one lasts, and no runtime driver is needed.
async fn retry<T>(
    deadline: Option<Instant>,
    mut attempt: impl FnMut() -> io::Result<Option<T>>,
    timed_out: impl FnOnce() -> io::Error,
) -> io::Result<T> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(done) = attempt()? {
            return Ok(done);
        }
        let now = Instant::now();
        let wake = match deadline {
            Some(deadline) if now >= deadline => return Err(timed_out()),
            Some(deadline) => deadline.min(now + pause),
            None => now + pause,
        };
        crate::sys::timer::sleep_until(wake).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

pub(crate) mod local_socket {
    use std::io::{self, IoSlice};
    use std::net::Shutdown;
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::os::unix::net::UnixListener;
    use std::task::{Context, Poll, ready};
    use std::time::Instant;

    use super::{Reactor, retry};
    use crate::sys::Credentials;
    use crate::sys::local_socket::{self as blocking, Bound, Resolved};

    /// A listening socket registered with a reactor, and what it holds.
    #[derive(Debug)]
    pub(crate) struct Listener<R: Reactor> {
        socket: R::Io<UnixListener>,
        bound: Bound,
    }

    impl<R: Reactor> Listener<R> {
        pub(crate) fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
            let (socket, bound) = listener.into_parts();
            socket.set_nonblocking(true)?;
            Ok(Self {
                socket: R::register(socket)?,
                bound,
            })
        }

        /// Back to a blocking listener (blocking accept).
        pub(crate) fn into_blocking(self) -> io::Result<blocking::Listener> {
            let socket = R::into_inner(self.socket)?;
            socket.set_nonblocking(false)?;
            Ok(blocking::Listener::from_parts(socket, self.bound))
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            R::get(&self.socket).as_fd()
        }

        pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream<R>>> {
            let stream = ready!(self.poll_accept_socket(cx))?;
            Poll::Ready(Ok(Stream {
                socket: R::register(stream)?,
            }))
        }

        /// Accepts a message socket (the listener listens for them).
        #[cfg(message_sockets)]
        pub(crate) fn poll_accept_messages(
            &self,
            cx: &mut Context<'_>,
        ) -> Poll<io::Result<MessageSocket<R>>> {
            let stream = ready!(self.poll_accept_socket(cx))?;
            let fd = OwnedFd::from(stream.into_std());
            let socket = crate::sys::message_socket::MessageSocket::new(
                fd,
                true,
                crate::sys::message_socket::Verdict::settled(),
            )?;
            Poll::Ready(Ok(MessageSocket {
                socket: R::register(socket)?,
            }))
        }

        /// The next admitted connection, nonblocking. Connections the
        /// access policy refuses are closed and skipped; after a run of
        /// them the task yields (waking itself), so a flood of refused
        /// clients cannot hold the executor.
        fn poll_accept_socket(&self, cx: &mut Context<'_>) -> Poll<io::Result<blocking::Stream>> {
            let accepted = R::poll_read_with(&self.socket, cx, |socket| {
                blocking::accept_nonblocking(socket, &self.bound)
            });
            match accepted {
                Poll::Ready(Ok(Some(stream))) => Poll::Ready(Ok(stream)),
                Poll::Ready(Ok(None)) => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    /// A message listener registered with a reactor: a listener whose
    /// accepts yield message sockets.
    #[cfg(message_sockets)]
    #[derive(Debug)]
    pub(crate) struct MessageListener<R: Reactor>(Listener<R>);

    #[cfg(message_sockets)]
    impl<R: Reactor> MessageListener<R> {
        pub(crate) fn from_blocking(listener: blocking::Listener) -> io::Result<Self> {
            Listener::from_blocking(listener).map(Self)
        }

        pub(crate) fn poll_accept(
            &self,
            cx: &mut Context<'_>,
        ) -> Poll<io::Result<MessageSocket<R>>> {
            self.0.poll_accept_messages(cx)
        }
    }

    /// A connected message socket registered with a reactor.
    #[cfg(message_sockets)]
    #[derive(Debug)]
    pub(crate) struct MessageSocket<R: Reactor> {
        socket: R::Io<crate::sys::message_socket::MessageSocket>,
    }

    #[cfg(message_sockets)]
    impl<R: Reactor> MessageSocket<R> {
        /// Connects without blocking the executor, retrying a full backlog
        /// as [`Stream::connect`] does.
        pub(crate) async fn connect(
            resolved: &Resolved,
            options: &blocking::ConnectOptions,
        ) -> io::Result<Self> {
            let deadline = options.timeout.map(|timeout| Instant::now() + timeout);
            let socket = retry(
                deadline,
                || {
                    crate::sys::message_socket::connect_nonblocking(
                        resolved,
                        &options.expected_server,
                    )
                },
                || blocking::backlog_timed_out(resolved),
            )
            .await?;
            Ok(Self {
                socket: R::register(socket)?,
            })
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            R::get(&self.socket).as_borrowed()
        }

        /// Sends one message. Cancelled before it completes, it sent
        /// nothing, or (framed) committed the whole message, which the next
        /// send finishes before its own.
        pub(crate) async fn send(
            &self,
            bufs: &[IoSlice<'_>],
            fds: &[BorrowedFd<'_>],
        ) -> io::Result<()> {
            std::future::poll_fn(|cx| {
                R::poll_write_with(&self.socket, cx, |socket| socket.flush())
            })
            .await?;
            std::future::poll_fn(|cx| {
                R::poll_write_with(&self.socket, cx, |socket| socket.start_send(bufs, fds))
            })
            .await?;
            std::future::poll_fn(|cx| R::poll_write_with(&self.socket, cx, |socket| socket.flush()))
                .await
        }

        /// Cancel safe: a poll that returns `Pending` took nothing.
        /// Descriptors that came with the message are closed.
        pub(crate) fn poll_recv(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_receive(cx, |socket| socket.recv_bytes(buf))
        }

        /// Cancel safe: a poll that returns `Pending` took nothing.
        pub(crate) fn poll_recv_to_vec(
            &self,
            cx: &mut Context<'_>,
            buf: &mut Vec<u8>,
        ) -> Poll<io::Result<usize>> {
            self.poll_receive(cx, |socket| socket.recv_to_vec(buf))
        }

        /// Runs `receive` when the socket is readable, or at once when it
        /// holds a message that an earlier receive took whole but could not
        /// return (see `message_socket`): the socket does not poll readable
        /// for that one.
        fn poll_receive(
            &self,
            cx: &mut Context<'_>,
            mut receive: impl FnMut(&crate::sys::message_socket::MessageSocket) -> io::Result<usize>,
        ) -> Poll<io::Result<usize>> {
            let socket = R::get(&self.socket);
            if socket.holds_message() {
                match receive(socket) {
                    // Another receive took it first.
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                    result => return Poll::Ready(result),
                }
            }
            R::poll_read_with(&self.socket, cx, receive)
        }

        pub(crate) fn max_message_size(&self) -> io::Result<usize> {
            R::get(&self.socket).max_message_size()
        }

        pub(crate) fn set_max_message_size(&self, size: usize) -> io::Result<()> {
            R::get(&self.socket).set_max_message_size(size)
        }

        pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
            R::get(&self.socket).peer_credentials()
        }
    }

    /// A connected socket registered with a reactor.
    #[derive(Debug)]
    pub(crate) struct Stream<R: Reactor> {
        socket: R::Io<blocking::Stream>,
    }

    impl<R: Reactor> Stream<R> {
        pub(crate) fn from_blocking(stream: blocking::Stream) -> io::Result<Self> {
            stream.set_nonblocking(true)?;
            Ok(Self {
                socket: R::register(stream)?,
            })
        }

        pub(crate) fn into_blocking(self) -> io::Result<blocking::Stream> {
            let stream = R::into_inner(self.socket)?;
            stream.set_nonblocking(false)?;
            Ok(stream)
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            R::get(&self.socket).as_borrowed()
        }

        /// Connects without blocking the executor. A full backlog (Linux)
        /// gives no readiness to wait for, so the nonblocking connect is
        /// retried with backoff until it gets in or `timeout` expires.
        pub(crate) async fn connect(
            resolved: &Resolved,
            options: &blocking::ConnectOptions,
        ) -> io::Result<Self> {
            let deadline = options.timeout.map(|timeout| Instant::now() + timeout);
            let stream = retry(
                deadline,
                || blocking::connect_nonblocking(resolved, &options.expected_server),
                || blocking::backlog_timed_out(resolved),
            )
            .await?;
            Self::from_blocking(stream)
        }

        pub(crate) fn poll_read(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            R::poll_read_with(&self.socket, cx, |stream| stream.read(buf))
        }

        pub(crate) fn poll_write(
            &self,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            R::poll_write_with(&self.socket, cx, |stream| stream.write(buf))
        }

        pub(crate) fn poll_write_vectored(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            R::poll_write_with(&self.socket, cx, |stream| stream.write_vectored(bufs))
        }

        /// Writes go straight to the socket: nothing to flush.
        pub(crate) fn poll_flush(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        /// Half-closes: the peer reads the end of the stream after what was
        /// written; reading here goes on.
        pub(crate) fn poll_shutdown(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(R::get(&self.socket).shutdown(Shutdown::Write))
        }

        pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
            R::get(&self.socket).peer_credentials()
        }
    }

    /// A stream that carries descriptors (`SCM_RIGHTS`), registered with a
    /// reactor: the stream itself, with two more operations.
    #[derive(Debug)]
    pub(crate) struct ResourceStream<R: Reactor>(Stream<R>);

    impl<R: Reactor> ResourceStream<R> {
        pub(crate) fn new(stream: Stream<R>) -> io::Result<Self> {
            Ok(Self(stream))
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            self.0.as_borrowed()
        }

        /// Cancel safe: a poll that returns `Pending` sent nothing.
        pub(crate) fn poll_send_with(
            &self,
            cx: &mut Context<'_>,
            bytes: &[u8],
            fds: &[BorrowedFd<'_>],
        ) -> Poll<io::Result<usize>> {
            R::poll_write_with(&self.0.socket, cx, |stream| stream.send_with(bytes, fds))
        }

        /// Cancel safe: a poll that returns `Pending` received nothing.
        pub(crate) fn poll_recv_with(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
            fds: &mut Vec<OwnedFd>,
        ) -> Poll<io::Result<usize>> {
            R::poll_read_with(&self.0.socket, cx, |stream| stream.recv_with(buf, fds))
        }

        pub(crate) fn poll_read(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.0.poll_read(cx, buf)
        }

        pub(crate) fn poll_write(
            &self,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
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
}

pub(crate) mod pipe {
    use std::io::{self, IoSlice};
    use std::os::fd::{AsFd, BorrowedFd};
    use std::path::Path;
    use std::task::{Context, Poll};

    use super::{Reactor, retry};
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::sys::Direction;
    use crate::sys::fifo::end_is_real;
    use crate::sys::pipe::{self as blocking, set_nonblocking};

    /// The write end of a pipe or FIFO, registered with a reactor.
    #[derive(Debug)]
    pub(crate) struct Sender<R: Reactor>(R::Io<blocking::Sender>);

    /// The read end of a pipe or FIFO, registered with a reactor.
    #[derive(Debug)]
    pub(crate) struct Receiver<R: Reactor> {
        io: R::Io<blocking::Receiver>,
        /// A FIFO opened before any writer: a read of `Ok(0)` then means
        /// "no writer yet", not the end, where the OS can tell the two apart.
        awaiting_writer: AtomicBool,
    }

    pub(crate) fn pipe<R: Reactor>() -> io::Result<(Sender<R>, Receiver<R>)> {
        let (sender, receiver) = blocking::pipe()?;
        Ok((
            Sender::from_blocking(sender)?,
            Receiver::from_blocking(receiver)?,
        ))
    }

    pub(crate) fn pipe_with_blocking_receiver<R: Reactor>()
    -> io::Result<(Sender<R>, blocking::Receiver)> {
        let (sender, receiver) = blocking::pipe()?;
        Ok((Sender::from_blocking(sender)?, receiver))
    }

    pub(crate) fn pipe_with_blocking_sender<R: Reactor>()
    -> io::Result<(blocking::Sender, Receiver<R>)> {
        let (sender, receiver) = blocking::pipe()?;
        Ok((sender, Receiver::from_blocking(receiver)?))
    }

    /// Opens a FIFO for writing without blocking the executor: retries a
    /// nonblocking open, with backoff, until some process has the FIFO open
    /// for reading.
    pub(crate) async fn open_fifo_sender<R: Reactor>(path: &Path) -> io::Result<Sender<R>> {
        let fd = retry(
            None,
            || match crate::sys::fifo::open(path, Direction::Write, true) {
                Ok(fd) => Ok(Some(fd)),
                Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(None),
                Err(error) => Err(error),
            },
            || unreachable!("no deadline"),
        )
        .await?;
        R::register(blocking::Sender::from_owned(fd)).map(Sender)
    }

    /// Opens a FIFO for reading, at once, writer or not.
    pub(crate) fn open_fifo_receiver<R: Reactor>(path: &Path) -> io::Result<Receiver<R>> {
        let fd = crate::sys::fifo::open(path, Direction::Read, true)?;
        Ok(Receiver {
            io: R::register(blocking::Receiver::from_owned(fd))?,
            awaiting_writer: AtomicBool::new(true),
        })
    }

    impl<R: Reactor> Sender<R> {
        pub(crate) fn from_blocking(sender: blocking::Sender) -> io::Result<Self> {
            set_nonblocking(sender.as_borrowed(), true)?;
            R::register(sender).map(Self)
        }

        pub(crate) fn into_blocking(self) -> io::Result<blocking::Sender> {
            let sender = R::into_inner(self.0)?;
            set_nonblocking(sender.as_borrowed(), false)?;
            Ok(sender)
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            R::get(&self.0).as_fd()
        }

        pub(crate) fn poll_write(
            &self,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            R::poll_write_with(&self.0, cx, |sender| sender.write(buf))
        }

        pub(crate) fn poll_write_vectored(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            R::poll_write_with(&self.0, cx, |sender| sender.write_vectored(bufs))
        }

        pub(crate) fn poll_flush(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl<R: Reactor> Receiver<R> {
        pub(crate) fn from_blocking(receiver: blocking::Receiver) -> io::Result<Self> {
            set_nonblocking(receiver.as_borrowed(), true)?;
            Ok(Self {
                io: R::register(receiver)?,
                awaiting_writer: AtomicBool::new(false),
            })
        }

        pub(crate) fn into_blocking(self) -> io::Result<blocking::Receiver> {
            let receiver = R::into_inner(self.io)?;
            set_nonblocking(receiver.as_borrowed(), false)?;
            Ok(receiver)
        }

        pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
            R::get(&self.io).as_fd()
        }

        pub(crate) fn poll_read(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            R::poll_read_with(&self.io, cx, |receiver| {
                let read = receiver.read(buf)?;
                if self.awaiting_writer.load(Ordering::Relaxed) {
                    if read == 0 && !buf.is_empty() && !end_is_real(receiver.as_borrowed())? {
                        // Wait for readiness: a writer's data or departure.
                        return Err(io::ErrorKind::WouldBlock.into());
                    }
                    self.awaiting_writer.store(false, Ordering::Relaxed);
                }
                Ok(read)
            })
        }
    }
}
