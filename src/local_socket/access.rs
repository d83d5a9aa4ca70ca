//! Who may connect to a listener, and which server a client agrees to talk to.

use crate::identity::{Group, User};
use crate::sys;

/// Who may connect to a [`Listener`](super::Listener): its access policy,
/// set with [`ListenerOptions::access`](super::ListenerOptions::access).
///
/// Every policy admits the listener's own user and the superuser (root,
/// or the local system account on Windows), whatever else it admits: on Unix
/// neither can be kept out (root passes every permission check; the owner of
/// a socket file can change its mode), so localipc does the same on every OS
/// and for every kind of name.
///
/// | policy | who may connect, besides the listener's user and the superuser |
/// | --- | --- |
/// | [`current_user`](Self::current_user) (the default) | nobody |
/// | [`any_user`](Self::any_user) | every user of this machine |
/// | [`group`](Self::group) | the members of one group |
/// | [`users`](Self::users) | the users listed |
///
/// How each OS enforces it, per kind of name, is in the
/// [module docs](super#security).
///
/// # Examples
///
/// ```
/// use localipc::identity::Group;
/// use localipc::local_socket::{Access, ListenerOptions, Name};
///
/// let name = Name::namespaced(format!("localipc-doc-access-{}.sock", std::process::id()))?;
/// let listener = ListenerOptions::new(&name).access(Access::any_user()).bind()?;
///
/// // Only the members of one group (and this user, and the superuser):
/// # fn group() -> std::io::Result<Group> {
/// #     #[cfg(unix)]
/// #     return Group::from_name("root").or_else(|_| Group::from_name("wheel"));
/// #     #[cfg(windows)]
/// #     return Group::from_name("Users");
/// # }
/// let group: Group = group()?;
/// let only_group = Access::group(group);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access(pub(crate) sys::Access);

impl Access {
    /// Only the user this process runs as (and the superuser). The default.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::Access;
    ///
    /// assert_eq!(Access::default(), Access::current_user());
    /// ```
    pub fn current_user() -> Self {
        Self(sys::Access::CurrentUser)
    }

    /// Every user of this machine. Remote clients stay out: Windows pipes
    /// reject them, and Unix sockets cannot reach across machines.
    ///
    /// # Examples
    ///
    /// See [`Access`].
    pub fn any_user() -> Self {
        Self(sys::Access::AnyUser)
    }

    /// The members of `group` (and this user, and the superuser).
    ///
    /// Membership counts as the OS counts it: on Unix a process's
    /// effective or any supplementary group, on Windows any group in its
    /// token.
    ///
    /// # Examples
    ///
    /// See [`Access`].
    pub fn group(group: Group) -> Self {
        Self(sys::Access::Group(group.0))
    }

    /// The users listed (and this user, and the superuser).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::identity::User;
    /// use localipc::local_socket::Access;
    ///
    /// let access = Access::users([User::current()?]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn users(users: impl IntoIterator<Item = User>) -> Self {
        Self(sys::Access::Users(
            users.into_iter().map(|user| user.0).collect(),
        ))
    }
}

/// Which server a client agrees to talk to, set with
/// [`ConnectOptions::expected_server`](super::ConnectOptions::expected_server).
///
/// A client checks who serves a name as soon as it is connected, before it
/// can write a byte; a server run by anyone else fails the connect with
/// [`PermissionDenied`](std::io::ErrorKind::PermissionDenied), naming the
/// user it found. So a process of another user that took the name first (a
/// squatter) never receives a client's data.
///
/// | expectation | the server's user must be |
/// | --- | --- |
/// | [`current_user`](Self::current_user) (the default) | the user this process runs as, or the superuser |
/// | [`user`](Self::user) | exactly that user |
/// | [`any_user`](Self::any_user) | anyone: no check |
///
/// The server's user is what the OS says: on Unix the peer credentials of
/// the connected socket (the user who called `listen`); on Windows the
/// owner of the pipe, which an unprivileged process cannot set to another
/// user (or, for a pipe without an owner, the user its server process runs
/// as). The [module docs](super#security) say more per OS.
///
/// # Examples
///
/// ```no_run
/// use localipc::identity::User;
/// use localipc::local_socket::{ConnectOptions, ExpectedServer, Name};
///
/// // A system service that runs as its own account.
/// let service = User::from_name("my-service")?;
/// let stream = ConnectOptions::new(&Name::path("/run/my-service.sock")?)
///     .expected_server(ExpectedServer::user(service))
///     .connect()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedServer(pub(crate) sys::ExpectedServer);

impl ExpectedServer {
    /// The user this process runs as, or the superuser. The default.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::local_socket::ExpectedServer;
    ///
    /// assert_eq!(ExpectedServer::default(), ExpectedServer::current_user());
    /// ```
    pub fn current_user() -> Self {
        Self(sys::ExpectedServer::CurrentUser)
    }

    /// Exactly `user` (not the superuser, unless `user` is the superuser).
    ///
    /// # Examples
    ///
    /// See [`ExpectedServer`].
    pub fn user(user: User) -> Self {
        Self(sys::ExpectedServer::User(user.0))
    }

    /// Any user: no check. Use it for servers of other users that you
    /// trust by other means.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use localipc::local_socket::{ConnectOptions, ExpectedServer, Name};
    ///
    /// let stream = ConnectOptions::new(&Name::path("/tmp/shared.sock")?)
    ///     .expected_server(ExpectedServer::any_user())
    ///     .connect()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn any_user() -> Self {
        Self(sys::ExpectedServer::AnyUser)
    }
}
