//! What local-socket names mean on Unix, and the per-user directory that
//! holds namespaced sockets where there is no abstract namespace.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The longest socket path, in bytes, that fits `sockaddr_un` with its NUL.
pub(crate) fn max_path_len() -> usize {
    // SAFETY: sockaddr_un is plain old data, for which all zeroes is valid.
    let address: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    address.sun_path.len() - 1
}

/// Where a local socket lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Address {
    /// A socket file.
    Path(PathBuf),
    /// A name in Linux's abstract namespace (without the leading NUL).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Abstract(Vec<u8>),
}

/// A resolved name: the address, and for namespaced names outside Linux the
/// private per-user directory that must exist (and be ours) around it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Resolved {
    pub(crate) address: Address,
    pub(crate) private_dir: Option<PathBuf>,
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.address {
            Address::Path(path) => write!(f, "{}", path.display()),
            // `@name` is how ss(8) and netstat(8) print abstract names.
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Address::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
        }
    }
}

impl Resolved {
    /// The socket file, if the name has one.
    pub(crate) fn fs_path(&self) -> Option<&Path> {
        match &self.address {
            Address::Path(path) => Some(path),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Address::Abstract(_) => None,
        }
    }
}

fn too_long(what: &str, shown: &dyn fmt::Display, len: usize, limit: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what} `{shown}` is {len} bytes long; this OS allows at most {limit}"),
    )
}

/// A namespaced name: Linux's abstract namespace.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn resolve_namespaced(name: &OsStr) -> io::Result<Resolved> {
    // The abstract name follows a leading NUL in sun_path.
    let limit = max_path_len();
    if name.len() > limit {
        return Err(too_long(
            "namespaced name",
            &name.display(),
            name.len(),
            limit,
        ));
    }
    Ok(Resolved {
        address: Address::Abstract(name.as_encoded_bytes().to_vec()),
        private_dir: None,
    })
}

/// A namespaced name: a socket file in the per-user directory.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn resolve_namespaced(name: &OsStr) -> io::Result<Resolved> {
    let dir = runtime_dir();
    let path = dir.join(name);
    let limit = max_path_len();
    let len = path.as_os_str().len();
    if len > limit {
        return Err(too_long(
            "namespaced name resolves to the path",
            &path.display(),
            len,
            limit,
        ));
    }
    Ok(Resolved {
        address: Address::Path(path),
        private_dir: Some(dir),
    })
}

/// The per-user directory for namespaced sockets: `$XDG_RUNTIME_DIR` if it is
/// set to an absolute path, else `localipc-<uid>` in the temporary directory.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn runtime_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => std::env::temp_dir().join(format!("localipc-{}", rustix::process::geteuid().as_raw())),
    }
}

/// A filesystem path.
pub(crate) fn resolve_path(path: &Path) -> io::Result<Resolved> {
    let limit = max_path_len();
    let len = path.as_os_str().len();
    if len > limit {
        return Err(too_long("socket path", &path.display(), len, limit));
    }
    Ok(Resolved {
        address: Address::Path(path.to_owned()),
        private_dir: None,
    })
}

/// Checks that `dir` is a directory owned by this user and closed to
/// everyone else, creating it (mode 0700) if `create` and it is missing.
pub(crate) fn ensure_private_dir(dir: &Path, create: bool) -> io::Result<()> {
    let metadata = match std::fs::symlink_metadata(dir) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound && create => {
            match std::fs::DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => {}
                // Another process made it meanwhile: check theirs below.
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => {
                    return Err(io::Error::new(
                        error.kind(),
                        format!(
                            "cannot create the socket directory `{}`: {error}",
                            dir.display()
                        ),
                    ));
                }
            }
            std::fs::symlink_metadata(dir)?
        }
        Err(error) => return Err(error),
    };
    let refuse = |why: String| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing the socket directory `{}`: {why}", dir.display()),
        )
    };
    if !metadata.is_dir() {
        return Err(refuse("it is not a directory".into()));
    }
    let me = rustix::process::geteuid().as_raw();
    if metadata.uid() != me {
        return Err(refuse(format!(
            "it belongs to uid {}, not to this user (uid {me})",
            metadata.uid()
        )));
    }
    if metadata.mode() & 0o077 != 0 {
        return Err(refuse(format!(
            "its mode {:o} lets other users in; expected 700",
            metadata.mode() & 0o777
        )));
    }
    Ok(())
}
