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
