//! Socket files: binding one with exactly its mode and a single winner,
//! telling a stale file from a live listener without disturbing it, and
//! removing only the file a listener created.
//!
//! # How a socket file is bound
//!
//! 1. **The lock.** The binder takes an exclusive `flock` on `PATH.lock`
//!    (created if missing, mode 0600) without waiting, and holds it for the
//!    listener's lifetime. Only one binder of a path holds it at a time, so
//!    binders never race; a binder that finds it held knows a live localipc
//!    listener (or a binder) has the path, without connecting to it. The OS
//!    drops the lock when its holder dies, however it dies. The holder
//!    writes its kind (`stream` or `messages`) into the lock file, so that
//!    a binder or client of the other kind can say which kind holds the
//!    name (a name belongs to one kind).
//! 2. **The way in.** With the lock held, whatever is at `PATH` is looked
//!    at: nothing; a socket file whose server is gone (stale: a connect is
//!    refused) or a live foreign server (a connect gets in, `AddrInUse`);
//!    anything that is not a socket (`AddrInUse`, saying what it is). Only a
//!    foreign socket file is ever connected to: localipc's own listeners
//!    hold the lock.
//! 3. **Staging.** The socket is bound in a fresh 0700 directory next to
//!    `PATH`, where nobody else can reach it, given its group and mode there,
//!    and listens; where the staged path would not fit `sockaddr_un`, Linux
//!    binds through `/proc/self/fd/N/`, the directory's descriptor, and other
//!    systems refuse with `InvalidInput`.
//! 4. **Install.** The staged file is hard-linked to `PATH` (over nothing)
//!    or renamed onto it (over a stale file), so `PATH` never shows a socket
//!    more open than asked, not even for a moment.
//!
//! When the listener is dropped, its socket file is removed if it is still
//! the one it installed (same device and inode), and then the lock file,
//! while still locked.

use std::ffi::OsString;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::net::{SocketAddrUnix, SocketType};

use super::socket_name::{Resolved, max_path_len};
use crate::error::with_context;

/// `path` as a message shows it: every byte visible.
fn shown(path: &Path) -> crate::error::Escaped<'_> {
    use std::os::unix::ffi::OsStrExt;
    crate::error::Escaped::new(path.as_os_str().as_bytes())
}

/// A socket file a listener installed, identified by device and inode so
/// that a file someone else put at the same path is never removed.
#[derive(Debug)]
pub(crate) struct SocketFile {
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
    pub(crate) fn keep(mut self) {
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

/// The exclusive lock on `PATH.lock` that a listener holds for its
/// lifetime; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub(crate) struct BindLock {
    path: PathBuf,
    file: OwnedFd,
}

/// The lock file of the socket file `path`: `path` with `.lock` appended.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut bytes = path.as_os_str().to_owned().into_vec();
    bytes.extend_from_slice(b".lock");
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(not(target_os = "solaris"))]
fn try_lock(file: &OwnedFd) -> rustix::io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
}

/// Solaris has no `flock`; its `fcntl` locks do not exclude the threads of
/// one process from each other.
#[cfg(target_os = "solaris")]
fn try_lock(file: &OwnedFd) -> rustix::io::Result<()> {
    rustix::fs::fcntl_lock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
}

/// What a lock file holds: the kind of listener that holds the path, so
/// that a binder of the other kind can say which (a name belongs to one
/// kind, and message sockets framed over `SOCK_STREAM` have the type of a
/// stream listener's socket).
const STREAM_LISTENER: &[u8] = b"stream\n";
const MESSAGE_LISTENER: &[u8] = b"messages\n";

/// Who holds a name, in words, for a binder of messages (`messages`) or
/// streams: `holder` says which kind (`Some(true)`: messages), if known.
pub(crate) fn holder_in_words(holder: Option<bool>, messages: bool, owner: &str) -> String {
    match holder {
        Some(true) if !messages => format!(
            "a message socket (MessageListener) listens on it{owner}; a name belongs to one kind"
        ),
        Some(false) if messages => {
            format!("a stream listener (Listener) listens on it{owner}; a name belongs to one kind")
        }
        Some(true) => format!("another listener is active on it, a message listener{owner}"),
        Some(false) => format!("another listener is active on it, a stream listener{owner}"),
        None => format!("another listener is active on it{owner}"),
    }
}

/// The kind of listener that holds the socket file `path`, as its lock
/// file says (`Some(true)` for messages), if it can be read: best effort,
/// for messages only.
pub(crate) fn holder_kind(path: &Path) -> Option<bool> {
    let file = rustix::fs::open(
        lock_path(path),
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .ok()?;
    let mut buf = [0_u8; 16];
    let len = rustix::io::read(&file, &mut buf).ok()?;
    match buf.get(..len)? {
        MESSAGE_LISTENER => Some(true),
        STREAM_LISTENER => Some(false),
        _ => None,
    }
}

impl BindLock {
    /// Writes which kind of listener (`messages` or streams) holds the
    /// lock, for binders and clients of the other kind to read.
    fn record_kind(&self, messages: bool) -> io::Result<()> {
        let kind = if messages {
            MESSAGE_LISTENER
        } else {
            STREAM_LISTENER
        };
        rustix::fs::ftruncate(&self.file, 0)?;
        let written = rustix::io::pwrite(&self.file, kind, 0)?;
        if written != kind.len() {
            return Err(io::ErrorKind::WriteZero.into());
        }
        Ok(())
    }

    /// Takes the lock of the socket file `path` for a listener of messages
    /// (`messages`) or streams, without waiting: `AddrInUse` if a live
    /// listener, or a binder, holds it.
    pub(crate) fn acquire(resolved: &Resolved, path: &Path, messages: bool) -> io::Result<Self> {
        let lock_path = lock_path(path);
        // The file may be replaced between the open and the lock (its last
        // holder removes it on the way out): lock again, a bounded number of
        // times, until the locked file is the one at the path.
        for _ in 0..64 {
            let file = rustix::fs::open(
                &lock_path,
                OFlags::RDWR | OFlags::CREATE | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                Mode::RUSR | Mode::WUSR,
            )
            .map_err(|errno| lock_error(resolved, &lock_path, errno.into()))?;
            let opened = rustix::fs::fstat(&file)?;
            if rustix::fs::FileType::from_raw_mode(opened.st_mode)
                != rustix::fs::FileType::RegularFile
            {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!(
                        "cannot bind `{resolved}`: its lock file `{}` is not a regular file",
                        shown(&lock_path)
                    ),
                ));
            }
            match try_lock(&file) {
                Ok(()) => {}
                Err(rustix::io::Errno::WOULDBLOCK) => return Err(held(resolved, path, messages)),
                Err(errno) => return Err(lock_error(resolved, &lock_path, errno.into())),
            }
            match rustix::fs::lstat(&lock_path) {
                Ok(current)
                    if current.st_dev == opened.st_dev && current.st_ino == opened.st_ino =>
                {
                    return Ok(Self {
                        path: lock_path,
                        file,
                    });
                }
                // Its holder removed it after we opened it: take the new one.
                _ => continue,
            }
        }
        Err(held(resolved, path, messages))
    }
}

impl Drop for BindLock {
    fn drop(&mut self) {
        // Removed while locked, so a binder that opened it before sees, once
        // it gets the lock, that the file at the path is another one.
        if let (Ok(locked), Ok(current)) =
            (rustix::fs::fstat(&self.file), rustix::fs::lstat(&self.path))
        {
            if locked.st_dev == current.st_dev && locked.st_ino == current.st_ino {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

fn lock_error(resolved: &Resolved, lock_path: &Path, error: io::Error) -> io::Error {
    let what = match error.kind() {
        _ if error.raw_os_error() == Some(libc::ELOOP) => "it is a symbolic link".to_owned(),
        _ => error.to_string(),
    };
    with_context(
        error.kind(),
        format!(
            "cannot bind `{resolved}`: cannot lock `{}`: {what}",
            shown(lock_path)
        ),
        error,
    )
}

fn held(resolved: &Resolved, path: &Path, messages: bool) -> io::Error {
    let owner = match std::fs::symlink_metadata(path) {
        Ok(metadata) => format!(" (its socket file belongs to uid {})", metadata.uid()),
        Err(_) => String::new(),
    };
    let holder = holder_in_words(holder_kind(path), messages, &owner);
    io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("cannot bind `{resolved}`: {holder}"),
    )
}

/// What is at a socket path, once the lock is held.
enum Way {
    /// Nothing.
    Free,
    /// A socket file whose server has gone.
    Stale,
}

/// Looks at `path` without disturbing a live localipc listener (which
/// holds the lock, so the caller never gets here for its path).
fn clear_way(resolved: &Resolved, path: &Path, kind: SocketType) -> io::Result<Way> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Way::Free),
        Err(error) => return Err(bind_error(resolved, error)),
    };
    let file_type = metadata.file_type();
    if !file_type.is_socket() {
        let what = if file_type.is_dir() {
            "a directory"
        } else if file_type.is_symlink() {
            "a symbolic link"
        } else if file_type.is_file() {
            "a regular file"
        } else {
            "a file of another kind"
        };
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("cannot bind `{resolved}`: {what} is in the way, not a socket"),
        ));
    }
    // No localipc listener holds the lock: either the server is gone, or a
    // program that does not use localipc listens here. Only a connect can
    // tell; a nonblocking one, so a full backlog (EAGAIN) cannot make bind
    // wait.
    let probe = super::socket_fd::new_socket(kind)?;
    rustix::io::ioctl_fionbio(&probe, true)?;
    match rustix::net::connect(&probe, &SocketAddrUnix::new(path)?) {
        Ok(()) | Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INPROGRESS) => {
            Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!(
                    "cannot bind `{resolved}`: a program that does not use localipc \
                     listens on it (its socket file belongs to uid {})",
                    metadata.uid()
                ),
            ))
        }
        Err(rustix::io::Errno::CONNREFUSED) => Ok(Way::Stale),
        Err(rustix::io::Errno::NOENT) => Ok(Way::Free),
        Err(errno) => Err(bind_error(resolved, errno.into())),
    }
}

pub(crate) fn bind_error(resolved: &Resolved, error: io::Error) -> io::Error {
    let message = match error.kind() {
        io::ErrorKind::AddrInUse => {
            format!("cannot bind `{resolved}`: another listener is active on it")
        }
        _ => format!("cannot bind `{resolved}`: {error}"),
    };
    with_context(error.kind(), message, error)
}

/// A private directory for staging a socket file, removed with its contents
/// on drop.
struct StagingDir {
    path: PathBuf,
    dir: OwnedFd,
}

/// The socket file's name inside the staging directory.
const STAGED: &str = "s";

impl StagingDir {
    fn create(parent: &Path) -> io::Result<Self> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let mut attempt = 0;
        loop {
            let unique = NEXT.fetch_add(1, Ordering::Relaxed) ^ std::process::id().rotate_left(13);
            let path = parent.join(format!(".l{:06x}", unique & 0xff_ffff));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 64 => {
                    attempt += 1;
                    continue;
                }
                Err(error) => return Err(error),
            }
            let dir = rustix::fs::open(
                &path,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                Mode::empty(),
            );
            match dir {
                Ok(dir) => return Ok(Self { path, dir }),
                Err(errno) => {
                    let _ = std::fs::remove_dir(&path);
                    return Err(errno.into());
                }
            }
        }
    }

    /// The address to bind the staged socket at: its path where it fits
    /// `sockaddr_un`; on Linux, else, the same file through the directory's
    /// descriptor.
    fn address(&self, resolved: &Resolved) -> io::Result<SocketAddrUnix> {
        let staged = self.path.join(STAGED);
        if staged.as_os_str().len() <= max_path_len() {
            return Ok(SocketAddrUnix::new(staged.as_path())?);
        }
        #[cfg(linux_like)]
        {
            use std::os::fd::AsRawFd;
            let _ = resolved;
            let alias = format!("/proc/self/fd/{}/{STAGED}", self.dir.as_raw_fd());
            Ok(SocketAddrUnix::new(alias.as_str())?)
        }
        #[cfg(not(linux_like))]
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "cannot bind `{resolved}` privately: its socket file is staged in a private \
                 directory next to it, at a path {} bytes long, and this OS allows at most {}; \
                 use a path with a longer file name or a shorter directory",
                staged.as_os_str().len(),
                max_path_len()
            ),
        ))
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        let _ = rustix::fs::unlinkat(&self.dir, STAGED, AtFlags::empty());
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// The permissions to give a socket file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FilePermissions {
    pub(crate) mode: u32,
    pub(crate) group: Option<u32>,
}

/// What binding a socket file produced: the listening socket, its file and
/// the lock to hold while it lives.
pub(crate) struct BoundFile {
    pub(crate) socket: OwnedFd,
    pub(crate) file: SocketFile,
    pub(crate) lock: BindLock,
}

/// Binds and listens on the socket file `path` with `permissions`, for a
/// listener of messages (`messages`) or streams: one winner among
/// concurrent binders, never more open than asked (see the module docs).
pub(crate) fn bind(
    resolved: &Resolved,
    path: &Path,
    permissions: FilePermissions,
    backlog: i32,
    kind: SocketType,
    messages: bool,
) -> io::Result<BoundFile> {
    let lock = BindLock::acquire(resolved, path, messages)?;
    lock.record_kind(messages)
        .map_err(|error| bind_error(resolved, error))?;
    let way = clear_way(resolved, path, kind)?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let staging = StagingDir::create(parent).map_err(|error| bind_error(resolved, error))?;
    let socket = super::socket_fd::new_socket(kind)?;
    rustix::net::bind(&socket, &staging.address(resolved)?)
        .map_err(|errno| bind_error(resolved, errno.into()))?;
    let staged_path = staging.path.join(STAGED);
    if let Some(group) = permissions.group {
        std::os::unix::fs::lchown(&staged_path, None, Some(group))
            .map_err(|error| group_error(resolved, group, error))?;
    }
    std::fs::set_permissions(
        &staged_path,
        std::fs::Permissions::from_mode(permissions.mode),
    )
    .map_err(|error| bind_error(resolved, error))?;
    rustix::net::listen(&socket, backlog).map_err(|errno| bind_error(resolved, errno.into()))?;
    let staged =
        std::fs::symlink_metadata(&staged_path).map_err(|error| bind_error(resolved, error))?;
    install(resolved, &staging, path, way)?;
    drop(staging);
    Ok(BoundFile {
        socket,
        file: SocketFile::at(path, &staged),
        lock,
    })
}

fn group_error(resolved: &Resolved, group: u32, error: io::Error) -> io::Error {
    with_context(
        error.kind(),
        format!(
            "cannot bind `{resolved}`: cannot give its socket file to group {group} \
             (a process may only give files to groups it is a member of): {error}"
        ),
        error,
    )
}

/// Puts the staged socket file at `path`: a hard link where nothing is
/// (atomic: it never replaces a file a foreign program put there meanwhile),
/// a rename over a stale socket file.
fn install(resolved: &Resolved, staging: &StagingDir, path: &Path, way: Way) -> io::Result<()> {
    let cwd = rustix::fs::CWD;
    let renamed = |resolved: &Resolved| {
        rustix::fs::renameat(&staging.dir, STAGED, cwd, path)
            .map_err(|errno| bind_error(resolved, errno.into()))
    };
    if let Way::Stale = way {
        return renamed(resolved);
    }
    match rustix::fs::linkat(&staging.dir, STAGED, cwd, path, AtFlags::empty()) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::EXIST) => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "cannot bind `{resolved}`: a program that does not use localipc bound it at once"
            ),
        )),
        // Filesystems that cannot link sockets: the lock keeps localipc
        // binders apart, so a rename is safe among them.
        Err(_) => renamed(resolved),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::lock_path;

    #[test]
    fn the_lock_file_is_the_path_with_lock_appended() {
        assert_eq!(
            lock_path(Path::new("/run/app.sock")),
            Path::new("/run/app.sock.lock")
        );
    }
}
