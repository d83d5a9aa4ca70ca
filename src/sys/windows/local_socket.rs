//! Local sockets on Windows: byte-mode, duplex named pipes.

use std::ffi::{OsStr, OsString};
use std::io::{self, IoSlice, IoSliceMut};
use std::os::windows::io::BorrowedHandle;
use std::time::Duration;

use windows_sys::Win32::Storage::FileSystem::SECURITY_IDENTIFICATION;
use windows_sys::Win32::System::Pipes::PIPE_UNLIMITED_INSTANCES;

use super::named_pipe::{self, ClientConfig, Direction, ServerConfig};
use super::pipe_path::{self, PipePath};
use super::security::SecurityDescriptor;
use crate::sys::Credentials;

/// What a local-socket name resolves to on Windows: a pipe path.
pub(crate) type Resolved = PipePath;

impl PipePath {
    /// Local sockets on Windows have no socket file.
    pub(crate) fn fs_path(&self) -> Option<&std::path::Path> {
        None
    }
}

/// A namespaced name `NAME`: the pipe `\\.\pipe\NAME`.
pub(crate) fn resolve_namespaced(name: &OsStr) -> io::Result<Resolved> {
    let mut path = OsString::from(r"\\.\pipe\");
    path.push(name);
    pipe_path::local(&path)
}

/// A path: only local pipe paths (`\\.\pipe\…`), as they are; filesystem
/// paths would need AF_UNIX support, which localipc does not use yet.
pub(crate) fn resolve_path(path: &std::path::Path) -> io::Result<Resolved> {
    pipe_path::local(path.as_os_str())
}

/// A listener: named-pipe instances waiting for clients.
#[derive(Debug)]
pub(crate) struct Listener(named_pipe::Listener);

impl Listener {
    #[cfg(any(feature = "tokio", feature = "smol"))]
    pub(crate) fn into_named_pipe(self) -> named_pipe::Listener {
        self.0
    }

    #[cfg(any(feature = "tokio", feature = "smol"))]
    pub(crate) fn from_named_pipe(listener: named_pipe::Listener) -> Self {
        Self(listener)
    }

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

impl Stream {
    pub(crate) fn into_named_pipe(self) -> named_pipe::Stream {
        self.0
    }

    #[cfg(any(feature = "tokio", feature = "smol"))]
    pub(crate) fn from_named_pipe(stream: named_pipe::Stream) -> Self {
        Self(stream)
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        super::read_first(bufs, |buf| self.0.read(buf))
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        super::write_first(bufs, |buf| self.0.write(buf))
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
        path: resolved.clone(),
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
    let stream = named_pipe::connect(&client_config(resolved, timeout))?;
    stream.set_nonblocking(nonblocking);
    Ok(Stream(stream))
}

/// How a local-socket client opens its pipe: duplex, identification only,
/// not inheritable, waiting for a busy pipe up to `timeout`.
pub(crate) fn client_config(resolved: &Resolved, timeout: Option<Duration>) -> ClientConfig {
    ClientConfig {
        path: resolved.clone(),
        direction: Direction::Duplex,
        timeout,
        impersonation: SECURITY_IDENTIFICATION,
        inheritable: false,
    }
}
