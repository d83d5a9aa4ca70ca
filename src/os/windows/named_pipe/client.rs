//! The client side: options for opening a pipe.

use std::ffi::{OsStr, OsString};
use std::io;
use std::time::Duration;

use super::mode::PipeDirection;
use super::stream::Stream;
use crate::local_socket::ExpectedServer;
use crate::sys::named_pipe as sys;
use crate::sys::pipe_path;

/// How far a server may act as this client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImpersonationLevel {
    /// The server cannot even identify the client (`SecurityAnonymous`).
    Anonymous,
    /// The server can identify the client and check its rights, but not act
    /// as it (`SecurityIdentification`). The default.
    #[default]
    Identification,
    /// The server can act as the client on this machine (`SecurityImpersonation`).
    Impersonation,
    /// The server can act as the client on other machines too (`SecurityDelegation`).
    Delegation,
}

/// Options for opening the client end of a named pipe.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use localipc::os::windows::named_pipe::ConnectOptions;
///
/// let stream = ConnectOptions::new(r"\\.\pipe\my-service")
///     .timeout(Some(Duration::from_secs(2)))
///     .connect()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    path: OsString,
    direction: PipeDirection,
    timeout: Option<Duration>,
    impersonation: ImpersonationLevel,
    inheritable: bool,
    nonblocking: bool,
    expected_server: ExpectedServer,
}

impl ConnectOptions {
    /// Options for the pipe at `path`: `\\.\pipe\NAME`, or `\\SERVER\pipe\NAME`
    /// for a pipe on another machine.
    ///
    /// Defaults: duplex access, wait for a busy pipe without limit,
    /// identification-only impersonation, not inheritable, blocking, and
    /// no check of who serves the pipe (see
    /// [`expected_server`](Self::expected_server)).
    pub fn new(path: impl AsRef<OsStr>) -> Self {
        Self {
            path: path.as_ref().to_owned(),
            direction: PipeDirection::Duplex,
            timeout: None,
            impersonation: ImpersonationLevel::Identification,
            inheritable: false,
            nonblocking: false,
            expected_server: ExpectedServer::any_user(),
        }
    }

    /// The access to ask for, matching the server's direction: `Duplex` asks
    /// to read and write, `ClientToServer` only to write, `ServerToClient`
    /// only to read.
    pub fn direction(&mut self, direction: PipeDirection) -> &mut Self {
        self.direction = direction;
        self
    }

    /// The longest time to wait for a free instance when every instance of
    /// the pipe is busy; `None` (the default) waits as long as it takes.
    pub fn timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// How far the server may act as this client (default: identification only).
    pub fn impersonation_level(&mut self, level: ImpersonationLevel) -> &mut Self {
        self.impersonation = level;
        self
    }

    /// Whether the stream's handle is inheritable by child processes (default: not).
    pub fn inheritable(&mut self, inheritable: bool) -> &mut Self {
        self.inheritable = inheritable;
        self
    }

    /// Whether the stream starts in nonblocking mode (default: blocking).
    /// Connecting itself still waits for a busy pipe as
    /// [`timeout`](Self::timeout) says.
    pub fn nonblocking(&mut self, nonblocking: bool) -> &mut Self {
        self.nonblocking = nonblocking;
        self
    }

    /// Which server this client agrees to talk to, checked as soon as the
    /// pipe is open and before a byte can be written, as local sockets do
    /// (see [`ExpectedServer`]): a server run by anyone else fails the
    /// connect with [`PermissionDenied`](io::ErrorKind::PermissionDenied),
    /// naming the user it found.
    ///
    /// The server's user is the pipe's owner; where the pipe has none (Wine
    /// creates pipes without a security descriptor ownerless), the user of
    /// the server process (`GetNamedPipeServerProcessId`).
    ///
    /// Unlike local sockets, the default here is
    /// [`ExpectedServer::any_user`]: no check. Raw pipe clients often talk
    /// to services of other accounts or to pipes on other machines
    /// (`\\SERVER\pipe\NAME`), which a default check would refuse. Opt
    /// in with [`ExpectedServer::current_user`] when the server should be
    /// run by this user (or the local system account).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use localipc::local_socket::ExpectedServer;
    /// use localipc::os::windows::named_pipe::ConnectOptions;
    ///
    /// let stream = ConnectOptions::new(r"\\.\pipe\my-service")
    ///     .expected_server(ExpectedServer::current_user())
    ///     .connect()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn expected_server(&mut self, expected: ExpectedServer) -> &mut Self {
        self.expected_server = expected;
        self
    }

    /// Opens the pipe. In message mode the stream reads whole messages
    /// (`PIPE_READMODE_MESSAGE` is set to match the server).
    ///
    /// # Errors
    ///
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for a bad path.
    /// * [`NotFound`](io::ErrorKind::NotFound) if no server listens on it.
    /// * [`TimedOut`](io::ErrorKind::TimedOut) if every instance stayed busy
    ///   for the whole timeout.
    /// * [`PermissionDenied`](io::ErrorKind::PermissionDenied) if the pipe's
    ///   security descriptor or direction does not allow this access, or if
    ///   its server runs as a user this client does not expect (see
    ///   [`expected_server`](Self::expected_server)).
    /// * Otherwise the OS error, naming the path.
    #[doc(alias = "CreateFileW")]
    #[doc(alias = "WaitNamedPipeW")]
    pub fn connect(&self) -> io::Result<Stream> {
        let stream = sys::connect(&self.to_sys()?)?;
        stream.set_nonblocking(self.nonblocking);
        Ok(Stream::from_sys(stream))
    }

    /// The checked options, as the backend takes them.
    pub(crate) fn to_sys(&self) -> io::Result<sys::ClientConfig> {
        let path = pipe_path::any_host(&self.path)?;
        Ok(sys::ClientConfig {
            path,
            direction: self.direction.to_sys(),
            timeout: self.timeout,
            impersonation: match self.impersonation {
                ImpersonationLevel::Anonymous => sys::ImpersonationLevel::Anonymous,
                ImpersonationLevel::Identification => sys::ImpersonationLevel::Identification,
                ImpersonationLevel::Impersonation => sys::ImpersonationLevel::Impersonation,
                ImpersonationLevel::Delegation => sys::ImpersonationLevel::Delegation,
            },
            inheritable: self.inheritable,
            expected_server: self.expected_server.0.clone(),
        })
    }
}
