//! What local-socket names mean on Unix, and the per-user directory that
//! holds namespaced sockets where there is no abstract namespace.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::Escaped;

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
    #[cfg(linux_like)]
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
            Address::Path(path) => write!(f, "{}", Escaped::new(path.as_os_str().as_bytes())),
            // `@name` is how ss(8) and netstat(8) print abstract names.
            #[cfg(linux_like)]
            Address::Abstract(name) => write!(f, "@{}", Escaped::new(name)),
        }
    }
}

impl Resolved {
    /// The socket file, if the name has one.
    pub(crate) fn fs_path(&self) -> Option<&Path> {
        match &self.address {
            Address::Path(path) => Some(path),
            #[cfg(linux_like)]
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
#[cfg(linux_like)]
pub(crate) fn resolve_namespaced(name: &OsStr) -> io::Result<Resolved> {
    // The abstract name follows a leading NUL in sun_path.
    let limit = max_path_len();
    if name.len() > limit {
        return Err(too_long(
            "namespaced name",
            &Escaped::new(name.as_bytes()),
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
#[cfg(not(linux_like))]
pub(crate) fn resolve_namespaced(name: &OsStr) -> io::Result<Resolved> {
    resolve_per_user(name)
}

/// A socket file called `name` in the per-user directory (on every Unix;
/// what namespaced names are where there is no abstract namespace).
pub(crate) fn resolve_per_user(name: &OsStr) -> io::Result<Resolved> {
    let dir = runtime_dir();
    let path = dir.join(name);
    let limit = max_path_len();
    let len = path.as_os_str().len();
    if len > limit {
        return Err(too_long(
            "namespaced name resolves to the path",
            &Escaped::new(path.as_os_str().as_bytes()),
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
        return Err(too_long(
            "socket path",
            &Escaped::new(path.as_os_str().as_bytes()),
            len,
            limit,
        ));
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

/// The per-user directory's checks run on Linux too, although Linux keeps
/// namespaced sockets in the abstract namespace and never needs them: this
/// is where they can be tested here.
#[cfg(test)]
mod tests {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::PathBuf;

    use super::ensure_private_dir;

    fn scratch(label: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("localipc-unit-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_missing_directory_is_created_private() {
        let dir = scratch("create");
        ensure_private_dir(&dir, true).unwrap();
        let metadata = std::fs::metadata(&dir).unwrap();
        assert!(metadata.is_dir());
        assert_eq!(metadata.permissions().mode() & 0o777, 0o700);
        assert_eq!(metadata.uid(), rustix::process::geteuid().as_raw());
        ensure_private_dir(&dir, false).unwrap();
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_not_found_when_not_creating() {
        let error = ensure_private_dir(&scratch("missing"), false).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn a_directory_open_to_others_is_refused() {
        let dir = scratch("open");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let error = ensure_private_dir(&dir, true).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(error.to_string().contains("755"), "{error}");
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn something_that_is_not_a_directory_is_refused() {
        let file = scratch("file");
        std::fs::write(&file, b"").unwrap();
        let error = ensure_private_dir(&file, true).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(error.to_string().contains("not a directory"), "{error}");
        let link = scratch("link");
        std::os::unix::fs::symlink(std::env::temp_dir(), &link).unwrap();
        let error = ensure_private_dir(&link, true).unwrap_err();
        assert!(
            error.to_string().contains("not a directory"),
            "a symlink is not followed: {error}"
        );
        std::fs::remove_file(&file).unwrap();
        std::fs::remove_file(&link).unwrap();
    }

    #[test]
    fn a_directory_owned_by_another_user_is_refused() {
        if !rustix::process::geteuid().is_root() {
            // Only root can give a directory away (CI runs as root). Said in
            // the form .ci/run counts as a skip.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"\nlocalipc-test-skip: a_directory_owned_by_another_user_is_refused: needs root to chown\n",
            );
            return;
        }
        let dir = scratch("owned");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(1), None).unwrap();
        let error = ensure_private_dir(&dir, true).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(error.to_string().contains("belongs to uid 1"), "{error}");
        std::fs::remove_dir(&dir).unwrap();
    }
}
