//! The listening side of local sockets.

use std::fmt;
use std::io;

use super::stream::Origin;
use super::{Access, Name, PeerCredentials, Stream};
use crate::sys::local_socket as sys;

/// Options for binding a [`Listener`].
///
/// Platform-only options are set through `os::unix::local_socket::ListenerOptionsExt`
/// (the socket file's exact mode) and `os::windows::local_socket::ListenerOptionsExt`
/// (security descriptor, ready pipe instances).
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
    pub(crate) name: Name,
    pub(crate) inner: sys::BindOptions,
}

impl ListenerOptions {
    /// Options for a listener on `name`: blocking accept, and only this
    /// user (and the superuser) may connect ([`Access::current_user`]); on
    /// Windows 8 ready pipe instances.
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
            inner: sys::BindOptions::default(),
        }
    }

    /// Whether [`Listener::accept`] returns `WouldBlock` instead of waiting
    /// when no client is waiting. Accepted streams are blocking either way.
    ///
    /// # Examples
    ///
    /// See [`ListenerOptions`].
    pub fn nonblocking(&mut self, nonblocking: bool) -> &mut Self {
        self.inner.nonblocking = nonblocking;
        self
    }

    /// Who may connect (default: [`Access::current_user`], this user and the
    /// superuser). See [`Access`] for the policies, and the
    /// [module docs](super#security) for how each OS enforces them.
    ///
    /// # Examples
    ///
    /// See [`Access`].
    pub fn access(&mut self, access: Access) -> &mut Self {
        self.inner.access = access.0;
        self
    }

    /// Calls `hook` with the credentials of every connection that localipc
    /// itself refuses on the access policy, just before closing it, from
    /// the thread or task that accepts: for logging. It is called where a
    /// listener checks each connection (Linux's abstract names, and socket
    /// files with [`Access::users`]); where the OS enforces the policy (a
    /// socket file's mode, a pipe's security descriptor) the refused client
    /// never reaches the listener, so nothing is called.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::{ListenerOptions, Name};
    ///
    /// let name = Name::namespaced(format!("localipc-doc-refused-{}.sock", std::process::id()))?;
    /// let listener = ListenerOptions::new(&name)
    ///     .on_refused(|peer| eprintln!("refused a client: uid {:?}, pid {:?}", peer.uid, peer.pid))
    ///     .bind()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_refused(
        &mut self,
        hook: impl Fn(&PeerCredentials) + Send + Sync + 'static,
    ) -> &mut Self {
        self.inner.on_refused = Some(std::sync::Arc::new(move |credentials| {
            hook(&PeerCredentials::from_sys(credentials));
        }));
        self
    }

    /// Binds the listener.
    ///
    /// # Errors
    ///
    /// * [`AddrInUse`](io::ErrorKind::AddrInUse) if a live listener of
    ///   either kind, stream or message, holds the name (a name belongs to
    ///   one kind; see the [module docs](crate::local_socket#a-name-belongs-to-one-kind-of-listener)):
    ///   the message says so, and on Unix which kind and which uid hold it
    ///   where the OS can tell; or (Unix) something other than a socket file is in
    ///   the way (the message says what). A socket file whose server has
    ///   exited is replaced.
    /// * [`PermissionDenied`](io::ErrorKind::PermissionDenied) if the
    ///   directory is not writable, (Unix) the per-user directory of
    ///   namespaced names belongs to another user or is open to others, or
    ///   (Unix) the socket file cannot be given to the group of
    ///   [`Access::group`].
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) for an access policy
    ///   wider than this user on a namespaced name outside Linux and Windows
    ///   (its per-user directory admits nobody else; use a path name), for a
    ///   socket file mode with bits outside `0o777`, or (Unix other than
    ///   Linux) for a path so close to the OS's length limit that the
    ///   socket file cannot be staged privately next to it.
    /// * Otherwise the OS error. Every message names the endpoint, and
    ///   [`raw_os_error`](crate::raw_os_error) finds the OS error inside.
    ///
    /// # Platform-specific behavior
    ///
    /// * **Unix, socket files:** the binder locks `PATH.lock` (`flock`,
    ///   without waiting) and holds the lock as long as the listener lives:
    ///   of any number of threads or processes binding one path, exactly
    ///   one wins, and a live localipc listener is recognised by its lock,
    ///   without connecting to it. The socket is bound in a fresh private
    ///   directory next to `PATH`, given its group and mode there, and then
    ///   linked (or, over a stale file, renamed) into place, so it is never
    ///   more open than asked. A socket file that no localipc listener
    ///   locks is connected to once to tell a stale file from a live server
    ///   of another program, which sees a client that leaves at once.
    /// * **Linux, abstract names:** `bind(2)` and `listen(2)`; the kernel
    ///   gives a name to one listener.
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
        let inner = sys::bind(self.name.resolved(), &self.inner)?;
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
    /// A client that the access policy refuses, where the listener checks
    /// each connection (see [`ListenerOptions::on_refused`]), is closed
    /// unread and never returned: accept goes on waiting for the next one.
    ///
    /// # Errors
    ///
    /// [`WouldBlock`](io::ErrorKind::WouldBlock) in nonblocking mode when no
    /// admitted client is waiting (also after 64 refused ones in a row, so
    /// that a flood of them cannot hold the caller); otherwise the OS error,
    /// after which the listener stays usable.
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
        let inner = self.inner.accept()?;
        Ok(Stream {
            inner,
            origin: Origin::server(self.name.as_ref()),
        })
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
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("name", &self.name.as_ref().map(ToString::to_string))
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
