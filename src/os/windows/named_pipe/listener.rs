//! The server side: options and the accepting listener.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::sync::Arc;

use super::mode::{PipeDirection, PipeMode};
use super::stream::Stream;
use crate::os::windows::security::SecurityDescriptor;
use crate::sys::named_pipe as sys;
use crate::sys::pipe_path;

/// The most instances a listener keeps waiting at once (the most handles one
/// `WaitForMultipleObjects` call can wait on).
const MAX_READY_INSTANCES: usize = 64;

/// Options for creating a [`Listener`], the server side of a named pipe.
///
/// Setters take `&mut self` and return it, so options can be chained or
/// adjusted step by step; [`create`](Self::create) checks them and creates the
/// listener.
///
/// # Examples
///
/// ```
/// use localipc::os::windows::named_pipe::{ListenerOptions, PipeDirection, PipeMode};
///
/// let path = format!(r"\\.\pipe\localipc-doc-options-{}", std::process::id());
/// let listener = ListenerOptions::new(&path)
///     .mode(PipeMode::Messages)
///     .direction(PipeDirection::ClientToServer)
///     .max_instances(Some(16))
///     .ready_instances(4)
///     .create()?;
/// assert_eq!(listener.path(), path);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ListenerOptions {
    path: OsString,
    mode: PipeMode,
    direction: PipeDirection,
    max_instances: Option<u8>,
    in_buffer_size: u32,
    out_buffer_size: u32,
    ready_instances: usize,
    accept_remote: bool,
    inheritable: bool,
    nonblocking: bool,
    security: Option<Arc<SecurityDescriptor>>,
}

impl ListenerOptions {
    /// Options for a pipe at `path`, which must have the form
    /// `\\.\pipe\NAME` (checked by [`create`](Self::create)).
    ///
    /// Defaults: byte mode, duplex, no instance limit (255), 64 KiB buffers in
    /// each direction, 8 ready instances, remote clients rejected, handles not
    /// inheritable, blocking accept, and a security descriptor that lets only
    /// the current user connect
    /// ([`SecurityDescriptor::current_user_only`]).
    pub fn new(path: impl AsRef<OsStr>) -> Self {
        Self {
            path: path.as_ref().to_owned(),
            mode: PipeMode::Bytes,
            direction: PipeDirection::Duplex,
            max_instances: None,
            in_buffer_size: 64 * 1024,
            out_buffer_size: 64 * 1024,
            ready_instances: 8,
            accept_remote: false,
            inheritable: false,
            nonblocking: false,
            security: None,
        }
    }

    /// Byte or message mode.
    pub fn mode(&mut self, mode: PipeMode) -> &mut Self {
        self.mode = mode;
        self
    }

    /// Which way data flows.
    pub fn direction(&mut self, direction: PipeDirection) -> &mut Self {
        self.direction = direction;
        self
    }

    /// The most instances (connections plus ready instances) the pipe may
    /// have, 1 to 254; `None` for the system's maximum, 255
    /// (`PIPE_UNLIMITED_INSTANCES`). Clients beyond it wait as for a busy pipe.
    pub fn max_instances(&mut self, max_instances: Option<u8>) -> &mut Self {
        self.max_instances = max_instances;
        self
    }

    /// The buffer size the system reserves for data flowing to the server, in
    /// bytes (advisory: Windows may round it).
    pub fn in_buffer_size(&mut self, bytes: u32) -> &mut Self {
        self.in_buffer_size = bytes;
        self
    }

    /// The buffer size for data flowing from the server, in bytes (advisory).
    pub fn out_buffer_size(&mut self, bytes: u32) -> &mut Self {
        self.out_buffer_size = bytes;
        self
    }

    /// How many instances the listener keeps waiting for clients, 1 to 64
    /// (default 8). Clients that arrive together beyond this find the pipe
    /// busy for a moment and wait for the next instance.
    pub fn ready_instances(&mut self, count: usize) -> &mut Self {
        self.ready_instances = count;
        self
    }

    /// Whether clients on other machines may connect (default: rejected,
    /// `PIPE_REJECT_REMOTE_CLIENTS`).
    pub fn accept_remote(&mut self, accept: bool) -> &mut Self {
        self.accept_remote = accept;
        self
    }

    /// Whether the handles of connected streams are inheritable by child
    /// processes (default: not).
    pub fn inheritable(&mut self, inheritable: bool) -> &mut Self {
        self.inheritable = inheritable;
        self
    }

    /// Who may connect to the pipe, read, write, or create instances of its
    /// name. The default, [`SecurityDescriptor::current_user_only`], admits
    /// only the user this process runs as; use
    /// [`SecurityDescriptor::everyone_may_connect`] to let other users'
    /// clients in without letting them take over the name.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::windows::named_pipe::ListenerOptions;
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let path = format!(r"\\.\pipe\localipc-doc-security-{}", std::process::id());
    /// let listener = ListenerOptions::new(&path)
    ///     .security_descriptor(SecurityDescriptor::everyone_may_connect()?)
    ///     .create()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn security_descriptor(&mut self, descriptor: SecurityDescriptor) -> &mut Self {
        self.security = Some(Arc::new(descriptor));
        self
    }

    /// Whether [`Listener::accept`] returns `WouldBlock` instead of waiting
    /// when no client is connected (default: it waits).
    pub fn nonblocking(&mut self, nonblocking: bool) -> &mut Self {
        self.nonblocking = nonblocking;
        self
    }

    /// Checks the options, claims the name and starts waiting for clients.
    ///
    /// # Errors
    ///
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for a bad path (the
    ///   message says why), `max_instances` of 0 or 255, or `ready_instances`
    ///   outside 1 to 64.
    /// * [`AddrInUse`](io::ErrorKind::AddrInUse) if another server already
    ///   listens on the name.
    /// * Otherwise the OS error of `CreateNamedPipeW`, naming the path.
    #[doc(alias = "CreateNamedPipeW")]
    pub fn create(&self) -> io::Result<Listener> {
        let path = pipe_path::local(&self.path)?;
        let max_instances = match self.max_instances {
            None => None,
            Some(n @ 1..=254) => Some(n),
            Some(n) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("max_instances must be 1 to 254 (or None for unlimited), not {n}"),
                ));
            }
        };
        if !(1..=MAX_READY_INSTANCES).contains(&self.ready_instances) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "ready_instances must be 1 to {MAX_READY_INSTANCES}, not {}",
                    self.ready_instances
                ),
            ));
        }
        let config = sys::ServerConfig {
            path,
            messages: self.mode == PipeMode::Messages,
            direction: self.direction.to_sys(),
            max_instances,
            in_buffer: self.in_buffer_size,
            out_buffer: self.out_buffer_size,
            reject_remote: !self.accept_remote,
            inheritable: self.inheritable,
            security: match &self.security {
                Some(descriptor) => Some(descriptor.as_sys().try_clone()?),
                None => None,
            },
        };
        let inner = sys::Listener::new(config, self.ready_instances, self.nonblocking)?;
        Ok(Listener { inner })
    }
}

/// The server side of a named pipe: keeps instances waiting for clients and
/// hands out the connected ones.
///
/// Created by [`ListenerOptions::create`]. Dropping it closes the instances
/// still waiting; streams already accepted stay connected.
///
/// # Examples
///
/// An accept loop that serves each client on its own thread:
///
/// ```no_run
/// use std::io::{Read, Write};
/// use localipc::os::windows::named_pipe::ListenerOptions;
///
/// let listener = ListenerOptions::new(r"\\.\pipe\my-service").create()?;
/// for stream in listener.incoming() {
///     let mut stream = match stream {
///         Ok(stream) => stream,
///         Err(error) => {
///             eprintln!("accept failed: {error}");
///             continue;
///         }
///     };
///     std::thread::spawn(move || {
///         let mut request = Vec::new();
///         let _ = stream.read_to_end(&mut request);
///         let _ = stream.write_all(b"done");
///     });
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Listener {
    inner: sys::Listener,
}

impl Listener {
    #[cfg(async_front_end)]
    pub(crate) fn from_sys(inner: sys::Listener) -> Self {
        Self { inner }
    }

    #[cfg(async_front_end)]
    pub(crate) fn into_sys(self) -> sys::Listener {
        self.inner
    }

    /// Waits for a client and returns the connected stream.
    ///
    /// A client that connected before `accept` was called counts as
    /// connected, even if it has already left: its stream yields whatever it
    /// wrote and then the end of the stream. Before returning, the listener
    /// puts a fresh instance in place of the connected one.
    ///
    /// # Errors
    ///
    /// * [`WouldBlock`](io::ErrorKind::WouldBlock) in nonblocking mode when no
    ///   client is waiting.
    /// * [`ResourceBusy`](io::ErrorKind::ResourceBusy) when every instance the
    ///   instance limit allows is connected and none is left to wait on.
    /// * Otherwise the OS error of `ConnectNamedPipe`; the listener stays
    ///   usable.
    #[doc(alias = "ConnectNamedPipe")]
    pub fn accept(&self) -> io::Result<Stream> {
        self.inner.accept().map(Stream::from_sys)
    }

    /// An endless iterator over [`accept`](Self::accept)'s results. It never
    /// ends on an error: each failed accept is yielded as an `Err`.
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// Switches [`accept`](Self::accept) between waiting and returning
    /// `WouldBlock` at once.
    pub fn set_nonblocking(&self, nonblocking: bool) {
        self.inner.set_nonblocking(nonblocking);
    }

    /// The pipe's path, as given.
    pub fn path(&self) -> &str {
        self.inner.path()
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// The iterator returned by [`Listener::incoming`].
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a Listener,
}

impl Iterator for Incoming<'_> {
    type Item = io::Result<Stream>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.listener.accept())
    }
}
