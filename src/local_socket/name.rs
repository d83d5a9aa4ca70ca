//! Local-socket names.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::sys::local_socket as sys;

/// The address of a local socket; cheap to clone.
///
/// See the [module documentation](super#names) for what each kind of name
/// maps to on each OS.
///
/// # Examples
///
/// ```
/// use localipc::local_socket::Name;
///
/// let name = Name::namespaced("my-app.sock")?;
/// println!("the socket lives at {name}");
/// assert!(name.is_namespaced());
///
/// let error = Name::namespaced("a/b").unwrap_err();
/// assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name {
    inner: Arc<Inner>,
}

#[derive(PartialEq, Eq, Hash)]
struct Inner {
    namespaced: bool,
    given: OsString,
    resolved: sys::Resolved,
}

/// Path separators a namespaced name may not contain.
#[cfg(unix)]
const SEPARATORS: &[char] = &['/'];
#[cfg(windows)]
const SEPARATORS: &[char] = &['/', '\\'];

fn invalid(what: &str, given: &OsStr, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("invalid {what} {given:?}: {why}"),
    )
}

fn check_common(what: &str, given: &OsStr) -> io::Result<()> {
    if given.is_empty() {
        return Err(invalid(what, given, "it is empty"));
    }
    if given.as_encoded_bytes().contains(&0) {
        return Err(invalid(what, given, "it contains a NUL byte"));
    }
    Ok(())
}

impl Name {
    /// A name in the OS's namespace for local sockets, not tied to a
    /// directory: an abstract socket on Linux and Android, a socket file in a
    /// private per-user directory on other Unixes, a named pipe on Windows.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), with the reason, if
    /// `name` is empty, contains a NUL byte or a path separator, or is too
    /// long for the OS once resolved (the message gives the limit and the
    /// length).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    ///
    /// let name = Name::namespaced("my-app.sock")?;
    /// // `@my-app.sock` on Linux, `\\.\pipe\my-app.sock` on Windows, a file
    /// // in a private per-user directory on other Unixes.
    /// println!("{name}");
    /// assert!(Name::namespaced("").is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn namespaced(name: impl AsRef<OsStr>) -> io::Result<Self> {
        let given = name.as_ref();
        check_common("namespaced name", given)?;
        let text = given.to_string_lossy();
        if let Some(separator) = text.chars().find(|c| SEPARATORS.contains(c)) {
            return Err(invalid(
                "namespaced name",
                given,
                &format!(
                    "it contains the path separator `{separator}`; use `Name::path` for paths"
                ),
            ));
        }
        Ok(Self::new(true, given, sys::resolve_namespaced(given)?))
    }

    /// A filesystem path for the socket file. On Windows, only named-pipe
    /// paths (`\\.\pipe\NAME`) are accepted.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), with the reason, if
    /// `path` is empty, contains a NUL byte, or is too long for the OS (the
    /// message gives the limit and the length), or on Windows if it is not a
    /// pipe path.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    ///
    /// let name = if cfg!(windows) {
    ///     Name::path(r"\\.\pipe\my-app")?
    /// } else {
    ///     Name::path("/run/user/1000/my-app.sock")?
    /// };
    /// assert!(!name.is_namespaced());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn path(path: impl AsRef<Path>) -> io::Result<Self> {
        let given = path.as_ref().as_os_str();
        check_common("socket path", given)?;
        Ok(Self::new(
            false,
            given,
            sys::resolve_path(Path::new(given))?,
        ))
    }

    /// A name that localipc resolved itself (a single instance's), shown
    /// as `given`. Checks `given` as [`Name::namespaced`] does first.
    pub(crate) fn scoped(
        given: &OsStr,
        resolve: impl FnOnce(&OsStr) -> io::Result<sys::Resolved>,
    ) -> io::Result<Self> {
        Self::namespaced(given)?;
        Ok(Self::new(false, given, resolve(given)?))
    }

    /// A name as given (`namespaced` or a path) and what it resolves to;
    /// also for the address a socket is found bound to (socket activation).
    pub(crate) fn new(namespaced: bool, given: &OsStr, resolved: sys::Resolved) -> Self {
        Self {
            inner: Arc::new(Inner {
                namespaced,
                given: given.to_owned(),
                resolved,
            }),
        }
    }

    /// Whether the name was made with [`Name::namespaced`].
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Name;
    ///
    /// assert!(Name::namespaced("app.sock")?.is_namespaced());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_namespaced(&self) -> bool {
        self.inner.namespaced
    }

    /// The socket file this name resolves to, if it has one (Unix, except
    /// abstract names); `None` on Windows and for Linux's abstract names.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use localipc::local_socket::Name;
    ///
    /// let name = Name::path("/tmp/app.sock")?;
    /// assert_eq!(name.fs_path(), Some(std::path::Path::new("/tmp/app.sock")));
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn fs_path(&self) -> Option<&Path> {
        self.inner.resolved.fs_path()
    }

    pub(crate) fn resolved(&self) -> &sys::Resolved {
        &self.inner.resolved
    }
}

impl fmt::Display for Name {
    /// What the name resolves to: `@name` for an abstract socket, the
    /// socket file's path, or the pipe's path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner.resolved, f)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Name")
            .field(
                if self.inner.namespaced {
                    "namespaced"
                } else {
                    "path"
                },
                &self.inner.given,
            )
            .field("resolved", &format_args!("{}", self.inner.resolved))
            .finish()
    }
}
