//! Local sockets on Unix: Unix domain stream sockets, carried as std's
//! `UnixListener` and `UnixStream`.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use rustix::net::{AddressFamily, SocketAddrUnix, SocketType};

pub(crate) use super::socket_name::Resolved;
use super::socket_name::{Address, ensure_private_dir};
use crate::sys::Credentials;

/// How many connections may wait for `accept` (the kernel caps it at its
/// own limit, `somaxconn` on Linux).
#[cfg(any(target_os = "linux", target_os = "android"))]
const BACKLOG: i32 = 1024;

/// The default permission bits of a socket file: only the owner may connect.
pub(crate) const DEFAULT_MODE: u32 = 0o600;

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

    /// A blocking socket reports an expired timeout as `EAGAIN`; say `TimedOut`.
    fn normalise(&self, error: io::Error) -> io::Error {
        if error.kind() == io::ErrorKind::WouldBlock && !self.nonblocking.load(Ordering::Relaxed) {
            io::Error::new(io::ErrorKind::TimedOut, "the socket operation timed out")
        } else {
            error
        }
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(MAX_RW);
        rustix::io::read(&self.socket, &mut buf[..len])
            .map_err(|errno| self.normalise(errno.into()))
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        let count = bufs.len().min(MAX_IOV);
        rustix::io::readv(&self.socket, &mut bufs[..count])
            .map_err(|errno| self.normalise(errno.into()))
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
#[cfg(not(target_vendor = "apple"))]
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::net::send(
        fd,
        buf,
        rustix::net::SendFlags::NOSIGNAL,
    )?)
}

#[cfg(not(target_vendor = "apple"))]
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
#[cfg(target_vendor = "apple")]
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::io::write(fd, buf)?)
}

#[cfg(target_vendor = "apple")]
pub(crate) fn send_vectored(fd: BorrowedFd<'_>, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    Ok(rustix::io::writev(fd, bufs)?)
}

#[cfg(target_vendor = "apple")]
pub(crate) fn suppress_sigpipe(fd: BorrowedFd<'_>) -> io::Result<()> {
    Ok(rustix::net::sockopt::set_socket_nosigpipe(fd, true)?)
}

#[cfg(not(target_vendor = "apple"))]
pub(crate) fn suppress_sigpipe(_fd: BorrowedFd<'_>) -> io::Result<()> {
    Ok(())
}

// --- Peer credentials ------------------------------------------------------------

/// `SO_PEERCRED`: pid, uid and gid as of `connect`/`listen`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_credentials(fd: BorrowedFd<'_>) -> io::Result<Credentials> {
    let credentials = rustix::net::sockopt::socket_peercred(fd)?;
    Ok(Credentials {
        pid: u32::try_from(credentials.pid.as_raw_nonzero().get()).ok(),
        uid: Some(credentials.uid.as_raw()),
        gid: Some(credentials.gid.as_raw()),
    })
}

/// `getpeereid(3)` for uid and gid, plus the pid where the OS says it.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_credentials(fd: BorrowedFd<'_>) -> io::Result<Credentials> {
    let (uid, gid) = peer_ids(fd)?;
    Ok(Credentials {
        pid: peer_pid(fd),
        uid: Some(uid),
        gid: Some(gid),
    })
}

/// `LOCAL_PEERPID`.
#[cfg(target_vendor = "apple")]
fn peer_pid(fd: BorrowedFd<'_>) -> Option<u32> {
    let pid: libc::pid_t = local_option(fd, libc::SOL_LOCAL, libc::LOCAL_PEERPID)?;
    u32::try_from(pid).ok()
}

/// `LOCAL_PEERCRED`'s `cr_pid` (FreeBSD 13 and later; zero, read as
/// unknown, on older kernels).
#[cfg(target_os = "freebsd")]
fn peer_pid(fd: BorrowedFd<'_>) -> Option<u32> {
    const SOL_LOCAL: libc::c_int = 0;
    let credentials: libc::xucred = local_option(fd, SOL_LOCAL, libc::LOCAL_PEERCRED)?;
    // SAFETY: LOCAL_PEERCRED fills the union's pid member, or leaves the
    // zeroes it started with; either is a valid pid_t.
    let pid = unsafe { credentials.cr_pid__c_anonymous_union.cr_pid };
    u32::try_from(pid).ok().filter(|pid| *pid != 0)
}

/// Other Unixes do not say.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd"
)))]
fn peer_pid(_fd: BorrowedFd<'_>) -> Option<u32> {
    None
}

/// One `getsockopt(2)` of a plain-old-data value; `None` if it fails.
#[cfg(any(target_vendor = "apple", target_os = "freebsd"))]
fn local_option<T: Copy>(fd: BorrowedFd<'_>, level: libc::c_int, option: libc::c_int) -> Option<T> {
    let mut value = std::mem::MaybeUninit::<T>::zeroed();
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: the descriptor is open, and `value`/`len` describe a live
    // buffer of exactly `size_of::<T>()` bytes.
    let status = unsafe {
        libc::getsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            level,
            option,
            value.as_mut_ptr().cast(),
            &mut len,
        )
    };
    // SAFETY: the callers' `T`s (pid_t, xucred) are valid all zeroes, and a
    // successful getsockopt overwrote the bytes it reports.
    (status == 0).then(|| unsafe { value.assume_init() })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn peer_ids(fd: BorrowedFd<'_>) -> io::Result<(u32, u32)> {
    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: the descriptor is open and both out-pointers are live locals.
    if unsafe { libc::getpeereid(std::os::fd::AsRawFd::as_raw_fd(&fd), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((uid, gid))
}

// --- Connecting ------------------------------------------------------------------

/// A fresh close-on-exec stream socket.
fn new_socket() -> io::Result<OwnedFd> {
    #[cfg(not(any(target_vendor = "apple", target_os = "aix", target_os = "haiku")))]
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )?;
    #[cfg(any(target_vendor = "apple", target_os = "aix", target_os = "haiku"))]
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
        io::ErrorKind::NotFound => no_listener(resolved),
        _ => error,
    })
}

fn socket_address(resolved: &Resolved) -> io::Result<SocketAddrUnix> {
    Ok(match &resolved.address {
        Address::Path(path) => SocketAddrUnix::new(path.as_path())?,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Address::Abstract(name) => SocketAddrUnix::new_abstract_name(name)?,
    })
}

/// Connects to `resolved`. A timeout bounds the wait for room in a full
/// listen backlog, where the OS waits at all (Linux does).
pub(crate) fn connect(
    resolved: &Resolved,
    timeout: Option<Duration>,
    nonblocking: bool,
) -> io::Result<Stream> {
    check_private_dir(resolved)?;
    let fd = new_socket()?;
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
    if timeout.is_some() {
        rustix::net::sockopt::set_socket_timeout(&fd, rustix::net::sockopt::Timeout::Send, None)?;
    }
    let stream = Stream::new(UnixStream::from(fd), false)?;
    if nonblocking {
        stream.set_nonblocking(true)?;
    }
    Ok(stream)
}

#[cfg(any(feature = "tokio", feature = "smol"))]
/// Connects without waiting: the stream (nonblocking), or `None` when the
/// listener's backlog is full (Linux; other Unixes refuse at once).
pub(crate) fn connect_nonblocking(resolved: &Resolved) -> io::Result<Option<Stream>> {
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
    Stream::new(UnixStream::from(fd), true).map(Some)
}

#[cfg(any(feature = "tokio", feature = "smol"))]
/// The error of a connect whose timeout expired while the backlog was full.
pub(crate) fn backlog_timed_out(resolved: &Resolved) -> io::Error {
    connect_error(
        resolved,
        io::ErrorKind::WouldBlock.into(),
        Some(Duration::ZERO),
    )
}

fn no_listener(resolved: &Resolved) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no listener on `{resolved}`"),
    )
}

fn connect_error(resolved: &Resolved, error: io::Error, timeout: Option<Duration>) -> io::Error {
    match error.kind() {
        io::ErrorKind::NotFound => no_listener(resolved),
        // An abstract name without a listener does not exist at all.
        io::ErrorKind::ConnectionRefused if resolved.fs_path().is_none() => no_listener(resolved),
        io::ErrorKind::ConnectionRefused => io::Error::new(
            io::ErrorKind::ConnectionRefused,
            format!(
                "nobody listens on `{resolved}`: the socket file is stale (its server has exited)"
            ),
        ),
        io::ErrorKind::WouldBlock if timeout.is_some() => io::Error::new(
            io::ErrorKind::TimedOut,
            format!("timed out connecting to `{resolved}`: its listener's backlog stayed full"),
        ),
        kind => io::Error::new(kind, format!("cannot connect to `{resolved}`: {error}")),
    }
}

// --- Listening -------------------------------------------------------------------

/// A listening socket, and the socket file to remove when it is dropped.
#[derive(Debug)]
pub(crate) struct Listener {
    socket: UnixListener,
    file: Option<SocketFile>,
}

/// Accepts a connection already in nonblocking mode, for the async front
/// ends: one `accept4` on Linux and Android, `accept` plus `FIONBIO`
/// elsewhere.
#[cfg(any(feature = "tokio", feature = "smol"))]
pub(crate) fn accept_nonblocking(listener: &UnixListener) -> io::Result<Stream> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let socket = UnixStream::from(rustix::net::accept_with(
        listener,
        rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC,
    )?);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let socket = {
        let (socket, _) = listener.accept()?;
        socket.set_nonblocking(true)?;
        socket
    };
    Stream::new(socket, true)
}

/// Removes a listener's socket file on drop (see `Listener::into_parts`).
#[cfg(any(feature = "tokio", feature = "smol"))]
#[derive(Debug)]
pub(crate) struct FileGuard(Option<SocketFile>);

/// A socket file this listener created, identified by device and inode so
/// that a file someone else put at the same path is never removed.
#[derive(Debug)]
struct SocketFile {
    path: PathBuf,
    device: u64,
    inode: u64,
}

impl SocketFile {
    fn at(path: &Path, metadata: &std::fs::Metadata) -> Self {
        Self {
            path: path.to_owned(),
            device: metadata.dev(),
            inode: metadata.ino(),
        }
    }

    /// Leaves the file in place when this is dropped.
    fn keep(mut self) {
        self.path.clear();
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if self.path.as_os_str().is_empty() {
            return;
        }
        if let Ok(metadata) = std::fs::symlink_metadata(&self.path) {
            if metadata.dev() == self.device && metadata.ino() == self.inode {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

impl Listener {
    pub(crate) fn from_std(socket: UnixListener) -> Self {
        Self { socket, file: None }
    }

    /// The socket, for the caller to own; its file stays where it is.
    pub(crate) fn into_std(self) -> UnixListener {
        if let Some(file) = self.file {
            file.keep();
        }
        self.socket
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    #[cfg(any(feature = "tokio", feature = "smol"))]
    /// The socket and the guard that removes its file on drop, apart, for an
    /// async front end that carries the socket in its own type.
    pub(crate) fn into_parts(self) -> (UnixListener, FileGuard) {
        (self.socket, FileGuard(self.file))
    }

    #[cfg(any(feature = "tokio", feature = "smol"))]
    pub(crate) fn from_parts(socket: UnixListener, file: FileGuard) -> Self {
        Self {
            socket,
            file: file.0,
        }
    }

    pub(crate) fn accept(&self) -> io::Result<Stream> {
        let (socket, _) = self.socket.accept()?;
        // Accepted sockets are blocking whatever the listener's mode. Linux's
        // accept4 never passes O_NONBLOCK on; BSD-style accept may.
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        socket.set_nonblocking(false)?;
        Stream::new(socket, false)
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.socket.set_nonblocking(nonblocking)
    }
}

/// Binds and listens on `resolved`, with socket files getting `mode`.
pub(crate) fn bind(resolved: &Resolved, mode: u32, nonblocking: bool) -> io::Result<Listener> {
    if mode & !0o777 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("socket file mode {mode:#o} has bits outside the permission bits 0o777"),
        ));
    }
    let listener = match &resolved.address {
        Address::Path(path) => {
            if let Some(dir) = &resolved.private_dir {
                ensure_private_dir(dir, true)?;
            }
            bind_path(resolved, path, mode)?
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Address::Abstract(_) => {
            let fd = new_socket()?;
            rustix::net::bind(&fd, &socket_address(resolved)?)
                .map_err(|errno| bind_error(resolved, errno.into()))?;
            rustix::net::listen(&fd, BACKLOG)?;
            Listener {
                socket: UnixListener::from(fd),
                file: None,
            }
        }
    };
    listener.set_nonblocking(nonblocking)?;
    Ok(listener)
}

fn bind_error(resolved: &Resolved, error: io::Error) -> io::Error {
    match error.kind() {
        io::ErrorKind::AddrInUse => io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("cannot bind `{resolved}`: another listener is active on it"),
        ),
        kind => io::Error::new(kind, format!("cannot bind `{resolved}`: {error}")),
    }
}

/// Binds a socket file with exactly `mode` and no moment in which it is more
/// open: the socket is bound in a fresh 0700 directory next to `path`, given
/// its mode there, and then linked (or, over a stale file, renamed) into place.
fn bind_path(resolved: &Resolved, path: &Path, mode: u32) -> io::Result<Listener> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let staging = StagingDir::create(&parent).map_err(|error| bind_error(resolved, error))?;
    let staged = staging.path.join("s");
    if staged.as_os_str().len() > super::socket_name::max_path_len() {
        // The staging path would not fit sockaddr_un (a short name close to
        // the limit): bind in place; the umask keeps the socket at most as
        // open as the umask allows until the chmod.
        drop(staging);
        return bind_in_place(resolved, path, mode);
    }
    let socket = UnixListener::bind(&staged).map_err(|error| bind_error(resolved, error))?;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(mode))
        .map_err(|error| bind_error(resolved, error))?;
    let metadata = std::fs::symlink_metadata(&staged)?;
    install(resolved, &staged, path)?;
    drop(staging);
    Ok(Listener {
        socket,
        file: Some(SocketFile::at(path, &metadata)),
    })
}

fn bind_in_place(resolved: &Resolved, path: &Path, mode: u32) -> io::Result<Listener> {
    if reclaim_if_stale(resolved, path)? {
        std::fs::remove_file(path).map_err(|error| bind_error(resolved, error))?;
    }
    let socket = UnixListener::bind(path).map_err(|error| bind_error(resolved, error))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    let metadata = std::fs::symlink_metadata(path)?;
    Ok(Listener {
        socket,
        file: Some(SocketFile::at(path, &metadata)),
    })
}

/// Puts the staged socket file at `path`: a hard link where nothing is there
/// (atomic: of two servers binding at once, one wins), a rename over a stale
/// socket file, and `AddrInUse` over a live one.
fn install(resolved: &Resolved, staged: &Path, path: &Path) -> io::Result<()> {
    for _ in 0..8 {
        match std::fs::hard_link(staged, path) {
            Ok(()) => return Ok(()),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                if reclaim_if_stale(resolved, path)? {
                    // Replace the stale file in one step.
                    return std::fs::rename(staged, path)
                        .map_err(|error| bind_error(resolved, error));
                }
                // It vanished between the link and the check: try again.
            }
            // Filesystems that cannot link sockets: check, then rename.
            Err(_) => {
                reclaim_if_stale(resolved, path)?;
                return std::fs::rename(staged, path).map_err(|error| bind_error(resolved, error));
            }
        }
    }
    Err(bind_error(
        resolved,
        io::Error::from(io::ErrorKind::AddrInUse),
    ))
}

/// Looks at what is at `path`: nothing (false), a stale socket file that may
/// be replaced (true), or a live listener or some other file (an error).
fn reclaim_if_stale(resolved: &Resolved, path: &Path) -> io::Result<bool> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(bind_error(resolved, error)),
    };
    if !metadata.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("cannot bind `{resolved}`: a file that is not a socket is in the way"),
        ));
    }
    // A nonblocking probe: a live server with a full backlog must not make
    // bind wait (it answers EAGAIN, which means alive just the same).
    let probe = new_socket()?;
    rustix::io::ioctl_fionbio(&probe, true)?;
    match rustix::net::connect(&probe, &SocketAddrUnix::new(path)?) {
        Ok(()) | Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INPROGRESS) => Err(bind_error(
            resolved,
            io::Error::from(io::ErrorKind::AddrInUse),
        )),
        // Stale: the server that made it is gone.
        Err(rustix::io::Errno::CONNREFUSED) => Ok(true),
        Err(rustix::io::Errno::NOENT) => Ok(false),
        Err(errno) => Err(bind_error(resolved, errno.into())),
    }
}

/// A private directory for staging a socket file, removed with its contents on drop.
struct StagingDir {
    path: PathBuf,
}

impl StagingDir {
    fn create(parent: &Path) -> io::Result<Self> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let mut attempt = 0;
        loop {
            let unique = NEXT.fetch_add(1, Ordering::Relaxed) ^ std::process::id().rotate_left(13);
            let path = parent.join(format!(".l{:06x}", unique & 0xff_ffff));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 64 => {
                    attempt += 1
                }
                Err(error) => return Err(error),
            }
        }
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

pub(crate) use super::socket_name::{resolve_namespaced, resolve_path};
