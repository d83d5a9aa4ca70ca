//! Windows-only options of local sockets.

use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle, RawHandle};
use std::sync::Arc;

use super::named_pipe;
use super::security::SecurityDescriptor;
use crate::local_socket::{ListenerOptions, Stream};
use crate::sealed::Sealed;

/// Windows-only options of [`ListenerOptions`]. Sealed.
pub trait ListenerOptionsExt: Sealed {
    /// The security descriptor of every pipe instance, for exact control:
    /// it replaces the one the access policy implies
    /// ([`ListenerOptions::access`]; by default, owned by this user, full
    /// access for this user, connect access for the local system account).
    /// Give the descriptor an owner (`O:`) if clients check who serves the
    /// pipe (they do by default): without one, the pipe's owner is the
    /// creator's default owner, which for an elevated administrator is the
    /// Administrators group.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{ListenerOptions, Name};
    /// use localipc::os::windows::local_socket::ListenerOptionsExt;
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-open-{}", std::process::id()))?;
    /// let listener = ListenerOptions::new(&name)
    ///     .security_descriptor(SecurityDescriptor::everyone_may_connect()?)
    ///     .bind()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn security_descriptor(&mut self, descriptor: SecurityDescriptor) -> &mut Self;

    /// How many pipe instances wait for clients at once, 1 to 64 (default
    /// 8): the Windows counterpart of a listen backlog. Clients arriving
    /// together beyond it wait a moment for the next instance. Outside that
    /// range, [`bind`](ListenerOptions::bind) fails with `InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{ListenerOptions, Name};
    /// use localipc::os::windows::local_socket::ListenerOptionsExt;
    ///
    /// let name = Name::namespaced(format!("localipc-doc-ready-{}", std::process::id()))?;
    /// let listener = ListenerOptions::new(&name).ready_instances(32).bind()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn ready_instances(&mut self, count: usize) -> &mut Self;
}

impl ListenerOptionsExt for ListenerOptions {
    fn security_descriptor(&mut self, descriptor: SecurityDescriptor) -> &mut Self {
        self.inner.security = Some(Arc::new(descriptor.into_sys()));
        self
    }

    fn ready_instances(&mut self, count: usize) -> &mut Self {
        self.inner.ready_instances = count;
        self
    }
}

impl AsHandle for Stream {
    fn as_handle(&self) -> BorrowedHandle<'_> {
        self.inner.as_borrowed()
    }
}

impl AsRawHandle for Stream {
    fn as_raw_handle(&self) -> RawHandle {
        self.inner.as_borrowed().as_raw_handle()
    }
}

impl From<Stream> for OwnedHandle {
    /// The pipe handle, opened for overlapped I/O.
    fn from(stream: Stream) -> Self {
        stream.inner.into_named_pipe().into_owned()
    }
}

impl TryFrom<OwnedHandle> for Stream {
    type Error = std::io::Error;

    /// Wraps a handle that must be a byte-mode pipe end opened for
    /// overlapped I/O, such as a local-socket stream another process sent
    /// with a [`ResourceStream`](crate::local_socket::ResourceStream).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](std::io::ErrorKind::InvalidInput) if the handle is no
    /// pipe end or is in message mode.
    fn try_from(handle: OwnedHandle) -> std::io::Result<Self> {
        Ok(Stream {
            inner: crate::sys::local_socket::Stream::from_owned(handle)?,
            origin: Default::default(),
        })
    }
}

impl From<Stream> for named_pipe::Stream {
    /// The same connection as a byte-mode named-pipe stream, for what
    /// only named pipes can do (process and session ids, impersonation,
    /// waiting for the peer to read with `flush`).
    fn from(stream: Stream) -> Self {
        named_pipe::Stream::from_sys(stream.inner.into_named_pipe())
    }
}

/// `AsHandle` and `AsRawHandle` for resource streams, message sockets and
/// the async front ends' streams.
macro_rules! async_borrowed_handle {
    ($($ty:ty),*) => {$(
        impl AsHandle for $ty {
            fn as_handle(&self) -> BorrowedHandle<'_> {
                self.as_sys().as_borrowed()
            }
        }

        impl AsRawHandle for $ty {
            fn as_raw_handle(&self) -> RawHandle {
                self.as_sys().as_borrowed().as_raw_handle()
            }
        }
    )*};
}

async_borrowed_handle!(crate::local_socket::ResourceStream);
#[cfg(message_sockets)]
async_borrowed_handle!(crate::local_socket::MessageSocket);
#[cfg(all(message_sockets, feature = "tokio"))]
async_borrowed_handle!(crate::local_socket::tokio::MessageSocket);
#[cfg(all(message_sockets, feature = "smol"))]
async_borrowed_handle!(crate::local_socket::smol::MessageSocket);
#[cfg(feature = "tokio")]
async_borrowed_handle!(
    crate::local_socket::tokio::Stream,
    crate::local_socket::tokio::ResourceStream
);
#[cfg(feature = "smol")]
async_borrowed_handle!(
    crate::local_socket::smol::Stream,
    crate::local_socket::smol::ResourceStream
);
