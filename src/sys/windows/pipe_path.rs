//! Checking pipe paths before they reach the OS: one check for named pipes
//! and for local sockets, which are named pipes on Windows.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::os::windows::ffi::OsStrExt;

/// The longest pipe path Windows accepts, in UTF-16 units.
const MAX_PATH_UNITS: usize = 256;

/// A checked pipe path: NUL-terminated UTF-16 for the OS, and text for messages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PipePath {
    pub(crate) wide: Vec<u16>,
    pub(crate) display: String,
}

impl fmt::Display for PipePath {
    /// The path, its unprintable characters escaped; its backslashes are
    /// separators and stay as they are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = crate::error::Escaped::keeping_backslashes(self.display.as_bytes());
        fmt::Display::fmt(&shown, f)
    }
}

impl PipePath {
    /// Whether the pipe is on this machine: its path starts with `\\.\`
    /// (a path naming this machine by its name goes through the network
    /// redirector, and counts as remote).
    pub(crate) fn is_local(&self) -> bool {
        self.display.starts_with(r"\\.\")
    }
}

/// Checks that `path` is a local pipe path, `\\.\pipe\NAME`.
pub(crate) fn local(path: &OsStr) -> io::Result<PipePath> {
    check(path, false)
}

/// Checks that `path` is a pipe path, `\\.\pipe\NAME` or `\\SERVER\pipe\NAME`.
pub(crate) fn any_host(path: &OsStr) -> io::Result<PipePath> {
    check(path, true)
}

fn check(path: &OsStr, remote_allowed: bool) -> io::Result<PipePath> {
    let display = path.to_string_lossy().into_owned();
    let invalid = |why: String| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "invalid pipe path `{}`: {why}",
                crate::error::Escaped::keeping_backslashes(display.as_bytes())
            ),
        )
    };
    let wide: Vec<u16> = path.encode_wide().collect();
    if wide.contains(&0) {
        return Err(invalid("it contains a NUL character".into()));
    }
    if wide.len() > MAX_PATH_UNITS {
        return Err(invalid(format!(
            "it is {} UTF-16 units long; Windows allows at most {MAX_PATH_UNITS}",
            wide.len()
        )));
    }
    let text = display.as_str();
    let Some(rest) = text.strip_prefix(r"\\") else {
        return Err(invalid(r"it must start with `\\.\pipe\`".into()));
    };
    let Some((host, after_host)) = rest.split_once('\\') else {
        return Err(invalid(r"it must have the form `\\.\pipe\NAME`".into()));
    };
    if host.is_empty() {
        return Err(invalid("the host part is empty".into()));
    }
    if host != "." && !remote_allowed {
        return Err(invalid(format!(
            "a server can only create local pipes (`\\\\.\\pipe\\…`), not on host `{}`",
            crate::error::Escaped::keeping_backslashes(host.as_bytes())
        )));
    }
    let Some(name) = after_host
        .get(..5)
        .filter(|pipe| pipe.eq_ignore_ascii_case("pipe\\"))
        .map(|_| &after_host[5..])
    else {
        return Err(invalid(r"it must have the form `\\.\pipe\NAME`".into()));
    };
    if name.is_empty() {
        return Err(invalid("the pipe name after `pipe\\` is empty".into()));
    }
    let mut wide = wide;
    wide.push(0);
    Ok(PipePath { wide, display })
}
