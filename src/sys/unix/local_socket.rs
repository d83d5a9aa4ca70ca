//! Local sockets on Unix: Unix domain stream sockets, carried as std's
//! `UnixListener` and `UnixStream`, over the type-neutral `socket` layer.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustix::net::{SendAncillaryBuffer, SocketType};

pub(crate) use super::credentials::peer_credentials;
use super::deadline::Deadline;
use super::refusal::Verdict;
use super::scm_rights;
use super::socket::REFUSALS_PER_ACCEPT;
pub(crate) use super::socket::{BindOptions, Bound};
use super::socket_io::{self, MAX_IOV, MAX_RW, suppress_sigpipe};
pub(crate) use super::socket_name::Resolved;
pub(crate) use crate::sys::ConnectOptions;
use crate::sys::Credentials;

// --- Streams -------------------------------------------------------------------

/// A connected Unix domain stream socket.
#[derive(Debug)]
pub(crate) struct Stream {
    socket: UnixStream,
    /// Mirrors `O_NONBLOCK`, to tell a timeout (`EAGAIN` on a blocking
    /// socket) from a nonblocking "would block".
    nonblocking: AtomicBool,
    /// Mirrors whether `SO_SNDTIMEO` is set: a blocking write then keeps
    /// its own deadline (see [`write_within`](Self::write_within)).
    has_write_timeout: AtomicBool,
    /// Whether the first bytes may be a listener's refusal (see
    /// `refusal`): on the client side of localipc's own connects.
    verdict: Verdict,
}

impl Stream {
    /// Wraps a socket of localipc's own connect or accept (no timeouts);
    /// `nonblocking` must match its `O_NONBLOCK`.
    fn new(socket: UnixStream, nonblocking: bool, verdict: Verdict) -> io::Result<Self> {
        suppress_sigpipe(socket.as_fd())?;
        Ok(Self {
            socket,
            nonblocking: AtomicBool::new(nonblocking),
            has_write_timeout: AtomicBool::new(false),
            verdict,
        })
    }

    /// Wraps any connected std socket, reading its current mode.
    pub(crate) fn from_std(socket: UnixStream) -> Self {
        // No call can fail on an open socket; if one did, the stream would
        // only report a timeout as `WouldBlock`, or (Apple) a write to a
        // closed peer could raise SIGPIPE, which the process may ignore, or
        // a write could wait past its timeout as the kernel's own would.
        let nonblocking = rustix::fs::fcntl_getfl(&socket)
            .is_ok_and(|flags| flags.contains(rustix::fs::OFlags::NONBLOCK));
        let has_write_timeout = socket
            .write_timeout()
            .is_ok_and(|timeout| timeout.is_some());
        let _ = suppress_sigpipe(socket.as_fd());
        Self {
            socket,
            nonblocking: AtomicBool::new(nonblocking),
            has_write_timeout: AtomicBool::new(has_write_timeout),
            verdict: Verdict::settled(),
        }
    }

    pub(crate) fn into_std(self) -> UnixStream {
        self.socket
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    /// See [`socket_io::normalise`].
    fn normalise(&self, error: io::Error) -> io::Error {
        socket_io::normalise(error, self.nonblocking.load(Ordering::Relaxed))
    }

    /// [`normalise`](Self::normalise) for a send, which also tells a
    /// refusal (see `refusal`) from a peer that closed.
    fn normalise_send(&self, error: io::Error) -> io::Error {
        let error = self.normalise(error);
        self.verdict.explain(self.socket.as_fd(), error)
    }

    /// Before a read: `PermissionDenied` if the listener refused this
    /// client (see `refusal`).
    #[inline]
    fn check_verdict(&self) -> io::Result<()> {
        self.verdict
            .check(self.socket.as_fd(), false)
            .map_err(|error| self.normalise(error))
    }

    /// A read after the peer vanished is the end of the stream, also when
    /// it died with data of ours unread: the kernel then reports
    /// `ECONNRESET` once, after everything the peer sent.
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.check_verdict()?;
        let len = buf.len().min(MAX_RW);
        match rustix::io::read(&self.socket, &mut buf[..len]) {
            Err(rustix::io::Errno::CONNRESET) => Ok(0),
            result => result.map_err(|errno| self.normalise(errno.into())),
        }
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.check_verdict()?;
        match socket_io::recv_vectored(self.socket.as_fd(), bufs) {
            Ok(bytes) => Ok(bytes),
            Err(rustix::io::Errno::CONNRESET) => Ok(0),
            Err(errno) => Err(self.normalise(errno.into())),
        }
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let fd = self.socket.as_fd();
        if self.bounded_writes() {
            let len = buf.len().min(MAX_RW);
            return self.write_within(len, |at, dont_wait| {
                socket_io::send(fd, &buf[at..len], dont_wait)
            });
        }
        socket_io::send(fd, buf, false).map_err(|error| self.normalise_send(error))
    }

    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let fd = self.socket.as_fd();
        let mut no_control = SendAncillaryBuffer::default();
        if self.bounded_writes() {
            let bufs = &bufs[..bufs.len().min(MAX_IOV)];
            let len = bufs
                .iter()
                .fold(0usize, |len, buf| len.saturating_add(buf.len()))
                .min(MAX_RW);
            return self.write_within(len, |at, dont_wait| {
                if at == 0 {
                    return socket_io::send_message(fd, bufs, &mut no_control, dont_wait);
                }
                // Only once the socket was full and a wait for room
                // followed: the allocation is nothing beside it.
                let rest = rest_of(bufs, at);
                socket_io::send_message(fd, &rest, &mut no_control, dont_wait)
            });
        }
        socket_io::send_message(fd, bufs, &mut no_control, false)
            .map_err(|error| self.normalise_send(error))
    }

    /// Some of `bytes` (at least one) with every descriptor of `fds`.
    pub(crate) fn send_with(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        let fd = self.socket.as_fd();
        if self.bounded_writes() {
            crate::sys::check_resources(bytes, fds.len())?;
            let len = bytes.len().min(MAX_RW);
            return self.write_within(len, |at, dont_wait| {
                // The descriptors go with the first byte.
                let fds = if at == 0 { fds } else { &[] };
                let rest = [IoSlice::new(&bytes[at..len])];
                scm_rights::send_vectored_with(fd, &rest, fds, dont_wait)
            });
        }
        scm_rights::send_with(fd, bytes, fds).map_err(|error| self.normalise_send(error))
    }

    /// Whether a write blocks under a write timeout.
    fn bounded_writes(&self) -> bool {
        self.has_write_timeout.load(Ordering::Relaxed) && !self.nonblocking.load(Ordering::Relaxed)
    }

    /// A blocking write of `len` bytes under a write timeout, which bounds
    /// it whole: the kernels of Linux and the BSDs give each chunk of a
    /// large send the full `SO_SNDTIMEO` again, so a reader that drains
    /// slowly could hold one `send` for many timeouts. `send(at,
    /// dont_wait)` sends from byte `at` on; here it never waits in the
    /// kernel, and `poll(2)` waits for room for the time left (see
    /// `deadline`). All `len` bytes, or as many as went when the time was
    /// up or an error came (which the next write meets); `TimedOut` if
    /// none did.
    fn write_within(
        &self,
        len: usize,
        mut send: impl FnMut(usize, bool) -> io::Result<usize>,
    ) -> io::Result<usize> {
        let mut deadline = Deadline::send(self.socket.as_fd(), true);
        let mut written = 0;
        while written < len {
            match deadline.run(|dont_wait| send(written, dont_wait)) {
                Ok(0) => break,
                Ok(n) => written += n,
                Err(_) if written > 0 => break,
                Err(error) => return Err(self.normalise_send(error)),
            }
        }
        Ok(written)
    }

    /// Bytes into `buf`, and the descriptors that came with them into
    /// `fds`; a loss of descriptors is an error that closes those that came.
    pub(crate) fn recv_with(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        self.recv_with_credentials(buf, fds)
            .map(|(bytes, _writer)| bytes)
    }

    /// As [`recv_with`](Self::recv_with), with the writer's credentials if
    /// they came (Linux and Android, with `SO_PASSCRED` on).
    pub(crate) fn recv_with_credentials(
        &self,
        buf: &mut [u8],
        fds: &mut Vec<OwnedFd>,
    ) -> io::Result<(usize, Option<Credentials>)> {
        self.check_verdict()?;
        match scm_rights::recv_with(self.socket.as_fd(), buf, fds) {
            Ok(received) if received.lost => Err(crate::error::ResourcesLost::error(
                io::ErrorKind::InvalidData,
                received.bytes,
                "the kernel could not deliver them all: too many open files, or too many for one call",
            )),
            Ok(received) => Ok((received.bytes, received.writer)),
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => Ok((0, None)),
            Err(error) => Err(self.normalise(error)),
        }
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.socket.set_read_timeout(timeout)
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.socket.set_write_timeout(timeout)?;
        self.has_write_timeout
            .store(timeout.is_some(), Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.socket.read_timeout()
    }

    pub(crate) fn write_timeout(&self) -> io::Result<Option<Duration>> {
        self.socket.write_timeout()
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.socket.set_nonblocking(nonblocking)?;
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        let socket = self.socket.try_clone()?;
        Ok(Self {
            socket,
            nonblocking: AtomicBool::new(self.nonblocking.load(Ordering::Relaxed)),
            has_write_timeout: AtomicBool::new(self.has_write_timeout.load(Ordering::Relaxed)),
            verdict: self.verdict.copy(),
        })
    }

    pub(crate) fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.socket.shutdown(how)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        peer_credentials(self.socket.as_fd())
    }
}

/// `bufs` less their first `at` bytes.
fn rest_of<'a>(bufs: &'a [IoSlice<'_>], mut at: usize) -> Vec<IoSlice<'a>> {
    let mut rest = Vec::with_capacity(bufs.len());
    for buf in bufs {
        if at >= buf.len() {
            at -= buf.len();
            continue;
        }
        rest.push(IoSlice::new(&buf[at..]));
        at = 0;
    }
    rest
}

/// A stream that carries descriptors: the stream itself, with
/// `SCM_RIGHTS` (no framing of the bytes).
#[derive(Debug)]
pub(crate) struct ResourceStream(Stream);

impl ResourceStream {
    pub(crate) fn new(stream: Stream) -> io::Result<Self> {
        Ok(Self(stream))
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn send_with(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        self.0.send_with(bytes, fds)
    }

    pub(crate) fn recv_with(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        self.0.recv_with(buf, fds)
    }

    #[cfg(linux_like)]
    pub(crate) fn recv_with_credentials(
        &self,
        buf: &mut [u8],
        fds: &mut Vec<OwnedFd>,
    ) -> io::Result<(usize, Option<Credentials>)> {
        self.0.recv_with_credentials(buf, fds)
    }

    /// `SO_PASSCRED`: whether the writer's credentials come with receives.
    #[cfg(linux_like)]
    pub(crate) fn set_pass_credentials(&self, on: bool) -> io::Result<()> {
        Ok(rustix::net::sockopt::set_socket_passcred(
            self.0.as_borrowed(),
            on,
        )?)
    }

    #[cfg(linux_like)]
    pub(crate) fn pass_credentials(&self) -> io::Result<bool> {
        Ok(rustix::net::sockopt::socket_passcred(self.0.as_borrowed())?)
    }

    /// A plain `read`: the kernel closes descriptors that come with the
    /// bytes, since no room is given for them.
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_read_timeout(timeout)
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_write_timeout(timeout)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        self.0.peer_credentials()
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl std::os::fd::AsRawFd for Stream {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.socket)
    }
}

/// Connects to `resolved`, and checks who serves it before returning.
pub(crate) fn connect(resolved: &Resolved, options: &ConnectOptions) -> io::Result<Stream> {
    #[cfg(messages_framed)]
    refuse_framed_other_kind(resolved, false)?;
    let fd = super::socket::connect(resolved, options, SocketType::STREAM)
        .map_err(|error| other_kind_listens(resolved, error, false))?;
    Stream::new(
        UnixStream::from(fd),
        options.nonblocking,
        Verdict::awaited(),
    )
}

#[cfg(async_front_end)]
/// Connects without waiting, and checks who serves the name: the stream
/// (nonblocking), or `None` when the listener's backlog is full.
pub(crate) fn connect_nonblocking(
    resolved: &Resolved,
    expected_server: &crate::sys::ExpectedServer,
) -> io::Result<Option<Stream>> {
    #[cfg(messages_framed)]
    refuse_framed_other_kind(resolved, false)?;
    let connected =
        super::socket::connect_nonblocking(resolved, expected_server, SocketType::STREAM)
            .map_err(|error| other_kind_listens(resolved, error, false))?;
    connected
        .map(|fd| Stream::new(UnixStream::from(fd), true, Verdict::awaited()))
        .transpose()
}

#[cfg(async_front_end)]
pub(crate) use super::socket::backlog_timed_out;

/// A listening socket and what it holds.
#[derive(Debug)]
pub(crate) struct Listener {
    socket: UnixListener,
    bound: Bound,
    nonblocking: AtomicBool,
}

#[cfg(async_front_end)]
/// Accepts a connection that `bound`'s policy admits, already in
/// nonblocking mode, for the async front ends: one `accept4` on Linux and
/// Android, `accept` plus `FIONBIO` elsewhere. `Ok(None)` after
/// [`REFUSALS_PER_ACCEPT`] refusals: the caller should yield and try again.
pub(crate) fn accept_nonblocking(
    listener: &UnixListener,
    bound: &Bound,
) -> io::Result<Option<Stream>> {
    let accepted = bound.accept_admitted(Some(REFUSALS_PER_ACCEPT), || {
        #[cfg(linux_like)]
        let socket = UnixStream::from(rustix::net::accept_with(
            listener,
            rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC,
        )?);
        #[cfg(not(linux_like))]
        let socket = {
            let (socket, _) = listener.accept()?;
            socket.set_nonblocking(true)?;
            socket
        };
        Ok(socket)
    })?;
    accepted
        .map(|socket| Stream::new(socket, true, Verdict::settled()))
        .transpose()
}

impl Listener {
    pub(crate) fn from_std(socket: UnixListener) -> Self {
        let nonblocking = rustix::fs::fcntl_getfl(&socket)
            .is_ok_and(|flags| flags.contains(rustix::fs::OFlags::NONBLOCK));
        Self {
            socket,
            bound: Bound::nothing(),
            nonblocking: AtomicBool::new(nonblocking),
        }
    }

    /// The socket, for the caller to own; its file stays where it is, and
    /// the lock is released.
    pub(crate) fn into_std(mut self) -> UnixListener {
        if let Some(file) = self.bound.file.take() {
            file.keep();
        }
        self.socket
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    #[cfg(async_front_end)]
    /// The socket and what it holds, apart, for an async front end that
    /// carries the socket in its own type.
    pub(crate) fn into_parts(self) -> (UnixListener, Bound) {
        (self.socket, self.bound)
    }

    /// A blocking listener (in blocking mode) from parts.
    pub(crate) fn from_parts(socket: UnixListener, bound: Bound) -> Self {
        Self {
            socket,
            bound,
            nonblocking: AtomicBool::new(false),
        }
    }

    /// Takes the next connection the access policy admits. Refused ones are
    /// closed and skipped: a blocking accept goes on waiting; a nonblocking
    /// one says `WouldBlock` once nothing admitted is waiting, or after
    /// [`REFUSALS_PER_ACCEPT`] refusals.
    pub(crate) fn accept(&self) -> io::Result<Stream> {
        Stream::new(self.accept_socket()?, false, Verdict::settled())
    }

    /// The next admitted connection, in blocking mode (message sockets
    /// take theirs as a descriptor: `message_socket.rs`).
    pub(crate) fn accept_socket(&self) -> io::Result<UnixStream> {
        let nonblocking = self.nonblocking.load(Ordering::Relaxed);
        let budget = nonblocking.then_some(REFUSALS_PER_ACCEPT);
        let accepted = self
            .bound
            .accept_admitted(budget, || Ok(self.socket.accept()?.0))?;
        let Some(socket) = accepted else {
            return Err(io::ErrorKind::WouldBlock.into());
        };
        // Accepted sockets are blocking whatever the listener's mode. Linux's
        // accept4 never passes O_NONBLOCK on; BSD-style accept may.
        #[cfg(not(linux_like))]
        socket.set_nonblocking(false)?;
        Ok(socket)
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.socket.set_nonblocking(nonblocking)?;
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
        Ok(())
    }

    /// A second listener on the same socket, with the same checks; the
    /// socket file and its lock stay with this one.
    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        Ok(Self {
            socket: self.socket.try_clone()?,
            bound: self.bound.for_clone(),
            nonblocking: AtomicBool::new(self.nonblocking.load(Ordering::Relaxed)),
        })
    }
}

/// Binds and listens on `resolved`.
pub(crate) fn bind(resolved: &Resolved, options: &BindOptions) -> io::Result<Listener> {
    bind_kind(resolved, options, SocketType::STREAM, false)
}

/// Binds and listens on `resolved` for sockets of type `kind`, as a
/// listener of messages (`messages`) or streams.
pub(crate) fn bind_kind(
    resolved: &Resolved,
    options: &BindOptions,
    kind: SocketType,
    messages: bool,
) -> io::Result<Listener> {
    let (socket, bound) = super::socket::bind(resolved, options, kind, messages)?;
    Ok(Listener {
        socket: UnixListener::from(socket),
        bound,
        nonblocking: AtomicBool::new(options.nonblocking),
    })
}

pub(crate) use super::socket_name::{resolve_namespaced, resolve_path};

/// The error of a connect that found a listener of the other kind on the
/// name: `EPROTOTYPE` (a socket file of the other type), or (Linux and
/// Android) an abstract name refused by the other kind's placeholder while
/// the kernel lists a listener of the other type on it. `messages` says
/// which kind the caller connects. Other errors pass unchanged.
pub(crate) fn other_kind_listens(
    resolved: &Resolved,
    error: io::Error,
    messages: bool,
) -> io::Error {
    let raw = crate::error::raw_os_error(&error);
    let other_kind = raw == Some(rustix::io::Errno::PROTOTYPE.raw_os_error())
        || (raw == Some(rustix::io::Errno::CONNREFUSED.raw_os_error())
            && other_kind_on_abstract_name(resolved, messages));
    if !other_kind {
        return error;
    }
    crate::error::with_context(
        io::ErrorKind::InvalidInput,
        other_kind_message(resolved, messages),
        error,
    )
}

/// What a client of messages (`messages`) or streams is told when the
/// other kind listens on `resolved`.
fn other_kind_message(resolved: &Resolved, messages: bool) -> String {
    if messages {
        format!(
            "`{resolved}` has a stream listener, not a message socket: a name belongs to one \
             kind; connect to it with `Stream::connect`"
        )
    } else {
        format!(
            "`{resolved}` has a message socket listening (a MessageListener), not a stream \
             listener: a name belongs to one kind; connect to it with `MessageSocket::connect`"
        )
    }
}

/// Where message sockets are framed over `SOCK_STREAM` (Apple systems), a
/// connect of the other kind would get in: before connecting to a socket
/// file, a client reads which kind holds it from its lock file (readable
/// by the listener's user) and refuses the other kind. A listener whose
/// lock file cannot be read (another user's, or not localipc's) is
/// connected to; the framing's hello then tells the message side.
#[cfg(messages_framed)]
pub(crate) fn refuse_framed_other_kind(resolved: &Resolved, messages: bool) -> io::Result<()> {
    let Some(path) = resolved.fs_path() else {
        return Ok(());
    };
    match super::socket_file::holder_kind(path) {
        Some(held) if held != messages => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            other_kind_message(resolved, messages),
        )),
        _ => Ok(()),
    }
}

/// Whether the kernel lists a listener of the other kind than `messages`
/// on the abstract name `resolved`.
#[cfg(linux_like)]
fn other_kind_on_abstract_name(resolved: &Resolved, messages: bool) -> bool {
    let wanted = if messages && cfg!(not(messages_framed)) {
        SocketType::SEQPACKET
    } else {
        SocketType::STREAM
    };
    super::sock_diag::abstract_name_listener(resolved)
        .is_some_and(|listening| listening.socket_type != wanted)
}

#[cfg(not(linux_like))]
fn other_kind_on_abstract_name(_resolved: &Resolved, _messages: bool) -> bool {
    false
}
