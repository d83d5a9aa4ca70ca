//! Local sockets on Windows: byte-mode, duplex named pipes.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::time::Duration;

use windows_sys::Win32::Storage::FileSystem::SECURITY_IDENTIFICATION;
use windows_sys::Win32::System::Pipes::PIPE_UNLIMITED_INSTANCES;

use std::io::{IoSlice, IoSliceMut};
use std::os::windows::io::BorrowedHandle;

use super::named_pipe::{self, ClientConfig, Direction, ServerConfig};
use super::security::SecurityDescriptor;

/// The longest pipe path Windows accepts, in UTF-16 units.
const MAX_PATH_UNITS: usize = 256;
const PREFIX: &str = r"\\.\pipe\";

/// A pipe path: NUL-terminated UTF-16, and text for messages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Resolved {
    wide: Vec<u16>,
    display: String,
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl Resolved {
    /// Local sockets on Windows have no socket file.
    pub(crate) fn fs_path(&self) -> Option<&std::path::Path> {
        None
    }
}

/// A namespaced name `NAME`: the pipe `\\.\pipe\NAME`.
pub(crate) fn resolve_namespaced(name: &OsStr) -> io::Result<Resolved> {
    let mut path = std::ffi::OsString::from(PREFIX);
    path.push(name);
    resolve(&path, "namespaced name resolves to the pipe path")
}

/// A path: only `\\.\pipe\…` paths, as they are.
pub(crate) fn resolve_path(path: &std::path::Path) -> io::Result<Resolved> {
    let text = path.to_string_lossy();
    let is_pipe = text.len() > PREFIX.len() && text[..PREFIX.len()].eq_ignore_ascii_case(PREFIX);
    if !is_pipe {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "`{text}` is not a pipe path: on Windows a local socket path must start with `\\\\.\\pipe\\` (filesystem paths need AF_UNIX support, which localipc does not use yet)"
            ),
        ));
    }
    resolve(path.as_os_str(), "socket path")
}

fn resolve(path: &OsStr, what: &str) -> io::Result<Resolved> {
    use std::os::windows::ffi::OsStrExt;
    let mut wide: Vec<u16> = path.encode_wide().collect();
    let display = path.to_string_lossy().into_owned();
    if wide.len() > MAX_PATH_UNITS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{what} `{display}` is {} UTF-16 units long; Windows allows at most {MAX_PATH_UNITS}",
                wide.len()
            ),
        ));
    }
    wide.push(0);
    Ok(Resolved { wide, display })
}

/// A listener: named-pipe instances waiting for clients.
#[derive(Debug)]
pub(crate) struct Listener(named_pipe::Listener);

impl Listener {
    pub(crate) fn accept(&self) -> io::Result<Stream> {
        self.0.accept().map(Stream)
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.0.set_nonblocking(nonblocking);
        Ok(())
    }
}

/// A connected byte-mode pipe end.
#[derive(Debug)]
pub(crate) struct Stream(named_pipe::Stream);

/// What Windows says about the peer process: its id.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Credentials {
    pub(crate) pid: Option<u32>,
    pub(crate) uid: Option<u32>,
    pub(crate) gid: Option<u32>,
}

impl Stream {
    pub(crate) fn into_named_pipe(self) -> named_pipe::Stream {
        self.0
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        match bufs.iter_mut().find(|buf| !buf.is_empty()) {
            Some(buf) => self.0.read(buf),
            None => Ok(0),
        }
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match bufs.iter().find(|buf| !buf.is_empty()) {
            Some(buf) => self.0.write(buf),
            None => Ok(0),
        }
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_read_timeout(timeout);
        Ok(())
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_write_timeout(timeout);
        Ok(())
    }

    pub(crate) fn read_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(self.0.read_timeout())
    }

    pub(crate) fn write_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(self.0.write_timeout())
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.0.set_nonblocking(nonblocking);
        Ok(())
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        self.0.try_clone().map(Self)
    }

    /// Only the process id: Windows has no uid or gid.
    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        let pid = if self.0.is_server() {
            self.0.client_process_id()?
        } else {
            self.0.server_process_id()?
        };
        Ok(Credentials {
            pid: Some(pid),
            uid: None,
            gid: None,
        })
    }
}

/// Creates the listener: an exclusive, byte-mode, duplex pipe.
pub(crate) fn bind(
    resolved: &Resolved,
    security: Option<SecurityDescriptor>,
    ready_instances: usize,
    nonblocking: bool,
) -> io::Result<Listener> {
    if !(1..=64).contains(&ready_instances) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("ready_instances must be 1 to 64, not {ready_instances}"),
        ));
    }
    let config = ServerConfig {
        path: resolved.wide.clone(),
        display: resolved.display.clone(),
        messages: false,
        direction: Direction::Duplex,
        max_instances: PIPE_UNLIMITED_INSTANCES,
        in_buffer: 64 * 1024,
        out_buffer: 64 * 1024,
        reject_remote: true,
        inheritable: false,
        security,
    };
    named_pipe::Listener::new(config, ready_instances, nonblocking).map(Listener)
}

/// Opens the client end, waiting for a busy pipe up to `timeout`.
pub(crate) fn connect(
    resolved: &Resolved,
    timeout: Option<Duration>,
    nonblocking: bool,
) -> io::Result<Stream> {
    let config = ClientConfig {
        path: resolved.wide.clone(),
        display: resolved.display.clone(),
        direction: Direction::Duplex,
        timeout,
        impersonation: SECURITY_IDENTIFICATION,
        inheritable: false,
    };
    let stream = named_pipe::connect(&config)?;
    stream.set_nonblocking(nonblocking);
    Ok(Stream(stream))
}
