//! Unix domain sockets of any type (`SOCK_STREAM` for local sockets,
//! `SOCK_SEQPACKET` for message sockets): creating one, connecting it to a
//! name with the check of who serves it, binding and listening on a name
//! under an access policy, and accepting only what the policy admits.
//! The typed sockets in `local_socket` build on these.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use rustix::net::{SocketAddrUnix, SocketType};

use super::credentials::{Admission, check_server};
use super::socket_fd::new_socket;
use super::socket_file::{self, BindLock, FilePermissions, SocketFile};
use super::socket_name::{Address, Resolved, ensure_private_dir};
use crate::error::with_context;
use crate::sys::{Access, ConnectOptions, RefusalHook};

/// How many connections may wait for `accept` (the kernel caps it at its
/// own limit, `somaxconn` on Linux; other systems at theirs).
const BACKLOG: i32 = 1024;

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

/// Connects a socket of type `kind` to `resolved`, blocking, and checks who
/// serves it before returning it (in the mode the options ask for).
pub(crate) fn connect(
    resolved: &Resolved,
    options: &ConnectOptions,
    kind: SocketType,
) -> io::Result<OwnedFd> {
    check_private_dir(resolved)?;
    let fd = new_socket(kind)?;
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
    if options.nonblocking {
        rustix::io::ioctl_fionbio(&fd, true)?;
    }
    Ok(fd)
}

#[cfg(async_front_end)]
/// Connects a socket of type `kind` without waiting, and checks who serves
/// the name: the socket (nonblocking), or `None` when the listener's
/// backlog is full (Linux; other Unixes refuse at once).
pub(crate) fn connect_nonblocking(
    resolved: &Resolved,
    expected_server: &crate::sys::ExpectedServer,
    kind: SocketType,
) -> io::Result<Option<OwnedFd>> {
    check_private_dir(resolved)?;
    let fd = new_socket(kind)?;
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
    Ok(Some(fd))
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
    /// The first directory on the way to `path` that does not exist.
    fn missing_directory(path: &std::path::Path) -> Option<&std::path::Path> {
        let mut missing = None;
        for dir in path.ancestors().skip(1) {
            if dir.as_os_str().is_empty() || dir.try_exists().unwrap_or(true) {
                break;
            }
            missing = Some(dir);
        }
        missing
    }
    let message = match resolved.fs_path().and_then(missing_directory) {
        Some(dir) => format!(
            "no listener on `{resolved}`: the directory `{}` does not exist",
            crate::error::Escaped::new(std::os::unix::ffi::OsStrExt::as_bytes(dir.as_os_str()))
        ),
        None => format!("no listener on `{resolved}`"),
    };
    with_context(io::ErrorKind::NotFound, message, error)
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
        io::ErrorKind::PermissionDenied => format!(
            "cannot connect to `{resolved}`: permission denied: the listener's access policy \
             (the mode of its socket file), or the permissions of a directory on the way, \
             do not admit this user"
        ),
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
/// lock on it, the placeholder that keeps its abstract name from the other
/// kind of listener, and the check it makes of each connection. Dropped
/// after the socket: the file goes first, then the lock.
#[derive(Debug)]
pub(crate) struct Bound {
    pub(crate) file: Option<SocketFile>,
    /// Linux and Android, abstract names: a socket of the other type bound
    /// (never listening) to the listener's name, shared with its clones and
    /// closed with the last of them (see [`bind_abstract`]).
    #[allow(dead_code, reason = "held for the listener's lifetime, closed by Drop")]
    placeholder: Option<std::sync::Arc<OwnedFd>>,
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
    pub(crate) fn accept_admitted<S: AsFd>(
        &self,
        budget: Option<usize>,
        mut accept: impl FnMut() -> io::Result<S>,
    ) -> io::Result<Option<S>> {
        let mut refused = 0;
        loop {
            let socket = accept()?;
            let Err(reason) = self.admission.check(socket.as_fd()) else {
                return Ok(Some(socket));
            };
            // Told why, unread, and closed (see `refusal`).
            super::refusal::tell(socket.as_fd(), &reason);
            drop(socket);
            refused += 1;
            if budget.is_some_and(|budget| refused >= budget) {
                return Ok(None);
            }
        }
    }
}

impl Bound {
    /// What a clone of the listener holds: the same check of each
    /// connection, but neither the file nor the lock, which stay with the
    /// listener that bound them.
    pub(crate) fn for_clone(&self) -> Self {
        Self {
            file: None,
            lock: None,
            placeholder: self.placeholder.clone(),
            admission: self.admission.clone(),
        }
    }

    /// What a listener on a socket that another process bound holds (a
    /// service manager's, by socket activation): no file, no lock, and the
    /// check of each connection that enforces `access` on its own.
    pub(crate) fn checking(access: &Access) -> Self {
        Self {
            file: None,
            lock: None,
            placeholder: None,
            admission: Admission::enforcing(access, None),
        }
    }

    /// What a listener made from a socket of the caller's holds: no file,
    /// no lock, no check.
    pub(crate) fn nothing() -> Self {
        Self {
            file: None,
            lock: None,
            placeholder: None,
            admission: Admission::everyone(),
        }
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

/// Binds a socket of type `kind` to `resolved` and listens, for a listener
/// of messages (`messages`) or streams, enforcing the access policy: the
/// listening socket (in the mode the options ask for) and what the
/// listener must hold.
pub(crate) fn bind(
    resolved: &Resolved,
    options: &BindOptions,
    kind: SocketType,
    messages: bool,
) -> io::Result<(OwnedFd, Bound)> {
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
            let bound_file =
                socket_file::bind(resolved, path, permissions, BACKLOG, kind, messages)?;
            let bound = Bound {
                file: Some(bound_file.file),
                lock: Some(bound_file.lock),
                placeholder: None,
                admission,
            };
            (bound_file.socket, bound)
        }
        #[cfg(linux_like)]
        Address::Abstract(_) => {
            let (fd, placeholder) = bind_abstract(resolved, kind)?;
            let bound = Bound {
                file: None,
                lock: None,
                placeholder: Some(std::sync::Arc::new(placeholder)),
                admission: Admission::enforcing(&options.access, on_refused),
            };
            (fd, bound)
        }
    };
    if options.nonblocking {
        rustix::io::ioctl_fionbio(&socket, true)?;
    }
    Ok((socket, bound))
}

/// Binds the abstract name `resolved` for both socket types, so that it
/// belongs to one kind of listener: the Linux kernel keeps abstract names
/// per socket type, so a stream listener (`SOCK_STREAM`) and a message
/// listener (`SOCK_SEQPACKET`) could otherwise hold one name each. Both
/// kinds bind `SOCK_STREAM` first, then `SOCK_SEQPACKET`, and listen only
/// on their own type; the socket of the other type is a placeholder that
/// never listens (a connect to it is refused). Whoever takes `SOCK_STREAM`
/// first has the name: a concurrent binder of either kind fails there with
/// `EADDRINUSE`, before it holds anything. Returns the listening socket and
/// the placeholder.
#[cfg(linux_like)]
fn bind_abstract(resolved: &Resolved, kind: SocketType) -> io::Result<(OwnedFd, OwnedFd)> {
    let other = if kind == SocketType::SEQPACKET {
        SocketType::STREAM
    } else {
        SocketType::SEQPACKET
    };
    let address = socket_address(resolved)?;
    let bind_one = |socket_type: SocketType| {
        let fd = new_socket(socket_type)?;
        rustix::net::bind(&fd, &address)
            .map_err(|errno| abstract_bind_error(resolved, kind, errno))?;
        Ok::<_, io::Error>(fd)
    };
    let (listening, placeholder) = if kind == SocketType::STREAM {
        let listening = bind_one(kind)?;
        (listening, bind_one(other)?)
    } else {
        let placeholder = bind_one(other)?;
        (bind_one(kind)?, placeholder)
    };
    rustix::net::listen(&listening, BACKLOG)
        .map_err(|errno| socket_file::bind_error(resolved, errno.into()))?;
    Ok((listening, placeholder))
}

/// A failed bind of an abstract name for a listener of sockets of type
/// `kind`, saying which kind of listener holds it when the kernel tells.
#[cfg(linux_like)]
fn abstract_bind_error(
    resolved: &Resolved,
    kind: SocketType,
    errno: rustix::io::Errno,
) -> io::Error {
    let error = io::Error::from(errno);
    if error.kind() != io::ErrorKind::AddrInUse {
        return socket_file::bind_error(resolved, error);
    }
    let Some(listening) = super::sock_diag::abstract_name_listener(resolved) else {
        return socket_file::bind_error(resolved, error);
    };
    let owner = match listening.uid {
        Some(uid) => format!(" (it runs as uid {uid})"),
        None => String::new(),
    };
    let holder = socket_file::holder_in_words(
        holds_messages(listening.socket_type),
        kind == SocketType::SEQPACKET,
        &owner,
    );
    with_context(
        io::ErrorKind::AddrInUse,
        format!("cannot bind `{resolved}`: {holder}"),
        error,
    )
}

/// Whether a listening socket of `socket_type` is a message listener
/// (`Some(true)`) or a stream listener. (Where message sockets are framed
/// over `SOCK_STREAM`, a stream socket may be either.)
#[cfg(linux_like)]
fn holds_messages(socket_type: SocketType) -> Option<bool> {
    match socket_type {
        SocketType::SEQPACKET => Some(true),
        SocketType::STREAM if cfg!(not(messages_framed)) => Some(false),
        _ => None,
    }
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

/// What Linux cannot reach through the public API, since its namespaced
/// names are abstract: a namespaced name in a per-user directory.
#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use rustix::net::SocketType;

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
            let error = bind(&resolved, &options, SocketType::STREAM, false).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
            assert!(error.to_string().contains("Name::path"), "{error}");
        }
        let listener = bind(
            &resolved,
            &BindOptions::default(),
            SocketType::STREAM,
            false,
        )
        .unwrap();
        drop(listener);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
