//! Local sockets on Unix: Unix domain stream sockets, carried as std's
//! `UnixListener` and `UnixStream`.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;

use rustix::net::{AddressFamily, SocketAddrUnix, SocketType};

pub(crate) use super::credentials::peer_credentials;
use super::credentials::{Admission, check_server};
use super::socket_file::{self, BindLock, FilePermissions, SocketFile};
pub(crate) use super::socket_name::Resolved;
use super::socket_name::{Address, ensure_private_dir};
use crate::error::with_context;
pub(crate) use crate::sys::ConnectOptions;
use crate::sys::{Access, Credentials, RefusalHook};
use std::sync::atomic::{AtomicBool, Ordering};

/// How many connections may wait for `accept` (the kernel caps it at its
/// own limit, `somaxconn` on Linux; other systems at theirs).
const BACKLOG: i32 = 1024;

/// The most one call is asked to move, as for pipes.
pub(crate) const MAX_RW: usize = 0x7fff_f000;
pub(crate) const MAX_IOV: usize = 1024;

// --- Streams -------------------------------------------------------------------

/// A connected Unix domain stream socket.
#[derive(Debug)]
pub(crate) struct Stream {
    socket: UnixStream,
    /// Mirrors `O_NONBLOCK`, to tell a timeout (`EAGAIN` on a blocking
    /// socket) from a nonblocking "would block".
    nonblocking: AtomicBool,
}

impl Stream {
    /// Wraps a connected socket; `nonblocking` must match its `O_NONBLOCK`.
    fn new(socket: UnixStream, nonblocking: bool) -> io::Result<Self> {
        suppress_sigpipe(socket.as_fd())?;
        Ok(Self {
            socket,
            nonblocking: AtomicBool::new(nonblocking),
        })
    }

    /// Wraps any connected std socket, reading its current mode.
    pub(crate) fn from_std(socket: UnixStream) -> Self {
        // Neither call can fail on an open socket; if one did, the stream
        // would only report a timeout as `WouldBlock`, or (Apple) a write to
        // a closed peer could raise SIGPIPE, which the process may ignore.
        let nonblocking = rustix::fs::fcntl_getfl(&socket)
            .is_ok_and(|flags| flags.contains(rustix::fs::OFlags::NONBLOCK));
        let _ = suppress_sigpipe(socket.as_fd());
        Self {
            socket,
            nonblocking: AtomicBool::new(nonblocking),
        }
    }

    pub(crate) fn into_std(self) -> UnixStream {
        self.socket
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    /// A blocking socket reports an expired timeout as `EAGAIN`: say
    /// `TimedOut`. A write to a peer that died with data unread fails with
    /// `ECONNRESET` instead of `EPIPE`: say `BrokenPipe` for both.
    fn normalise(&self, error: io::Error) -> io::Error {
        match error.kind() {
            io::ErrorKind::WouldBlock if !self.nonblocking.load(Ordering::Relaxed) => {
                io::Error::new(io::ErrorKind::TimedOut, "the socket operation timed out")
            }
            io::ErrorKind::ConnectionReset => io::Error::new(io::ErrorKind::BrokenPipe, error),
            _ => error,
        }
    }

    /// A read after the peer vanished is the end of the stream, also when
    /// it died with data of ours unread: the kernel then reports
    /// `ECONNRESET` once, after everything the peer sent.
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(MAX_RW);
        match rustix::io::read(&self.socket, &mut buf[..len]) {
            Err(rustix::io::Errno::CONNRESET) => Ok(0),
            result => result.map_err(|errno| self.normalise(errno.into())),
        }
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        let count = bufs.len().min(MAX_IOV);
        match rustix::io::readv(&self.socket, &mut bufs[..count]) {
            Err(rustix::io::Errno::CONNRESET) => Ok(0),
            result => result.map_err(|errno| self.normalise(errno.into())),
        }
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len().min(MAX_RW);
        send(self.socket.as_fd(), &buf[..len]).map_err(|error| self.normalise(error))
    }

    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let count = bufs.len().min(MAX_IOV);
        send_vectored(self.socket.as_fd(), &bufs[..count]).map_err(|error| self.normalise(error))
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.socket.set_read_timeout(timeout)
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.socket.set_write_timeout(timeout)
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
        })
    }

    pub(crate) fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.socket.shutdown(how)
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        peer_credentials(self.socket.as_fd())
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

/// `send(2)` with `MSG_NOSIGNAL`: a closed peer is `EPIPE`, never `SIGPIPE`.
#[cfg(not(apple))]
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::net::send(
        fd,
        buf,
        rustix::net::SendFlags::NOSIGNAL,
    )?)
}

#[cfg(not(apple))]
pub(crate) fn send_vectored(fd: BorrowedFd<'_>, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let mut control = rustix::net::SendAncillaryBuffer::default();
    Ok(rustix::net::sendmsg(
        fd,
        bufs,
        &mut control,
        rustix::net::SendFlags::NOSIGNAL,
    )?)
}

/// Apple has no `MSG_NOSIGNAL`; every socket gets `SO_NOSIGPIPE` instead.
#[cfg(apple)]
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::io::write(fd, buf)?)
}

#[cfg(apple)]
pub(crate) fn send_vectored(fd: BorrowedFd<'_>, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    Ok(rustix::io::writev(fd, bufs)?)
}

#[cfg(apple)]
pub(crate) fn suppress_sigpipe(fd: BorrowedFd<'_>) -> io::Result<()> {
    Ok(rustix::net::sockopt::set_socket_nosigpipe(fd, true)?)
}

#[cfg(not(apple))]
pub(crate) fn suppress_sigpipe(_fd: BorrowedFd<'_>) -> io::Result<()> {
    Ok(())
}

// --- Connecting ------------------------------------------------------------------

/// A fresh close-on-exec stream socket.
pub(crate) fn new_socket() -> io::Result<OwnedFd> {
    #[cfg(not(no_sock_cloexec))]
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )?;
    #[cfg(no_sock_cloexec)]
    let fd = {
        let fd = rustix::net::socket(AddressFamily::UNIX, SocketType::STREAM, None)?;
        super::pipe::set_inheritable(fd.as_fd(), false)?;
        fd
    };
    Ok(fd)
}

/// A name in a per-user directory: that directory must be private (and a
/// missing one means nobody listens).
fn check_private_dir(resolved: &Resolved) -> io::Result<()> {
    let Some(dir) = &resolved.private_dir else {
        return Ok(());
    };
    ensure_private_dir(dir, false).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => no_listener(resolved, error),
        _ => error,
    })
}

fn socket_address(resolved: &Resolved) -> io::Result<SocketAddrUnix> {
    Ok(match &resolved.address {
        Address::Path(path) => SocketAddrUnix::new(path.as_path())?,
        #[cfg(linux_like)]
        Address::Abstract(name) => SocketAddrUnix::new_abstract_name(name)?,
    })
}

/// Connects to `resolved`, and checks who serves it before returning.
pub(crate) fn connect(resolved: &Resolved, options: &ConnectOptions) -> io::Result<Stream> {
    check_private_dir(resolved)?;
    let fd = new_socket()?;
    let timeout = options.timeout;
    if timeout.is_some() {
        rustix::net::sockopt::set_socket_timeout(
            &fd,
            rustix::net::sockopt::Timeout::Send,
            timeout,
        )?;
    }
    if let Err(errno) = rustix::net::connect(&fd, &socket_address(resolved)?) {
        return Err(connect_error(resolved, errno.into(), timeout));
    }
    check_server(fd.as_fd(), resolved, &options.expected_server)?;
    if timeout.is_some() {
        rustix::net::sockopt::set_socket_timeout(&fd, rustix::net::sockopt::Timeout::Send, None)?;
    }
    let stream = Stream::new(UnixStream::from(fd), false)?;
    if options.nonblocking {
        stream.set_nonblocking(true)?;
    }
    Ok(stream)
}

#[cfg(async_front_end)]
/// Connects without waiting, and checks who serves the name: the stream
/// (nonblocking), or `None` when the listener's backlog is full (Linux;
/// other Unixes refuse at once).
pub(crate) fn connect_nonblocking(
    resolved: &Resolved,
    expected_server: &crate::sys::ExpectedServer,
) -> io::Result<Option<Stream>> {
    check_private_dir(resolved)?;
    let fd = new_socket()?;
    rustix::io::ioctl_fionbio(&fd, true)?;
    match rustix::net::connect(&fd, &socket_address(resolved)?) {
        Ok(()) => {}
        Err(rustix::io::Errno::AGAIN) => return Ok(None),
        // Not seen for Unix sockets, but allowed by POSIX: the connection
        // completes in the background; wait for it like a full backlog.
        Err(rustix::io::Errno::INPROGRESS) => return Ok(None),
        Err(errno) => return Err(connect_error(resolved, errno.into(), None)),
    }
    check_server(fd.as_fd(), resolved, expected_server)?;
    Stream::new(UnixStream::from(fd), true).map(Some)
}

#[cfg(async_front_end)]
/// The error of a connect whose timeout expired while the backlog was full.
pub(crate) fn backlog_timed_out(resolved: &Resolved) -> io::Error {
    connect_error(
        resolved,
        io::Error::from_raw_os_error(libc::EAGAIN),
        Some(Duration::ZERO),
    )
}

fn no_listener(resolved: &Resolved, error: io::Error) -> io::Error {
    with_context(
        io::ErrorKind::NotFound,
        format!("no listener on `{resolved}`"),
        error,
    )
}

fn connect_error(resolved: &Resolved, error: io::Error, timeout: Option<Duration>) -> io::Error {
    let message = match error.kind() {
        io::ErrorKind::NotFound => return no_listener(resolved, error),
        // An abstract name without a listener does not exist at all.
        io::ErrorKind::ConnectionRefused if resolved.fs_path().is_none() => {
            return no_listener(resolved, error);
        }
        io::ErrorKind::ConnectionRefused => match not_a_socket(resolved) {
            Some(what) => format!("cannot connect to `{resolved}`: it is {what}, not a socket"),
            None => format!(
                "nobody listens on `{resolved}`: the socket file is stale (its server has exited)"
            ),
        },
        io::ErrorKind::WouldBlock if timeout.is_some() => {
            return with_context(
                io::ErrorKind::TimedOut,
                format!("timed out connecting to `{resolved}`: its listener's backlog stayed full"),
                error,
            );
        }
        _ => format!("cannot connect to `{resolved}`: {error}"),
    };
    with_context(error.kind(), message, error)
}

/// What is at a refused path if it is not a socket file.
fn not_a_socket(resolved: &Resolved) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let file_type = std::fs::metadata(resolved.fs_path()?).ok()?.file_type();
    if file_type.is_socket() {
        None
    } else if file_type.is_dir() {
        Some("a directory")
    } else if file_type.is_file() {
        Some("a regular file")
    } else {
        Some("a file of another kind")
    }
}

// --- Listening -------------------------------------------------------------------

/// How many refused connections one nonblocking accept skips before it
/// says `WouldBlock`, so that a flood of refused clients cannot keep it
/// (and an async executor) busy without end.
pub(crate) const REFUSALS_PER_ACCEPT: usize = 64;

/// What a listener holds besides its socket: the file it installed, the
/// lock on it, and the check it makes of each connection. Dropped after
/// the socket: the file goes first, then the lock.
#[derive(Debug)]
pub(crate) struct Bound {
    file: Option<SocketFile>,
    #[allow(
        dead_code,
        reason = "held for the listener's lifetime, released by Drop"
    )]
    lock: Option<BindLock>,
    admission: Admission,
}

impl Bound {
    /// Takes one connection that the access policy admits, closing those
    /// it refuses; with `budget`, gives up (`Ok(None)`) after that many
    /// refusals.
    fn accept_admitted(
        &self,
        budget: Option<usize>,
        mut accept: impl FnMut() -> io::Result<UnixStream>,
    ) -> io::Result<Option<UnixStream>> {
        let mut refused = 0;
        loop {
            let socket = accept()?;
            if self.admission.admits(socket.as_fd()) {
                return Ok(Some(socket));
            }
            // Dropped unread and unwritten: the refused peer sees the end of
            // the stream, or a reset if it had sent something.
            drop(socket);
            refused += 1;
            if budget.is_some_and(|budget| refused >= budget) {
                return Ok(None);
            }
        }
    }
}

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
    accepted.map(|socket| Stream::new(socket, true)).transpose()
}

impl Listener {
    pub(crate) fn from_std(socket: UnixListener) -> Self {
        let nonblocking = rustix::fs::fcntl_getfl(&socket)
            .is_ok_and(|flags| flags.contains(rustix::fs::OFlags::NONBLOCK));
        Self {
            socket,
            bound: Bound {
                file: None,
                lock: None,
                admission: Admission::everyone(),
            },
            nonblocking: AtomicBool::new(nonblocking),
        }
    }

    /// The socket, for the caller to own; its file stays where it is, and
    /// the lock is released.
    pub(crate) fn into_std(self) -> UnixListener {
        if let Some(file) = self.bound.file {
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

    #[cfg(async_front_end)]
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
        Stream::new(socket, false)
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.socket.set_nonblocking(nonblocking)?;
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
        Ok(())
    }
}

/// How a listener is bound: the portable `ListenerOptions` less the name.
#[derive(Clone, Default)]
pub(crate) struct BindOptions {
    pub(crate) access: Access,
    pub(crate) on_refused: Option<RefusalHook>,
    pub(crate) nonblocking: bool,
    /// The socket file's exact permission bits, instead of those the
    /// access policy implies.
    pub(crate) mode: Option<u32>,
}

impl std::fmt::Debug for BindOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BindOptions")
            .field("access", &self.access)
            .field("on_refused", &self.on_refused.is_some())
            .field("nonblocking", &self.nonblocking)
            .field("mode", &self.mode.map(|mode| format!("{mode:#o}")))
            .finish()
    }
}

/// How a socket file enforces `access`: its permission bits and group, and
/// the check left for accept (only for lists of users, which no mode can
/// express).
fn file_policy(
    access: &Access,
    mode: Option<u32>,
    on_refused: Option<RefusalHook>,
) -> (FilePermissions, Admission) {
    let (implied, group, admission) = match access {
        Access::CurrentUser => (0o600, None, Admission::everyone()),
        Access::AnyUser => (0o666, None, Admission::everyone()),
        Access::Group(group) => (0o660, Some(group.0), Admission::everyone()),
        Access::Users(_) => (0o666, None, Admission::enforcing(access, on_refused)),
    };
    let permissions = FilePermissions {
        mode: mode.unwrap_or(implied),
        group,
    };
    (permissions, admission)
}

/// Binds and listens on `resolved`.
pub(crate) fn bind(resolved: &Resolved, options: &BindOptions) -> io::Result<Listener> {
    if let Some(mode) = options.mode {
        if mode & !0o777 != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("socket file mode {mode:#o} has bits outside the permission bits 0o777"),
            ));
        }
    }
    let on_refused = options.on_refused.clone();
    let (socket, bound) = match &resolved.address {
        Address::Path(path) => {
            if let Some(dir) = &resolved.private_dir {
                if options.access != Access::CurrentUser {
                    return Err(per_user_directory_is_private(resolved));
                }
                ensure_private_dir(dir, true)?;
            }
            let (permissions, admission) = file_policy(&options.access, options.mode, on_refused);
            let bound_file = socket_file::bind(resolved, path, permissions, BACKLOG)?;
            let bound = Bound {
                file: Some(bound_file.file),
                lock: Some(bound_file.lock),
                admission,
            };
            (bound_file.socket, bound)
        }
        #[cfg(linux_like)]
        Address::Abstract(_) => {
            let fd = new_socket()?;
            rustix::net::bind(&fd, &socket_address(resolved)?).map_err(|errno| {
                match super::sock_diag::abstract_name_owner(resolved) {
                    Some(uid) => with_context(
                        io::ErrorKind::AddrInUse,
                        format!("cannot bind `{resolved}`: another listener is active on it (it runs as uid {uid})"),
                        errno.into(),
                    ),
                    None => socket_file::bind_error(resolved, errno.into()),
                }
            })?;
            rustix::net::listen(&fd, BACKLOG)
                .map_err(|errno| socket_file::bind_error(resolved, errno.into()))?;
            let bound = Bound {
                file: None,
                lock: None,
                admission: Admission::enforcing(&options.access, on_refused),
            };
            (fd, bound)
        }
    };
    let listener = Listener {
        socket: UnixListener::from(socket),
        bound,
        nonblocking: AtomicBool::new(false),
    };
    listener.set_nonblocking(options.nonblocking)?;
    Ok(listener)
}

/// Namespaced names outside Linux live in a directory only their user can
/// enter; a wider policy could not be kept.
fn per_user_directory_is_private(resolved: &Resolved) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "cannot bind `{resolved}` for other users: on this OS a namespaced name is a \
             socket file in a per-user directory that only its user can enter, so only \
             Access::current_user() applies; use Name::path for a socket other users reach"
        ),
    )
}

pub(crate) use super::socket_name::{resolve_namespaced, resolve_path};

/// What Linux cannot reach through the public API, since its namespaced
/// names are abstract: a namespaced name in a per-user directory.
#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use super::{BindOptions, bind};
    use crate::sys::Access;
    use crate::sys::unix::socket_name::{Address, Resolved};

    #[test]
    fn a_per_user_directory_takes_only_the_current_user_policy() {
        let dir =
            std::env::temp_dir().join(format!("localipc-unit-{}-peruser", std::process::id()));
        let resolved = Resolved {
            address: Address::Path(dir.join("app.sock")),
            private_dir: Some(dir.clone()),
        };
        for access in [Access::AnyUser, Access::Users(Vec::new())] {
            let options = BindOptions {
                access,
                ..BindOptions::default()
            };
            let error = bind(&resolved, &options).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
            assert!(error.to_string().contains("Name::path"), "{error}");
        }
        let listener = bind(&resolved, &BindOptions::default()).unwrap();
        drop(listener);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
