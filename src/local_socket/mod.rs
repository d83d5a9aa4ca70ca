//! Local sockets: a byte stream between processes on one machine, addressed
//! by a name instead of a port.
//!
//! A server binds a [`Listener`] to a [`Name`] and accepts [`Stream`]s; a
//! client connects a `Stream` to the same name. Streams are full duplex,
//! reliable and ordered, like TCP connections that never leave the machine.
//!
//! # Names
//!
//! A [`Name`] says where the socket lives. What each constructor maps to is
//! part of this crate's stable API: it does not change without a major
//! version.
//!
//! | constructor | Linux, Android | macOS, BSDs, other Unix | Windows |
//! | --- | --- | --- | --- |
//! | `Name::namespaced("app.sock")` | the abstract socket `@app.sock` (no file) | the socket file `app.sock` in a per-user directory: `$XDG_RUNTIME_DIR` if set, else `localipc-<uid>` in the temporary directory; localipc creates it with mode 0700 and refuses one owned by another user or open to others | the named pipe `\\.\pipe\app.sock` |
//! | `Name::path("/run/app.sock")` | that socket file | that socket file | a `\\.\pipe\…` path as is; any other path is an `InvalidInput` error |
//!
//! `Name`'s `Display` shows what a name resolved to, and
//! [`Name::fs_path`] gives the socket file, if there is one.
//!
//! ## A name belongs to one kind of listener
//!
//! A name is held either by a stream [`Listener`] or by a
//! `MessageListener`, never by both at once, on every OS. While one kind
//! listens on a name, binding the other kind there fails with
//! [`AddrInUse`](std::io::ErrorKind::AddrInUse), and connecting the other
//! kind fails with [`InvalidInput`](std::io::ErrorKind::InvalidInput); the
//! messages say which kind holds the name, where the OS lets the caller
//! tell, and which call fits it (`Stream::connect` or
//! `MessageSocket::connect`). Once the listener (with every clone of it)
//! is dropped, either kind may take the name.
//!
//! | OS, kind of name | how the name is kept to one kind | what the other kind's errors can tell |
//! | --- | --- | --- |
//! | Linux, Android: namespaced (abstract) | the kernel keeps abstract names per socket type, so every listener binds its name for both: `SOCK_STREAM` first, then `SOCK_SEQPACKET`, listening only on its own type; the other is a placeholder that never listens. Whoever binds `SOCK_STREAM` first has the name. | which kind listens, from the kernel (`sock_diag`) |
//! | Unix: path, and namespaced names outside Linux (socket files) | the socket file and its lock file: one listener per path | which kind listens: a connect of the other socket type is `EPROTOTYPE`, and the lock file says which kind holds it (readable by the listener's user only) |
//! | macOS and other Apple systems (messages framed over `SOCK_STREAM`) | as for socket files | a client reads the lock file before it connects and refuses the other kind; a listener of another user, whose lock file it cannot read, is connected to, and then only a message socket's first receive fails (`InvalidData`: no localipc hello), while a stream reads the hello's bytes |
//! | Windows (named pipes) | one pipe namespace: the name's first pipe instance claims it (`FILE_FLAG_FIRST_PIPE_INSTANCE`) | a client sees the pipe's mode once it has opened it and refuses the other kind; a refused bind cannot tell which kind holds the name without connecting to it, so it does not say |
//!
//! # Behaviour on every OS
//!
//! * **Errors.** Connecting to a name nobody listens on is
//!   [`NotFound`](std::io::ErrorKind::NotFound) (on Unix, a socket file left
//!   by a crashed server is [`ConnectionRefused`](std::io::ErrorKind::ConnectionRefused)).
//!   Binding a name a live listener holds is
//!   [`AddrInUse`](std::io::ErrorKind::AddrInUse). Bind and connect errors
//!   name the endpoint and keep the OS error inside (see
//!   [`raw_os_error`](crate::raw_os_error)).
//! * **End of stream and broken pipes.** A read after the peer closed or
//!   died returns what it sent, then `Ok(0)`, also when it died with data
//!   unread; a write to a peer that is gone fails with
//!   [`BrokenPipe`](std::io::ErrorKind::BrokenPipe), whatever the OS said
//!   (`EPIPE`, `ECONNRESET`, `ERROR_NO_DATA`, ...), and never raises
//!   `SIGPIPE`.
//! * **Timeouts and nonblocking mode.** An expired read or write timeout is
//!   [`TimedOut`](std::io::ErrorKind::TimedOut); an operation that would wait
//!   in nonblocking mode is [`WouldBlock`](std::io::ErrorKind::WouldBlock).
//! * **Full duplex.** A stream can be read in one thread and written in
//!   another at once (`Read` and `Write` are implemented for `&Stream`).
//! * **Not inherited.** Sockets and pipe handles are created close-on-exec or
//!   non-inheritable.
//! * **Secure by default, both ways.** A listener admits only its own user
//!   and the superuser unless its [`Access`] policy says more; a client
//!   talks only to a server of its own user or the superuser unless its
//!   [`ExpectedServer`] says otherwise. See [Security](#security).
//!
//! # Security
//!
//! Two checks guard every connection, one on each side:
//!
//! * **Who may connect** is the listener's [`Access`] policy (set with
//!   [`ListenerOptions::access`]): this user (the default), any user, a
//!   group, or a list of users; the listener's own user and the superuser
//!   (root, or the local system account) are always admitted.
//! * **Whom a client talks to** is its [`ExpectedServer`] (set with
//!   [`ConnectOptions::expected_server`]): by default a server run by this
//!   user or the superuser. It is checked as soon as the connection stands,
//!   before a byte can be written; any other server fails the connect with
//!   [`PermissionDenied`](std::io::ErrorKind::PermissionDenied), naming the
//!   user it found.
//!
//! A name that is free can always be taken by someone (a *squatter*): no
//! OS reserves an abstract name or a pipe name for one user, and anyone
//! may create files in a shared directory such as `/tmp`. The client's
//! check is what keeps a squatter from receiving data, and
//! [`ListenerOptions::bind`] says who holds a taken name where the OS can
//! tell.
//!
//! | OS, kind of name | who may connect (how it is enforced) | who may squat | what the client checks |
//! | --- | --- | --- | --- |
//! | Linux, Android: namespaced (abstract) | the policy; the listener reads `SO_PEERCRED` (and `SO_PEERGROUPS` for a group) of each connection and refuses (below) those it does not admit, before `accept` returns | any process in the same network namespace | the server's uid (`SO_PEERCRED`) |
//! | Unix: path | the policy, through the socket file: mode `0600` (this user), `0660` with the file's group (a group), `0666` (any user); for a list of users `0666` and the listener's check of each connection | whoever may create files in the directory | the server's uid (`SO_PEERCRED`, `getpeereid`) |
//! | macOS, BSDs, other Unix: namespaced | this user only: the socket file is in a per-user directory (mode `0700`, owner checked) that nobody else can enter, so a wider policy is an `InvalidInput` error (use a path name) | nobody (the directory is private) | the directory's owner and mode, and the server's uid |
//! | Windows: namespaced and path (named pipes) | the policy, through the pipe's DACL: full access for this user, connect access (without `FILE_CREATE_PIPE_INSTANCE`) for the local system account and whoever the policy admits; remote clients are always rejected | any process that can create the name first; once a pipe exists, only users allowed to create instances of it | the owner of the pipe, which localipc's listeners set to their user and which an unprivileged process cannot set to another user; for a pipe without an owner (Wine leaves a pipe created without a security descriptor ownerless), the user of the pipe's server process |
//!
//! Where the OS refuses a client (a socket file's mode, a pipe's DACL), the
//! client's connect fails with `PermissionDenied`. Where the listener
//! refuses it (Unix, a name without a socket file or a list of users), the
//! kernel has already connected the client; the listener writes a one-line
//! notice, unread, and closes the connection, and
//! [`ListenerOptions::on_refused`] is told. The notice is the byte `0x15`
//! (NAK), `localipc: refused: `, which kind of policy refused whom (the uid;
//! never the users or group the policy names), and a newline:
//!
//! * a client that localipc connected (a [`Stream`], a [`ResourceStream`],
//!   a `MessageSocket`, blocking or async) never receives it as data:
//!   its first read or receive fails with
//!   [`PermissionDenied`](std::io::ErrorKind::PermissionDenied), saying
//!   `the server refused this connection: ` and the reason, and so does
//!   every later one. It can tell this from a server that closed politely
//!   (the end of the stream, `Ok(0)`). localipc looks at the first bytes
//!   once, with a peek before the first read; a server that sends exactly
//!   the notice first is taken for a refusal.
//! * any other client (`socat`, std's `UnixStream`) reads the line, then
//!   the end of the stream; a write of its after the refusal fails with
//!   `EPIPE`.
//!
//! ```text
//! $ socat - ABSTRACT-CONNECT:app.sock     # as another user
//! localipc: refused: its access policy admits only the user it runs as (and the superuser), not uid 65534
//! ```
//!
//! # Platform-specific behavior
//!
//! * **Unix:** Unix domain stream sockets (std's `UnixListener` and
//!   `UnixStream` inside). A listener on a path holds a lock on `PATH.lock`
//!   (`flock`) for its lifetime, so of concurrent binders exactly one wins;
//!   stale socket files from a crashed server are reclaimed on bind; a
//!   listener removes its socket file and lock file when dropped if the
//!   socket file is still the one it created.
//! * **Windows:** byte-mode, duplex named pipes with overlapped handles (see
//!   `os::windows::named_pipe`). There is no half-close.
//!
//! # Examples
//!
//! ```
//! use std::io::{BufRead, BufReader, Write};
//! use localipc::local_socket::{Listener, Name, Stream};
//!
//! let name = Name::namespaced(format!("localipc-doc-{}.sock", std::process::id()))?;
//! let listener = Listener::bind(&name)?;
//! let client = std::thread::spawn({
//!     let name = name.clone();
//!     move || -> std::io::Result<String> {
//!         let mut stream = BufReader::new(Stream::connect(&name)?);
//!         stream.get_mut().write_all(b"hello\n")?;
//!         let mut reply = String::new();
//!         stream.read_line(&mut reply)?;
//!         Ok(reply)
//!     }
//! });
//! let mut stream = BufReader::new(listener.accept()?);
//! let mut request = String::new();
//! stream.read_line(&mut request)?;
//! stream.get_mut().write_all(b"world\n")?;
//! assert_eq!(request, "hello\n");
//! assert_eq!(client.join().unwrap()?, "world\n");
//! # Ok::<(), std::io::Error>(())
//! ```

mod access;
#[cfg(async_front_end)]
#[cfg_attr(docsrs, doc(cfg(any(feature = "tokio", feature = "smol"))))]
pub mod generic;
mod listener;
#[cfg(message_sockets)]
mod message;
mod name;
mod resource_stream;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub mod smol;
mod stream;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

#[cfg(message_sockets)]
pub use crate::error::MessageTooLong;
pub use access::{Access, ExpectedServer};
pub use listener::{Incoming, Listener, ListenerOptions};
#[cfg(message_sockets)]
pub use message::{MessageListener, MessageSocket};
pub use name::Name;
pub use resource_stream::ResourceStream;
pub use stream::{ConnectOptions, PeerCredentials, Stream};
