//! The OS backends. Nothing outside this module calls the operating system.
//!
//! # The contract every backend provides
//!
//! Each backend (`unix`, `windows`) exports the same items, and the portable
//! modules of the crate are written against these alone:
//!
//! * `pipe::pipe() -> io::Result<(pipe::Sender, pipe::Receiver)>`: a fresh
//!   unnamed pipe whose ends are not inheritable (created so atomically where
//!   the OS allows it).
//! * `pipe::Sender` and `pipe::Receiver`: owners of one OS pipe end each, with
//!   * `read`/`read_vectored` (receiver) and `write`/`write_vectored`
//!     (sender), taking `&self`: exactly one OS call per operation, no
//!     allocation, no lock. A read after every writer is gone is `Ok(0)`; a
//!     write after every reader is gone is `ErrorKind::BrokenPipe` and never
//!     raises a fatal signal;
//!   * `try_clone(&self)`, yielding a non-inheritable duplicate;
//!   * `as_borrowed(&self)` and conversions from and into the platform's owned
//!     descriptor type (`OwnedFd`, `OwnedHandle`).
//! * `handoff::spawn(command, ends)`: spawns `command` so that exactly the
//!   given ends are inherited, each announced in an environment variable, and
//!   `handoff::claim(value, direction)`, the child's side of it.
//! * `identity`: `User` and `Group` (a uid or gid on Unix, a SID on
//!   Windows, with `Display`), `current_user`, `superuser`, `user_by_name`
//!   and `group_by_name` (`NotFound` for an unknown name, `InvalidInput`
//!   for an empty one or one with a NUL).
//! * `local_socket`: `Resolved` (what a name means here, with `Display` and
//!   `fs_path`), `resolve_namespaced`, `resolve_path` (both `InvalidInput`
//!   with the reason and, for length, the limit), `BindOptions` and
//!   `ConnectOptions` (the portable options less the name, with `Default`
//!   for the defaults and the OS's own fields), `bind(&Resolved,
//!   &BindOptions)`, which enforces the [`Access`] policy (never more open
//!   than it, not even for a moment) and gives a name to exactly one of any
//!   number of concurrent binders, `connect(&Resolved, &ConnectOptions)`
//!   (with a timeout for a busy listener and a nonblocking flag), which
//!   checks the server against [`ExpectedServer`] before it returns, and
//!   `Listener` (`accept`, `set_nonblocking`; a connection the policy
//!   refuses is closed unread, reported to the [`RefusalHook`], and never
//!   returned) and `Stream` with the pipe ends' I/O rules (a read after the
//!   peer vanished is `Ok(0)` once its data is read, a write is
//!   `BrokenPipe`) plus `set_read_timeout`/`set_write_timeout` (an expiry
//!   is `TimedOut`), `set_nonblocking` (`WouldBlock`), `try_clone` and
//!   `peer_credentials` (a [`Credentials`]). Bind and connect errors name
//!   the endpoint and carry the OS error as their source; no listener is
//!   `NotFound`, a live one on bind is `AddrInUse`, a server of an
//!   unexpected user `PermissionDenied`.
//!
//! * `local_socket::ResourceStream` (resource passing): `new(Stream)`,
//!   `send_with(bytes, resources)` (the OS's descriptors or handles ride
//!   with the first of `bytes`, at least one byte, and arrive with the
//!   receive that returns it, which never returns bytes sent after them),
//!   `recv_with(buf, &mut Vec<owned resource>)` (each resource arrives
//!   owned and not inheritable; one that cannot be received fails the call
//!   with `ResourcesLost` and closes what arrived), plain `read` and
//!   `write` (a read closes resources that come with its bytes: nothing
//!   leaks, whatever the peer sends), and the stream's timeouts and
//!   credentials. Unix builds it on `scm_rights` (`SCM_RIGHTS` through
//!   `sendmsg`/`recvmsg`); Windows on frames of bytes and duplicated
//!   handles on the pipe, released by the sender when the receiver took
//!   or declined them, or ended.
//! * `message_socket` (Linux, Android, Windows: cfg `message_sockets`):
//!   `MessageSocket` (`send` of one gathered message, all or nothing, never
//!   empty; `recv` of one whole message or `MessageTooLong` with the message
//!   still queued, or held by the socket for the next receive, which then
//!   does not wait for readiness (Unix: `holds_message` tells the reactor);
//!   one longer than the buffer and the largest message is discarded,
//!   `InvalidData`; `recv_to_vec`; a largest message, read and set; the
//!   stream's timeouts, nonblocking mode and credentials), `connect` and
//!   `bind` (a `local_socket::Listener` whose `accept_messages` yields
//!   them), with the streams' naming, policy and server checks.
//! * `shm` (shared-memory channels): `create(len)`, new memory of `len`
//!   bytes that neither side can shrink under the other's mapping, with its
//!   `Region` (`Unsupported`, naming the OS, where the OS cannot promise
//!   that); `check_support()`, the same answer, asked by the accepting side
//!   before it waits for the peer; `open(resource, max_len)`, which maps the
//!   peer's memory only if it cannot shrink (`InvalidData` otherwise); and
//!   the bells: `ring_bell`, `wait_bell`, `poll_bell`, `BELL_WRITE_TIMEOUT`.
//! * `single_instance`: where a single instance's name lives for each
//!   scope (`user_address`, `session_address`, `machine_address`, each a
//!   resolved name) and `claim(key)`, which gives the name to one process
//!   where binding alone would not (Windows: a named mutex, since Wine
//!   ignores `FILE_FLAG_FIRST_PIPE_INSTANCE`; Unix: nothing to claim).
//! * `shared_memory::Region` (one for every OS, here in `sys/`): the only
//!   code that touches memory shared with another process. Words are
//!   atomics at checked offsets (`u64_at`, `u32_at`), bytes are copied in
//!   and out of private buffers (`write_bytes`, `read_bytes`), bounds are
//!   checked on every access, and no reference into the region is ever
//!   handed out, since the peer may change any byte at any time. It owns
//!   the OS mapping (`shared_memory::Mapping`), unmapped on drop. Under
//!   `--cfg localipc_loom` it is the model checker's region instead.
//!
//! Unix adds `fifo` (create and open named FIFOs), `socket_name`,
//! `activation` (socket activation: `take` of systemd's `LISTEN_FDS`
//! descriptors, `launchd` on Apple systems, `address` of a socket, and
//! `listener`, which checks a socket's type and listening state and gives a
//! `local_socket::Listener` that enforces an [`Access`] policy at accept
//! and owns no file) and the nonblocking and capacity controls used by
//! `os::unix` and `os::linux`.
//! Windows adds `named_pipe` (overlapped instances, listener, client and its
//! check of who serves a pipe, message I/O), `pipe_path` (the one check of pipe paths) and `security` (security
//! descriptors) for `os::windows`.
//!
//! # The async contract (features `tokio` and `smol`)
//!
//! `sys::reactor` holds the async types, each generic over a reactor
//! `X: sys::reactor::Reactor`, and that trait: `check_context()` says
//! whether the runtime's types can be made here (Tokio's need a runtime
//! with I/O enabled; the error when not, never a panic). The markers are
//! `sys::tokio::Tokio` and `sys::smol::AsyncIo`, which the public
//! `runtime::{Tokio, Smol}` map to; the public generic types are written
//! against these alone. On Unix each marker binds its runtime's reactor
//! (Tokio's `AsyncFd`, or `async_io::Async`); on Windows the types are one
//! runtime-independent overlapped core (`windows::aio`) that carries the
//! marker as a phantom parameter.
//!
//! * `local_socket::Listener<X>`: `from_blocking(local_socket::Listener)` (puts
//!   the OS object into the mode the runtime needs; an error outside a Tokio
//!   runtime for Tokio's), `into_blocking(self)`
//!   (back to a blocking listener, nothing lost), and
//!   `poll_accept(&self, cx) -> Poll<io::Result<local_socket::Stream>>`
//!   (the async stream type of the same module), cancel safe, skipping
//!   refused connections as the blocking `accept` does and yielding after
//!   a run of them.
//! * `local_socket::Stream<X>`: `from_blocking(local_socket::Stream)`,
//!   `into_blocking(self)` (never loses data the OS already delivered),
//!   `async fn connect(&Resolved, &local_socket::ConnectOptions)` (waits for
//!   a busy listener up to the timeout without blocking the executor; the
//!   same server check and errors as the blocking `connect`), and, all on
//!   `&self` so that one
//!   stream can be shared by a reading and a writing task:
//!   `poll_read(cx, &mut [u8]) -> Poll<io::Result<usize>>` (`Ok(0)` at the
//!   end of the stream), `poll_write(cx, &[u8])`,
//!   `poll_write_vectored(cx, &[IoSlice])`, `poll_flush(cx)`,
//!   `poll_shutdown(cx)` (Unix: `shutdown(SHUT_WR)`; Windows: waits until
//!   every write was handed to the pipe, then refuses further writes with
//!   `BrokenPipe`), and `peer_credentials()`.
//! * `local_socket::ResourceStream<X>` (`new(Stream<X>)`, the stream's
//!   byte I/O, `poll_send_with`, `poll_recv_with`), and where message
//!   sockets exist `MessageListener<X>` (`from_blocking`, `poll_accept`)
//!   and `MessageSocket<X>` (`async fn connect`, `async fn send`,
//!   `poll_recv`, `poll_recv_to_vec`, the largest message, credentials),
//!   with the blocking types' rules for what is kept queued and closed.
//! * `pipe::Sender` (`poll_write`, `poll_write_vectored`, `poll_flush`) and
//!   `pipe::Receiver` (`poll_read`), both on `&self`; `pipe::pipe()`, and
//!   `pipe::pipe_with_blocking_receiver()` /
//!   `pipe::pipe_with_blocking_sender()`, which give one async end and one
//!   blocking `sys::pipe` end that can be handed to a child. Unix adds
//!   `from_blocking`/`into_blocking` for both ends,
//!   `async fn open_fifo_sender(&Path)` and `open_fifo_receiver(&Path)`.
//! * Windows adds `named_pipe` (async listener and stream, message I/O, a
//!   flush that waits for the peer) for `os::windows::named_pipe::{tokio, smol}`.
//!
//! Time is not a runtime's: both backends, and the shared-memory set-up,
//! wait for it through `timer` (`sleep_until`, `within`), the crate's one
//! timer, which needs no runtime driver.

pub(crate) mod shared_memory;
#[cfg(async_front_end)]
pub(crate) mod timer;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

/// Who may connect to a listener. Every policy also admits the listener's
/// own user and the superuser (see `local_socket::Access`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum Access {
    #[default]
    CurrentUser,
    AnyUser,
    Group(identity::Group),
    Users(Vec<identity::User>),
}

/// Which server a client agrees to talk to (see `local_socket::ExpectedServer`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum ExpectedServer {
    /// The user this process runs as, or the superuser.
    #[default]
    CurrentUser,
    AnyUser,
    User(identity::User),
}

/// How a local-socket client connects: the portable `ConnectOptions` less
/// the name.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectOptions {
    /// Bounds the wait for a busy listener: for a free pipe instance
    /// (Windows), for room in a full listen backlog (Linux).
    pub(crate) timeout: Option<std::time::Duration>,
    pub(crate) nonblocking: bool,
    pub(crate) expected_server: ExpectedServer,
}

/// The most resources one call may carry (see `resource::MAX_PER_CALL`).
pub(crate) const MAX_RESOURCES: usize = 253;

/// Checks what a send with `count` resources asks for: at most
/// [`MAX_RESOURCES`], and at least one byte to carry any.
pub(crate) fn check_resources(bytes: &[u8], count: usize) -> std::io::Result<()> {
    if count > MAX_RESOURCES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{count} resources in one call; at most {MAX_RESOURCES} may go at once"),
        ));
    }
    if count > 0 && bytes.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "resources travel with bytes: send at least one byte with them",
        ));
    }
    Ok(())
}

/// Checks a message about to be sent, gathered from `bufs`: at least one
/// byte (an empty message would read as the end of the stream on Linux),
/// and at most `max_bufs` buffers. Its length.
#[cfg(message_sockets)]
pub(crate) fn check_message(
    bufs: &[std::io::IoSlice<'_>],
    max_bufs: usize,
) -> std::io::Result<usize> {
    if bufs.len() > max_bufs {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "a message gathered from {} buffers; at most {max_bufs} may go into one",
                bufs.len()
            ),
        ));
    }
    let len = bufs
        .iter()
        .try_fold(0usize, |total, buf| total.checked_add(buf.len()))
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "the message is too long")
        })?;
    if len == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "an empty message cannot be sent: it would read as the end of the stream",
        ));
    }
    Ok(len)
}

/// The error of a send larger than the socket's largest message.
#[cfg(message_sockets)]
pub(crate) fn message_too_long_to_send(len: usize, max: usize) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "a message of {len} bytes is longer than this socket's largest, {max} \
             (see set_max_message_size)"
        ),
    )
}

/// The error of a received message larger than the socket's largest (the
/// message was discarded).
#[cfg(message_sockets)]
pub(crate) fn message_too_long_to_receive(len: usize, max: usize) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "the peer sent a message of {len} bytes, longer than this socket's largest, {max} \
             (see set_max_message_size); it was discarded"
        ),
    )
}

/// Told about each connection a listener refused on its access policy.
pub(crate) type RefusalHook = std::sync::Arc<dyn Fn(Credentials) + Send + Sync>;

/// What the OS says about the process at the other end of a local socket;
/// `None` where the OS does not say.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Credentials {
    pub(crate) pid: Option<u32>,
    pub(crate) uid: Option<u32>,
    pub(crate) gid: Option<u32>,
}

/// Which way a pipe end carries data, as seen from its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The end data is read from.
    Read,
    /// The end data is written to.
    Write,
}
