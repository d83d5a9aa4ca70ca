//! Errors that name what they are about and keep the OS error inside.

use std::error::Error;
use std::fmt;
use std::io;

/// An OS error with the endpoint it concerns: `Display` is the message,
/// `source()` the OS error, so its `raw_os_error()` stays reachable.
#[derive(Debug)]
struct WithContext {
    message: String,
    os: io::Error,
}

impl fmt::Display for WithContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for WithContext {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.os)
    }
}

/// Text from outside, a name or a path, as a message shows it: every
/// character visible. Control characters and other unprintable ones are
/// escaped (`\x01`, `\u{202e}`), as are bytes that are not UTF-8 (`\xff`)
/// and, unless the text uses it as its separator, the backslash itself
/// (`\\`), so two different names never look the same.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Escaped<'a> {
    text: &'a [u8],
    backslash: bool,
}

impl<'a> Escaped<'a> {
    /// `text`, backslashes escaped too.
    #[cfg(unix)]
    pub(crate) fn new(text: &'a [u8]) -> Self {
        Self {
            text,
            backslash: true,
        }
    }

    /// `text`, whose backslashes are separators (Windows paths) and stay
    /// as they are.
    #[cfg(windows)]
    pub(crate) fn keeping_backslashes(text: &'a [u8]) -> Self {
        Self {
            text,
            backslash: false,
        }
    }
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for chunk in self.text.utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '\\' if self.backslash => f.write_str("\\\\")?,
                    c if c.is_ascii_control() => write!(f, "\\x{:02x}", u32::from(c))?,
                    // Quotes and printable characters need no escape; what
                    // std would escape beyond them does not show.
                    c if c.is_ascii() || c.escape_debug().len() == 1 => f.write_char(c)?,
                    c => write!(f, "{}", c.escape_unicode())?,
                }
            }
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

/// An error of kind `kind` saying `message`, with `os` as its source.
pub(crate) fn with_context(kind: io::ErrorKind, message: String, os: io::Error) -> io::Error {
    io::Error::new(kind, WithContext { message, os })
}

/// The OS error code behind an error from this crate, if there is one.
///
/// Errors about an endpoint (binding, connecting) name it in their message
/// and carry the OS error as their [`source`](Error::source); errors whose
/// kind was normalised (a write to a closed peer is
/// [`BrokenPipe`](io::ErrorKind::BrokenPipe) on every OS) wrap the OS error
/// the same way. This returns `error.raw_os_error()` if it has one, else
/// that of the OS error inside it: `errno` on Unix, the `GetLastError` code
/// on Windows.
///
/// # Examples
///
/// ```
/// use localipc::local_socket::{Name, Stream};
///
/// let name = Name::namespaced(format!("localipc-doc-raw-{}.sock", std::process::id()))?;
/// let error = Stream::connect(&name).unwrap_err();
/// assert!(error.to_string().contains("localipc-doc-raw-")); // the name ...
/// assert!(localipc::raw_os_error(&error).is_some()); // ... and the OS error
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn raw_os_error(error: &io::Error) -> Option<i32> {
    if let Some(code) = error.raw_os_error() {
        return Some(code);
    }
    let mut inner: &(dyn Error + 'static) = error.get_ref()?;
    loop {
        if let Some(io) = inner.downcast_ref::<io::Error>() {
            if let Some(code) = io.raw_os_error() {
                return Some(code);
            }
        }
        inner = inner.source()?;
    }
}

/// The error payload of a receive whose resources (descriptors, handles)
/// could not all be received: none is returned, every one that did arrive
/// is closed, and the bytes that came with them are at the start of the
/// buffer. Get it with `error.get_ref()` and `downcast_ref`.
///
/// # Examples
///
/// ```
/// use localipc::resource::ResourcesLost;
///
/// fn bytes_kept(error: &std::io::Error) -> Option<usize> {
///     error.get_ref()?.downcast_ref::<ResourcesLost>().map(|lost| lost.bytes)
/// }
/// assert_eq!(bytes_kept(&std::io::Error::other("no")), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourcesLost {
    /// How many bytes came with the lost resources (at the start of the
    /// receive buffer).
    pub bytes: usize,
    /// Why, in a few words.
    pub reason: &'static str,
}

impl fmt::Display for ResourcesLost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the resources sent with {} received bytes were lost ({}); those that arrived were closed",
            self.bytes, self.reason
        )
    }
}

impl Error for ResourcesLost {}

impl ResourcesLost {
    pub(crate) fn error(kind: io::ErrorKind, bytes: usize, reason: &'static str) -> io::Error {
        io::Error::new(kind, Self { bytes, reason })
    }
}

#[cfg(message_sockets)]
/// The error payload of a receive whose buffer is too small for the next
/// message: the message stays queued, whole, for a receive with a buffer
/// of at least [`len`](Self::len) bytes (or for
/// [`MessageSocket::recv_to_vec`](crate::local_socket::MessageSocket::recv_to_vec)). The error's kind is
/// [`InvalidInput`](io::ErrorKind::InvalidInput); get this with
/// `error.get_ref()` and `downcast_ref`.
///
/// # Examples
///
/// ```
/// use localipc::local_socket::{MessageListener, MessageSocket, MessageTooLong, Name};
///
/// let name = Name::namespaced(format!("localipc-doc-mtl-{}.sock", std::process::id()))?;
/// let listener = MessageListener::bind(&name)?;
/// let client = MessageSocket::connect(&name)?;
/// let server = listener.accept()?;
///
/// client.send(b"twelve bytes")?;
/// let error = server.recv(&mut [0; 4]).unwrap_err();
/// let too_long = error.get_ref().unwrap().downcast_ref::<MessageTooLong>().unwrap();
/// assert_eq!(too_long.len, 12);
/// let mut buf = vec![0; too_long.len];
/// assert_eq!(server.recv(&mut buf)?, 12); // still there, whole
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageTooLong {
    /// The size of the message, in bytes.
    pub len: usize,
    /// The size of the buffer it did not fit.
    pub buffer: usize,
}

#[cfg(message_sockets)]
impl fmt::Display for MessageTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the next message has {} bytes, more than the buffer's {}; it stays queued",
            self.len, self.buffer
        )
    }
}

#[cfg(message_sockets)]
impl std::error::Error for MessageTooLong {}

#[cfg(message_sockets)]
impl MessageTooLong {
    pub(crate) fn error(len: usize, buffer: usize) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, Self { len, buffer })
    }
}
