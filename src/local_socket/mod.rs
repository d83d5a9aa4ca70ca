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
//! # Behaviour on every OS
//!
//! * **Errors.** Connecting to a name nobody listens on is
//!   [`NotFound`](std::io::ErrorKind::NotFound) (on Unix, a socket file left
//!   by a crashed server is [`ConnectionRefused`](std::io::ErrorKind::ConnectionRefused)).
//!   Binding a name a live listener holds is
//!   [`AddrInUse`](std::io::ErrorKind::AddrInUse). Bind and connect errors
//!   name the endpoint.
//! * **End of stream and broken pipes.** A read after the peer closed returns
//!   `Ok(0)`; a write to a closed peer fails with
//!   [`BrokenPipe`](std::io::ErrorKind::BrokenPipe) and never raises
//!   `SIGPIPE`.
//! * **Timeouts and nonblocking mode.** An expired read or write timeout is
//!   [`TimedOut`](std::io::ErrorKind::TimedOut); an operation that would wait
//!   in nonblocking mode is [`WouldBlock`](std::io::ErrorKind::WouldBlock).
//! * **Full duplex.** A stream can be read in one thread and written in
//!   another at once (`Read` and `Write` are implemented for `&Stream`).
//! * **Not inherited.** Sockets and pipe handles are created close-on-exec or
//!   non-inheritable.
//! * **Secure by default.** Socket files get mode 0600 (see
//!   `os::unix::ListenerOptionsExt::mode`), namespaced sockets outside Linux
//!   live in a private directory, Windows pipes admit only the current user
//!   and claim their name exclusively. Linux's abstract sockets have no
//!   permissions at all: any process on the machine (in the same network
//!   namespace) may connect, so check [`Stream::peer_credentials`] where that
//!   matters.
//!
//! # Platform-specific behavior
//!
//! * **Unix:** Unix domain stream sockets (std's `UnixListener` and
//!   `UnixStream` inside). Stale socket files from a crashed server are
//!   reclaimed on bind; a listener removes its socket file when dropped if
//!   the file is still the one it created.
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
#[cfg(any(feature = "tokio", feature = "smol"))]
mod async_common;
mod listener;
mod name;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub mod smol;
mod stream;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

pub use access::{Access, ExpectedServer};
pub use listener::{Incoming, Listener, ListenerOptions};
pub use name::Name;
pub use stream::{ConnectOptions, PeerCredentials, Stream};
