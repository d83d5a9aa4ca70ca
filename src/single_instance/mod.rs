//! Single-instance applications: the first start serves, every later start
//! hands its arguments to the running one and exits.
//!
//! An editor that opens files in its existing window, a tray app, a daemon
//! that a command line talks to: [`SingleInstance::start`] says either
//! [`Start::Primary`], with a listener on the instance's name, or
//! [`Start::Running`], with a stream to the running primary whose identity
//! was checked. [`Running::forward`] sends the arguments and working
//! directory and waits until the primary has [`acknowledged`](Arrival::acknowledge)
//! them.
//!
//! # What it guarantees
//!
//! * **One primary**, among any number of simultaneous starts: the name is
//!   bound by one listener ([`ListenerOptions::bind`] gives a name to
//!   exactly one; on Windows a named mutex adds the same guarantee where
//!   the pipe flag that gives it is ignored, as under Wine). A start that
//!   finds a primary binding but not yet listening waits for it, bounded by
//!   the [timeout](SingleInstance::timeout).
//! * **Recovery after a crash**: a primary killed with `kill -9` or
//!   `TerminateProcess` leaves nothing that stops the next start from
//!   becoming primary (a stale socket file is replaced; abstract names,
//!   pipes and mutexes die with their process).
//! * **Scoped to the user** by default: another user's instance is neither
//!   joined nor in the way, and nothing is sent to a primary that is not
//!   the expected user's. See [`Scope`] for the choices.
//! * **Bounded waits**: starting, forwarding and reading a forwarded start
//!   all end by the timeout (default 5 s), whatever the peer does. A
//!   request is at most 1 MiB, decoded without trusting the sender.
//!
//! # Examples
//!
//! An application's `main`: the primary serves forwarded starts until it
//! is told to quit; later starts forward their arguments.
//!
//! ```no_run
//! use localipc::single_instance::{SingleInstance, Start};
//!
//! fn main() -> std::io::Result<()> {
//!     let args: Vec<_> = std::env::args_os().skip(1).collect();
//!     let primary = match SingleInstance::new("com.example.editor").start()? {
//!         Start::Running(running) => {
//!             let pid = running.pid();
//!             running.forward(&args)?;
//!             eprintln!("opened in the running instance (pid {pid:?})");
//!             return Ok(());
//!         }
//!         Start::Primary(primary) => primary,
//!     };
//!     // open(&args) ...
//!     loop {
//!         let arrival = match primary.accept() {
//!             Ok(arrival) => arrival,
//!             Err(error) => {
//!                 eprintln!("a later start failed to forward: {error}");
//!                 continue;
//!             }
//!         };
//!         println!("pid {:?} asks for {:?} in {:?}", arrival.pid(), arrival.args(), arrival.cwd());
//!         // open(arrival.args()) ...
//!         arrival.acknowledge()?;
//!     }
//! }
//! ```
//!
//! A start can lose a race with a primary that is exiting: it connects,
//! and the primary closes without acknowledging. [`Running::forward`] then
//! fails with [`ConnectionAborted`](io::ErrorKind::ConnectionAborted), and
//! starting again makes it the primary (`examples/single_instance.rs`
//! does that).
//!
//! The async front ends, [`tokio`] (feature `tokio`) and [`smol`] (feature
//! `smol`), have the same types with `async` methods.

#[cfg(async_front_end)]
pub mod generic;
#[cfg(feature = "smol")]
pub mod smol;
#[cfg(feature = "tokio")]
pub mod tokio;
mod wire;

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::local_socket::{
    Access, ConnectOptions, ExpectedServer, Listener, ListenerOptions, Name, Stream,
};
use crate::sys::single_instance as sys;

/// Who shares one instance.
///
/// | scope | Linux | macOS, BSDs, other Unix | Windows |
/// | --- | --- | --- | --- |
/// | [`User`](Scope::User) | a socket file in the user's private runtime directory (`$XDG_RUNTIME_DIR`, else `localipc-<uid>` in the temporary directory) | the same | the pipe `\\.\pipe\ID-SID`, with the user's SID |
/// | [`Session`](Scope::Session) | as per user, named with `$XDG_SESSION_ID` (per user where that is unset) | the same | `\\.\pipe\ID-SID-sessionN`, with the logon session's id |
/// | [`Machine`](Scope::Machine) | the abstract name `@ID` | a socket file `ID` in the temporary directory | the pipe `\\.\pipe\ID` |
///
/// Per user and per session, only the user's own primary is joined. On
/// Unix no other user can make a file in the private directory, so nobody
/// can take the name first. On Windows pipe names are shared by all users:
/// another user who made a pipe of that name first is refused by the
/// check of who serves it ([`PermissionDenied`](io::ErrorKind::PermissionDenied)),
/// and the start fails rather than sending it anything.
///
/// Machine-wide, every user joins the one primary, and the primary admits
/// every user ([`Access::any_user`]): anyone can also take the name first.
/// Use it for a machine-wide service whose clients check what it answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One instance per user (the default).
    #[default]
    User,
    /// One instance per user and login session.
    Session,
    /// One instance on the machine, shared by every user.
    Machine,
}

/// How to start a single instance: its id, scope and timeout.
///
/// # Examples
///
/// ```
/// use localipc::single_instance::{Scope, SingleInstance, Start};
///
/// let id = format!("localipc-doc-instance-{}", std::process::id());
/// let Start::Primary(primary) = SingleInstance::new(&id).start()? else {
///     panic!("nothing else runs with this id");
/// };
/// // A second start, here from the same process, finds the primary.
/// let Start::Running(running) = SingleInstance::new(&id).start()? else {
///     panic!("the primary is running");
/// };
/// assert_eq!(running.pid(), Some(std::process::id()));
/// let forwarding = std::thread::spawn(move || running.forward(["--open", "notes.txt"]));
/// let arrival = primary.accept()?;
/// assert_eq!(arrival.args(), ["--open", "notes.txt"]);
/// arrival.acknowledge()?;
/// forwarding.join().unwrap()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SingleInstance {
    id: OsString,
    scope: Scope,
    timeout: Duration,
}

/// The default [`SingleInstance::timeout`].
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

impl SingleInstance {
    /// A single instance called `id`, per user, with a 5 s timeout. Use an
    /// id of your own, such as a reverse domain name (`com.example.editor`):
    /// it becomes part of a socket or pipe name.
    ///
    /// # Examples
    ///
    /// See [`SingleInstance`].
    pub fn new(id: impl AsRef<OsStr>) -> Self {
        Self {
            id: id.as_ref().to_owned(),
            scope: Scope::User,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Who shares the instance (default: [`Scope::User`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::single_instance::{Scope, SingleInstance};
    ///
    /// let mut instance = SingleInstance::new("com.example.tray");
    /// instance.scope(Scope::Session);
    /// println!("the instance's name: {}", instance.name()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn scope(&mut self, scope: Scope) -> &mut Self {
        self.scope = scope;
        self
    }

    /// How long [`start`](Self::start) waits for a primary that is
    /// binding, and how long forwarding a start and reading a forwarded
    /// start may take (default: 5 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use localipc::single_instance::SingleInstance;
    ///
    /// let mut instance = SingleInstance::new("com.example.tray");
    /// instance.timeout(Duration::from_secs(1));
    /// ```
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// The local-socket name the instance listens on, for logs (see
    /// [`Scope`] for each OS's).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) if the id is not a
    /// valid [namespaced name](Name::namespaced) (empty, a NUL or a path
    /// separator, too long); on Windows, the error of reading the process
    /// token (the user's SID, the session's id).
    ///
    /// # Examples
    ///
    /// See [`scope`](Self::scope).
    pub fn name(&self) -> io::Result<Name> {
        let resolve = match self.scope {
            Scope::User => sys::user_address,
            Scope::Session => sys::session_address,
            Scope::Machine => sys::machine_address,
        };
        Name::scoped(&self.id, resolve)
    }

    /// Becomes the primary, or finds the running one.
    ///
    /// # Errors
    ///
    /// * As for [`name`](Self::name).
    /// * [`PermissionDenied`](io::ErrorKind::PermissionDenied) if the
    ///   name is held by a server of a user other than the one the scope
    ///   expects (see [`Scope`]), with who it is.
    /// * [`TimedOut`](io::ErrorKind::TimedOut) if a primary held the name
    ///   but accepted no connection within the timeout.
    /// * Otherwise the error of binding or connecting (see
    ///   [`ListenerOptions::bind`] and [`ConnectOptions::connect`]).
    ///
    /// # Examples
    ///
    /// See [`SingleInstance`].
    pub fn start(&self) -> io::Result<Start> {
        let plan = Plan::new(self)?;
        loop {
            if let Some(claim) = sys::claim(&plan.key)? {
                if let Some(listener) = bound(plan.listener_options().bind())? {
                    return Ok(Start::Primary(Primary {
                        listener,
                        timeout: self.timeout,
                        _claim: claim,
                    }));
                }
            }
            let connected = plan.connect_options().connect();
            if let Some(stream) = plan.connected(connected)? {
                return Ok(Start::Running(Running::new(stream, self.timeout)?));
            }
            std::thread::sleep(RETRY);
        }
    }
}

/// How long a start waits before trying again, when the primary is on its
/// way in or out.
const RETRY: Duration = Duration::from_millis(10);

/// One start's name, policies and deadline, for both front ends.
struct Plan {
    name: Name,
    key: String,
    scope: Scope,
    deadline: Instant,
    timeout: Duration,
}

impl Plan {
    fn new(instance: &SingleInstance) -> io::Result<Self> {
        let name = instance.name()?;
        // The claim's key: the name, without the characters kernel object
        // names cannot hold.
        let key = name
            .to_string()
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or_default()
            .to_owned();
        let deadline = Instant::now()
            .checked_add(instance.timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        Ok(Self {
            name,
            key,
            scope: instance.scope,
            deadline,
            timeout: instance.timeout,
        })
    }

    fn listener_options(&self) -> ListenerOptions {
        let mut options = ListenerOptions::new(&self.name);
        if self.scope == Scope::Machine {
            options.access(Access::any_user());
        }
        options
    }

    fn connect_options(&self) -> ConnectOptions {
        let mut options = ConnectOptions::new(&self.name);
        let left = self.deadline.saturating_duration_since(Instant::now());
        options.timeout(Some(left.max(Duration::from_millis(1))));
        if self.scope == Scope::Machine {
            options.expected_server(ExpectedServer::any_user());
        }
        options
    }

    /// What a connect's result means: the stream, `None` to try again (the
    /// primary is on its way in or out), or the error to report.
    fn connected<S>(&self, result: io::Result<S>) -> io::Result<Option<S>> {
        match result {
            Ok(stream) => Ok(Some(stream)),
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
                ) =>
            {
                if Instant::now() >= self.deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "another start holds the single instance `{}` but accepted no \
                             connection within {:?}: {error}",
                            self.name, self.timeout
                        ),
                    ));
                }
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}

/// What a bind's result means: the listener, `None` if another start holds
/// the name (connect to it), or the error to report.
fn bound<L>(result: io::Result<L>) -> io::Result<Option<L>> {
    match result {
        Ok(listener) => Ok(Some(listener)),
        Err(error) if error.kind() == io::ErrorKind::AddrInUse => Ok(None),
        Err(error) => Err(error),
    }
}

/// What [`SingleInstance::start`] found.
#[derive(Debug)]
pub enum Start {
    /// This process is the primary: it serves later starts.
    Primary(Primary),
    /// Another process is the primary: forward to it.
    Running(Running),
}

/// The primary instance: holds the instance's name while it lives, and
/// accepts the starts forwarded to it.
pub struct Primary {
    listener: Listener,
    timeout: Duration,
    _claim: sys::Claim,
}

impl Primary {
    /// Waits for the next forwarded start and reads it (bounded by the
    /// timeout once connected).
    ///
    /// # Errors
    ///
    /// An accept error; [`TimedOut`](io::ErrorKind::TimedOut) if the
    /// connected start sent nothing complete within the timeout;
    /// [`InvalidData`](io::ErrorKind::InvalidData) if what it sent is not a
    /// forwarded start; [`UnexpectedEof`](io::ErrorKind::UnexpectedEof) if
    /// it left early. Each is about one connection: accept the next.
    ///
    /// # Examples
    ///
    /// See [`SingleInstance`].
    pub fn accept(&self) -> io::Result<Arrival> {
        let stream = self.listener.accept()?;
        let mut bounded = Bounded::new(&stream, self.timeout);
        let mut header = [0; wire::HEADER_LEN];
        bounded.read_exact(&mut header)?;
        let mut payload = vec![0; wire::payload_len(&header)?];
        bounded.read_exact(&mut payload)?;
        let request = wire::decode(&payload)?;
        stream.set_write_timeout(Some(self.timeout))?;
        let pid = stream.peer_credentials().ok().and_then(|peer| peer.pid);
        Ok(Arrival {
            request,
            pid,
            stream,
        })
    }

    /// The listener, for connections of a protocol of your own (instead of
    /// [`accept`](Self::accept)). The instance's name is held as long as
    /// the `Primary` lives.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::single_instance::{SingleInstance, Start};
    ///
    /// let id = format!("localipc-doc-listener-{}", std::process::id());
    /// if let Start::Primary(primary) = SingleInstance::new(&id).start()? {
    ///     println!("serving on {:?}", primary.listener().name());
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn listener(&self) -> &Listener {
        &self.listener
    }
}

impl fmt::Debug for Primary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Primary")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

/// A running primary, found by a later start.
#[derive(Debug)]
pub struct Running {
    stream: Stream,
    pid: Option<u32>,
    timeout: Duration,
}

impl Running {
    fn new(stream: Stream, timeout: Duration) -> io::Result<Self> {
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let pid = stream.peer_credentials().ok().and_then(|peer| peer.pid);
        Ok(Self {
            stream,
            pid,
            timeout,
        })
    }

    /// The primary's process id, as the OS reports it (`None` where it
    /// does not).
    ///
    /// # Examples
    ///
    /// See [`SingleInstance`].
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Sends `args` and this process's working directory to the primary,
    /// and waits until it [acknowledges](Arrival::acknowledge) them,
    /// bounded by the timeout.
    ///
    /// # Errors
    ///
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) if the request
    ///   would exceed 1 MiB.
    /// * [`ConnectionAborted`](io::ErrorKind::ConnectionAborted) if the
    ///   primary closed the connection without acknowledging (it may be
    ///   exiting: start again).
    /// * [`TimedOut`](io::ErrorKind::TimedOut) if it did not acknowledge
    ///   within the timeout.
    /// * [`InvalidData`](io::ErrorKind::InvalidData) if it answered
    ///   something else; otherwise the I/O error.
    ///
    /// # Examples
    ///
    /// See [`SingleInstance`].
    pub fn forward<I, S>(self, args: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let cwd = std::env::current_dir().ok();
        let request = wire::encode(args, cwd.as_deref())?;
        let mut bounded = Bounded::new(&self.stream, self.timeout);
        let mut answer = [0; 1];
        let answered = bounded
            .write_all(&request)
            .and_then(|()| bounded.read(&mut answer));
        acknowledged(answered, answer[0])
    }

    /// The stream to the primary, for a protocol of your own (instead of
    /// [`forward`](Self::forward)), with the instance's timeout as its read
    /// and write timeouts.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::io::Write;
    /// use localipc::single_instance::{SingleInstance, Start};
    ///
    /// if let Start::Running(running) = SingleInstance::new("com.example.tray").start()? {
    ///     running.into_stream().write_all(b"show-window\n")?;
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_stream(self) -> Stream {
        self.stream
    }
}

/// A stream whose reads and writes all end by one deadline: each sets the
/// stream's timeout to the time left, so a peer that trickles bytes cannot
/// stretch an exchange past it.
struct Bounded<'a> {
    stream: &'a Stream,
    deadline: Option<Instant>,
    timeout: Duration,
}

impl<'a> Bounded<'a> {
    fn new(stream: &'a Stream, timeout: Duration) -> Self {
        Self {
            stream,
            deadline: Instant::now().checked_add(timeout),
            timeout,
        }
    }

    /// The time left, or `TimedOut` once there is none.
    fn left(&self) -> io::Result<Option<Duration>> {
        let Some(deadline) = self.deadline else {
            return Ok(None);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the exchange took longer than its {:?} timeout",
                    self.timeout
                ),
            ));
        }
        Ok(Some(left))
    }
}

impl Read for Bounded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(self.left()?)?;
        (&mut &*self.stream).read(buf)
    }
}

impl Write for Bounded<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(self.left()?)?;
        (&mut &*self.stream).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&mut &*self.stream).flush()
    }
}

/// What the answer to a forwarded start means.
fn acknowledged(answered: io::Result<usize>, answer: u8) -> io::Result<()> {
    match answered {
        Ok(1) if answer == wire::ACK => Ok(()),
        Ok(0) => Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the running instance closed the connection without acknowledging (it may be \
             exiting; start again)",
        )),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the running instance answered something other than an acknowledgement",
        )),
        Err(error) if error.kind() == io::ErrorKind::TimedOut => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("the running instance did not acknowledge in time: {error}"),
        )),
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ) =>
        {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                format!(
                    "the running instance closed the connection without acknowledging (it may \
                     be exiting; start again): {error}"
                ),
            ))
        }
        Err(error) => Err(error),
    }
}

/// A start forwarded to the primary: its arguments, working directory and
/// process id. The start waits until it is [acknowledged](Self::acknowledge).
#[derive(Debug)]
pub struct Arrival {
    request: wire::Request,
    pid: Option<u32>,
    stream: Stream,
}

impl Arrival {
    /// The arguments the start forwarded.
    ///
    /// # Examples
    ///
    /// See [`SingleInstance`].
    pub fn args(&self) -> &[OsString] {
        &self.request.args
    }

    /// The start's working directory, against which relative paths in its
    /// arguments resolve (`None` if it could not tell).
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    pub fn cwd(&self) -> Option<&Path> {
        self.request.cwd.as_deref()
    }

    /// The start's process id, as the OS reports it.
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Tells the start that its arguments were taken: its
    /// [`forward`](Running::forward) returns `Ok`. Dropping an arrival
    /// instead makes it fail with `ConnectionAborted`.
    ///
    /// # Errors
    ///
    /// The write's error (the start may have given up).
    ///
    /// # Examples
    ///
    /// See [`SingleInstance`].
    pub fn acknowledge(mut self) -> io::Result<()> {
        self.stream.write_all(&[wire::ACK])?;
        self.stream.flush()
    }
}
