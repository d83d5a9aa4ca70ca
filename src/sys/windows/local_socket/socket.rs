//! Local sockets on Windows: byte-mode, duplex named pipes (the listener,
//! the stream, names, binding and connecting).

use std::ffi::{OsStr, OsString};
use std::io::{self, IoSlice, IoSliceMut};
use std::os::windows::io::{AsHandle, BorrowedHandle, OwnedHandle};
use std::sync::Arc;
use std::time::Duration;

pub(crate) use crate::sys::ConnectOptions;
use crate::sys::windows::named_pipe::{
    self, ClientConfig, Direction, ImpersonationLevel, ServerConfig,
};
use crate::sys::windows::pipe_path::{self, PipePath};
use crate::sys::windows::security::{self, SecurityDescriptor};
use crate::sys::{Access, Credentials, RefusalHook};

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
pub(crate) struct Listener(pub(super) named_pipe::Listener);

impl Listener {
    #[cfg(async_front_end)]
    pub(crate) fn into_named_pipe(self) -> named_pipe::Listener {
        self.0
    }

    #[cfg(async_front_end)]
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

    /// A stream over a handle that another process sent: it must be a
    /// byte-mode pipe end (either side), opened for overlapped I/O as
    /// localipc opens its own.
    pub(crate) fn from_owned(handle: OwnedHandle) -> io::Result<Self> {
        let (server, messages) = named_pipe::describe(handle.as_handle())?;
        if messages {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a message-mode pipe is no local socket; use named_pipe::Stream for it",
            ));
        }
        named_pipe::Stream::from_parts(handle, server, false, None).map(Self)
    }

    #[cfg(async_front_end)]
    pub(crate) fn from_named_pipe(stream: named_pipe::Stream) -> Self {
        Self(stream)
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    /// The pipe, for a caller that reads or writes by a deadline.
    pub(crate) fn pipe(&self) -> &named_pipe::Stream {
        &self.0
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        crate::sys::windows::vectored::read_first(bufs, |buf| self.0.read(buf))
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        crate::sys::windows::vectored::write_first(bufs, |buf| self.0.write(buf))
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
        pipe_credentials(&self.0)
    }
}

/// The peer's process id: what a pipe end knows of its peer.
pub(crate) fn pipe_credentials(pipe: &named_pipe::Stream) -> io::Result<Credentials> {
    let pid = if pipe.is_server() {
        pipe.client_process_id()?
    } else {
        pipe.server_process_id()?
    };
    Ok(Credentials {
        pid: Some(pid),
        uid: None,
        gid: None,
    })
}

/// How a listener is bound: the portable `ListenerOptions` less the name.
#[derive(Clone)]
pub(crate) struct BindOptions {
    pub(crate) access: Access,
    /// Never called on Windows: the pipe's DACL keeps refused clients out.
    pub(crate) on_refused: Option<RefusalHook>,
    pub(crate) nonblocking: bool,
    /// The descriptor for every instance, instead of the one the access
    /// policy implies.
    pub(crate) security: Option<Arc<SecurityDescriptor>>,
    pub(crate) ready_instances: usize,
}

impl Default for BindOptions {
    fn default() -> Self {
        Self {
            access: Access::default(),
            on_refused: None,
            nonblocking: false,
            security: None,
            ready_instances: 8,
        }
    }
}

impl std::fmt::Debug for BindOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BindOptions")
            .field("access", &self.access)
            .field("on_refused", &self.on_refused.is_some())
            .field("nonblocking", &self.nonblocking)
            .field("security", &self.security)
            .field("ready_instances", &self.ready_instances)
            .finish()
    }
}

/// Creates the listener: an exclusive, byte-mode, duplex pipe whose DACL
/// enforces the access policy.
pub(crate) fn bind(resolved: &Resolved, options: &BindOptions) -> io::Result<Listener> {
    bind_mode(resolved, options, false)
}

/// Creates a listener of byte-mode or (`messages`) message-mode pipes.
pub(crate) fn bind_mode(
    resolved: &Resolved,
    options: &BindOptions,
    messages: bool,
) -> io::Result<Listener> {
    let ready_instances = options.ready_instances;
    if !(1..=64).contains(&ready_instances) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("ready_instances must be 1 to 64, not {ready_instances}"),
        ));
    }
    let security = match &options.security {
        Some(descriptor) => descriptor.try_clone()?,
        None => SecurityDescriptor::from_sddl(&security::access_sddl(&options.access)?)?,
    };
    let config = ServerConfig {
        path: resolved.clone(),
        messages,
        direction: Direction::Duplex,
        max_instances: None,
        in_buffer: 64 * 1024,
        out_buffer: 64 * 1024,
        reject_remote: true,
        inheritable: false,
        security: Some(security),
    };
    named_pipe::Listener::new(config, ready_instances, options.nonblocking).map(Listener)
}

/// Opens the client end, waiting for a busy pipe up to the timeout, and
/// checks who serves it before returning.
pub(crate) fn connect(resolved: &Resolved, options: &ConnectOptions) -> io::Result<Stream> {
    let stream = named_pipe::connect(&client_config(resolved, options))?;
    if stream.is_message_mode() {
        return Err(not_a_stream_listener(resolved));
    }
    stream.set_nonblocking(options.nonblocking);
    Ok(Stream(stream))
}

/// The error of a stream client whose name has a message listener (its
/// pipe is in message mode): a name belongs to one kind.
pub(crate) fn not_a_stream_listener(resolved: &Resolved) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "`{resolved}` has a message socket listening (a MessageListener), not a stream \
             listener: a name belongs to one kind; connect to it with `MessageSocket::connect`"
        ),
    )
}

/// How a local-socket client opens its pipe: duplex, identification only,
/// not inheritable, waiting for a busy pipe up to the options' timeout, and
/// checking the server as they say.
pub(crate) fn client_config(resolved: &Resolved, options: &ConnectOptions) -> ClientConfig {
    ClientConfig {
        path: resolved.clone(),
        direction: Direction::Duplex,
        timeout: options.timeout,
        impersonation: ImpersonationLevel::Identification,
        inheritable: false,
        expected_server: options.expected_server.clone(),
    }
}
