//! Socket activation: listening sockets that a service manager created and
//! handed to this process, so that it starts on the first connection and
//! clients never find the name missing while it restarts.
//!
//! * **Linux and the BSDs:** systemd's protocol (`sd_listen_fds(3)`), which
//!   other managers speak too: [`take`] reads `LISTEN_PID`, `LISTEN_FDS` and
//!   `LISTEN_FDNAMES` and takes descriptors 3 and up.
//! * **Apple systems:** launchd's `Sockets` dictionary in the job's
//!   property list: `launchd(name)` takes the sockets of one entry.
//! * **Windows:** there is no equivalent. The service control manager
//!   starts a service without passing it any handle, so a Windows service
//!   creates its named pipe itself when it starts (a
//!   [`Listener`] bound in its start-up
//!   code); a launcher that must hand a ready endpoint to a process it
//!   starts can pass it explicitly with localipc's handle passing.
//!
//! Each [`ActivatedSocket`] becomes a [`Listener`] (or a
//! `MessageListener`) after a check that it is a listening Unix socket of
//! the right type. The service manager created the socket file, so its
//! mode is not localipc's to set: the listener checks every connection it
//! accepts against the [`Access`] policy it is given instead (the default,
//! [`Access::current_user`], admits this process's user and root), and it
//! never removes the socket file. Tokio and smol users convert the
//! listener with the async listeners' `from_blocking`.
//!
//! # Examples
//!
//! A server that takes its socket from systemd when it is socket-activated
//! and binds it itself otherwise:
//!
//! ```no_run
//! use localipc::local_socket::{Access, Listener, Name};
//! use localipc::os::unix::activation;
//!
//! fn main() -> std::io::Result<()> {
//!     // SAFETY: first thing in main: no other thread exists yet, and
//!     // nothing else in the process has taken descriptors 3 and up.
//!     let activated = unsafe { activation::take()? };
//!     let listener = match activated.into_iter().next() {
//!         Some(socket) => socket.into_listener(Access::current_user())?,
//!         None => Listener::bind(&Name::path("/run/user/1000/app.sock")?)?,
//!     };
//!     for stream in listener.incoming() {
//!         let _stream = stream?;
//!         // serve it
//!     }
//!     Ok(())
//! }
//! ```
//!
//! With Tokio (feature `tokio`), inside the runtime:
//!
//! ```no_run
//! # #[cfg(feature = "tokio")]
//! # async fn serve(socket: localipc::os::unix::activation::ActivatedSocket) -> std::io::Result<()> {
//! use localipc::local_socket::Access;
//!
//! let listener = socket.into_listener(Access::current_user())?;
//! let listener = localipc::local_socket::tokio::Listener::from_blocking(listener)?;
//! let _stream = listener.accept().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # References
//!
//! * [`sd_listen_fds(3)`](https://www.freedesktop.org/software/systemd/man/latest/sd_listen_fds.html)
//! * `launch_activate_socket(3)`, `launchd.plist(5)`

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

#[cfg(message_sockets)]
use crate::local_socket::MessageListener;
use crate::local_socket::{Access, Listener, Name};
use crate::sys::activation as sys;

/// A socket that a service manager handed to this process.
///
/// Turn it into a listener with [`into_listener`](Self::into_listener) (or
/// `into_message_listener`), or take the descriptor with
/// `OwnedFd::from` for a socket of another kind (a TCP socket, say).
pub struct ActivatedSocket {
    fd: OwnedFd,
    name: String,
}

/// Takes the sockets systemd (or another manager speaking its protocol)
/// passed to this process, in order from descriptor 3.
///
/// Reads `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES`, and unsets all
/// three in every case (also on error), so that child processes do not
/// inherit them. Nothing is passed, and the result is empty, when the
/// variables are not set or `LISTEN_PID` names another process (the
/// descriptors are then not this process's: they are left alone). Each
/// socket taken is made close-on-exec and named by its `LISTEN_FDNAMES`
/// entry (systemd's `FileDescriptorName=`), or `"unknown"` when that
/// variable is not set, as `sd_listen_fds_with_names(3)` does.
///
/// # Safety
///
/// * No other thread reads or writes the environment during the call, as
///   for [`std::env::remove_var`].
/// * No other code in this process owns the descriptors the variables
///   pass (3 and up): they become the returned sockets' to close.
///
/// Call it once, early in `main`, before any thread starts.
///
/// # Errors
///
/// [`InvalidInput`](io::ErrorKind::InvalidInput) when a variable is
/// malformed (a number that is not one, `LISTEN_FDNAMES` naming more or
/// fewer descriptors than `LISTEN_FDS` passes) or a descriptor passed is
/// not open; the OS error if one cannot be made close-on-exec. No
/// descriptor is taken then.
///
/// # Examples
///
/// See the [module](self).
#[doc(alias = "sd_listen_fds")]
#[doc(alias = "LISTEN_FDS")]
pub unsafe fn take() -> io::Result<Vec<ActivatedSocket>> {
    // SAFETY: the caller's obligations are this function's.
    let taken = unsafe { sys::take()? };
    Ok(taken
        .into_iter()
        .map(|(fd, name)| ActivatedSocket { fd, name })
        .collect())
}

/// Apple systems: takes the sockets of the entry `name` in the `Sockets`
/// dictionary of this launchd job's property list, close-on-exec. One entry
/// can hold several sockets (launchd makes one per address it resolves);
/// each is named `name`.
///
/// launchd hands the sockets of an entry to the process once; they are the
/// caller's to own and close.
///
/// # Errors
///
/// * The OS error `ESRCH` (see `raw_os_error`): this process is not
///   managed by launchd (it was not started as a launchd job).
/// * [`NotFound`](io::ErrorKind::NotFound) (`ENOENT`): the job has no
///   socket entry of that name.
/// * The OS error `EALREADY`: this process has already taken that entry.
/// * [`InvalidInput`](io::ErrorKind::InvalidInput): `name` contains a NUL
///   byte.
///
/// # Examples
///
/// ```no_run
/// use localipc::local_socket::Access;
/// use localipc::os::unix::activation;
///
/// let socket = activation::launchd("Listener")?.into_iter().next().expect("one socket");
/// let listener = socket.into_listener(Access::current_user())?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[cfg(apple)]
#[cfg_attr(docsrs, doc(cfg(target_vendor = "apple")))]
#[doc(alias = "launch_activate_socket")]
pub fn launchd(name: &str) -> io::Result<Vec<ActivatedSocket>> {
    Ok(sys::launchd(name)?
        .into_iter()
        .map(|fd| ActivatedSocket {
            fd,
            name: name.to_owned(),
        })
        .collect())
}

impl ActivatedSocket {
    /// Its name: its `LISTEN_FDNAMES` entry (`"unknown"` if unnamed), or
    /// its launchd socket entry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Unix address it is bound to (`getsockname(2)`): a path, or on
    /// Linux and Android an abstract name (a namespaced [`Name`]). `None`
    /// if it is not a Unix socket, or is one without an address.
    #[doc(alias = "getsockname")]
    pub fn address(&self) -> Option<Name> {
        let (namespaced, given, resolved) = sys::address(self.fd.as_fd())?;
        Some(Name::new(namespaced, &given, resolved))
    }

    /// A [`Listener`] on this socket, which must be a listening Unix stream
    /// socket. The listener checks each connection it accepts against
    /// `access` ([`Access::any_user`] checks none), closing those it refuses
    /// unread, as for a namespaced name on Linux; it is in blocking mode,
    /// and it leaves the socket file (the service manager's) where it is.
    /// Its [`name`](Listener::name) is the socket's [`address`](Self::address).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), saying what the
    /// descriptor is, when it is not a socket, not a Unix socket, not a
    /// stream socket, or not listening; the descriptor is closed then.
    ///
    /// # Examples
    ///
    /// See the [module](self).
    pub fn into_listener(self, access: Access) -> io::Result<Listener> {
        let name = self.address();
        let what = self.describe();
        let inner = sys::listener(self.fd, &what, &access.0, false)?;
        Ok(Listener { inner, name })
    }

    /// A `MessageListener` on this socket, which must be a listening Unix
    /// socket of type `SOCK_SEQPACKET` (on Apple systems, where message
    /// sockets are framed over streams, `SOCK_STREAM`); otherwise as
    /// [`into_listener`](Self::into_listener).
    ///
    /// # Errors
    ///
    /// As for [`into_listener`](Self::into_listener).
    #[cfg(message_sockets)]
    pub fn into_message_listener(self, access: Access) -> io::Result<MessageListener> {
        let name = self.address();
        let what = self.describe();
        let inner = sys::listener(self.fd, &what, &access.0, true)?;
        Ok(MessageListener { inner, name })
    }

    /// How errors name this socket.
    fn describe(&self) -> String {
        format!(
            "activated socket {} (`{}`)",
            self.fd.as_raw_fd(),
            crate::error::Escaped::new(self.name.as_bytes())
        )
    }
}

impl fmt::Debug for ActivatedSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivatedSocket")
            .field("fd", &self.fd.as_raw_fd())
            .field("name", &self.name)
            .finish()
    }
}

impl AsFd for ActivatedSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl From<ActivatedSocket> for OwnedFd {
    fn from(socket: ActivatedSocket) -> Self {
        socket.fd
    }
}
