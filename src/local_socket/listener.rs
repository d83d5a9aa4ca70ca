//! The listening side of local sockets.

use std::fmt;
use std::io;

use super::{Name, Stream};
use crate::sys::local_socket as sys;

/// Options for binding a [`Listener`].
///
/// Platform-only options are set through `os::unix::ListenerOptionsExt`
/// (the socket file's mode) and `os::windows::ListenerOptionsExt` (security
/// descriptor, ready pipe instances).
///
/// # Examples
///
/// ```
/// use localipc::local_socket::{ListenerOptions, Name};
///
/// let name = Name::namespaced(format!("localipc-doc-options-{}.sock", std::process::id()))?;
/// let listener = ListenerOptions::new(&name).nonblocking(true).bind()?;
/// let error = listener.accept().unwrap_err();
/// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ListenerOptions {
    name: Name,
    nonblocking: bool,
    #[cfg(unix)]
    pub(crate) mode: u32,
    #[cfg(windows)]
    pub(crate) security: Option<std::sync::Arc<crate::os::windows::security::SecurityDescriptor>>,
    #[cfg(windows)]
    pub(crate) ready_instances: usize,
}

impl ListenerOptions {
    /// Options for a listener on `name`: blocking accept; on Unix a socket
    /// file mode of 0600; on Windows the current-user-only security
    /// descriptor and 8 ready pipe instances.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{ListenerOptions, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-new-{}.sock", std::process::id()))?;
    /// let listener = ListenerOptions::new(&name).bind()?;
    /// assert_eq!(listener.name(), Some(&name));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(name: &Name) -> Self {
        Self {
            name: name.clone(),
            nonblocking: false,
            #[cfg(unix)]
            mode: crate::sys::local_socket::DEFAULT_MODE,
            #[cfg(windows)]
            security: None,
            #[cfg(windows)]
            ready_instances: 8,
        }
    }

    /// Whether [`Listener::accept`] returns `WouldBlock` instead of waiting
    /// when no client is waiting. Accepted streams are blocking either way.
    ///
    /// # Examples
    ///
    /// See [`ListenerOptions`].
    pub fn nonblocking(&mut self, nonblocking: bool) -> &mut Self {
        self.nonblocking = nonblocking;
        self
    }

    /// Binds the listener.
    ///
    /// # Errors
    ///
    /// * [`AddrInUse`](io::ErrorKind::AddrInUse) if a live listener holds the
    ///   name (the message says so), or (Unix) a file that is not a socket is
    ///   in the way. A socket file whose server has exited is replaced.
    /// * [`PermissionDenied`](io::ErrorKind::PermissionDenied) if the
    ///   directory is not writable or (Unix, namespaced) the per-user
    ///   directory belongs to another user or is open to others.
    /// * Otherwise the OS error. Every message names the endpoint.
    ///
    /// # Platform-specific behavior
    ///
    /// * **Unix:** `bind(2)` and `listen(2)`. A socket file is bound in a
    ///   fresh private directory next to its final path, given its mode
    ///   there, and then linked into place (renamed, over a stale file), so
    ///   it is never more open than asked. Checking whether an existing
    ///   socket file is live connects to it once, which its server sees as a
    ///   client that leaves at once.
    /// * **Windows:** `CreateNamedPipeW` with `FILE_FLAG_FIRST_PIPE_INSTANCE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::local_socket::{ListenerOptions, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-bind-{}.sock", std::process::id()))?;
    /// let first = ListenerOptions::new(&name).bind()?;
    /// # if !cfg!(windows) { // Wine, which runs the Windows doctests here, lets a second server in
    /// let error = ListenerOptions::new(&name).bind().unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::AddrInUse);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "CreateNamedPipeW")]
    pub fn bind(&self) -> io::Result<Listener> {
        #[cfg(unix)]
        let inner = sys::bind(self.name.resolved(), self.mode, self.nonblocking)?;
        #[cfg(windows)]
        let inner = {
            let security = match &self.security {
                Some(descriptor) => Some(descriptor.as_sys().try_clone()?),
                None => None,
            };
            sys::bind(
                self.name.resolved(),
                security,
                self.ready_instances,
                self.nonblocking,
            )?
        };
        Ok(Listener {
            inner,
            name: Some(self.name.clone()),
        })
    }
}

/// A local-socket server: accepts connections on a [`Name`].
///
/// Dropping the listener stops accepting; on Unix it also removes its socket
/// file, if that file is still the one it created.
///
/// # Examples
///
/// An accept loop that serves each client on its own thread:
///
/// ```no_run
/// use std::io::{Read, Write};
/// use localipc::local_socket::{Listener, Name};
///
/// let listener = Listener::bind(&Name::namespaced("my-service.sock")?)?;
/// for stream in listener.incoming() {
///     let mut stream = match stream {
///         Ok(stream) => stream,
///         Err(error) => {
///             eprintln!("accept failed: {error}");
///             continue;
///         }
///     };
///     std::thread::spawn(move || {
///         let mut request = [0; 4];
///         if stream.read_exact(&mut request).is_ok() {
///             let _ = stream.write_all(&request);
///         }
///     });
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Listener {
    pub(crate) inner: sys::Listener,
    pub(crate) name: Option<Name>,
}

impl Listener {
    /// Binds a listener on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for [`ListenerOptions::bind`].
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{Listener, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-listen-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind(name: &Name) -> io::Result<Self> {
        ListenerOptions::new(name).bind()
    }

    /// Waits for a client and returns the connected stream (blocking, whatever
    /// the listener's mode).
    ///
    /// # Errors
    ///
    /// [`WouldBlock`](io::ErrorKind::WouldBlock) in nonblocking mode when no
    /// client is waiting; otherwise the OS error, after which the listener
    /// stays usable.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use localipc::local_socket::{Listener, Name, Stream};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-accept-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// let mut client = Stream::connect(&name)?;
    /// let mut server = listener.accept()?;
    /// client.write_all(b"hi")?;
    /// let mut got = [0; 2];
    /// server.read_exact(&mut got)?;
    /// assert_eq!(&got, b"hi");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "accept4")]
    #[doc(alias = "ConnectNamedPipe")]
    pub fn accept(&self) -> io::Result<Stream> {
        self.inner.accept().map(Stream)
    }

    /// An endless iterator over [`accept`](Self::accept)'s results; it never
    /// ends on an error but yields it.
    ///
    /// # Examples
    ///
    /// See [`Listener`].
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// Switches [`accept`](Self::accept) between waiting and returning
    /// `WouldBlock` at once.
    ///
    /// # Errors
    ///
    /// The OS error, on Unix (`ioctl(FIONBIO)`); none on Windows.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::local_socket::{Listener, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-lnb-{}.sock", std::process::id()))?;
    /// let listener = Listener::bind(&name)?;
    /// listener.set_nonblocking(true)?;
    /// assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }

    /// The name this listener was bound to; `None` for a listener made from
    /// a std socket (`From<UnixListener>`), whose name localipc does not know.
    ///
    /// # Examples
    ///
    /// See [`ListenerOptions::new`].
    pub fn name(&self) -> Option<&Name> {
        self.name.as_ref()
    }

    #[cfg(unix)]
    pub(crate) fn from_sys(inner: sys::Listener) -> Self {
        Self { inner, name: None }
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The iterator returned by [`Listener::incoming`].
///
/// # Examples
///
/// See [`Listener`].
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
