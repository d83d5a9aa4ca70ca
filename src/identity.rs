//! Users and groups, as the OS knows them: a uid or gid on Unix, a SID on
//! Windows.
//!
//! They say who may connect to a listener
//! ([`Access`](crate::local_socket::Access)) and which server a client
//! agrees to talk to ([`ExpectedServer`](crate::local_socket::ExpectedServer)).
//! Look them up by name on any OS; build them from raw ids with
//! `os::unix::identity::UserExt` (`from_uid`) or
//! `os::windows::identity::UserExt` (`from_sid`) and their `Group`
//! counterparts.
//!
//! # Examples
//!
//! ```
//! use localipc::identity::User;
//!
//! let me = User::current()?;
//! println!("this process runs as {me}");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::io;

use crate::sys::identity as sys;

/// A user account: a uid on Unix, a SID on Windows.
///
/// `Display` shows `uid 1000` on Unix and the SID (`S-1-5-…`) on Windows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct User(pub(crate) sys::User);

/// A group of users: a gid on Unix, a group SID on Windows.
///
/// `Display` shows `gid 100` on Unix and the SID on Windows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Group(pub(crate) sys::Group);

impl User {
    /// The user this process runs as: the effective uid on Unix, the user of
    /// the process token on Windows (a thread's impersonation does not
    /// change it).
    ///
    /// # Errors
    ///
    /// None on Unix. On Windows, the OS error if the process token cannot
    /// be queried.
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    #[doc(alias = "geteuid")]
    #[doc(alias = "GetTokenInformation")]
    pub fn current() -> io::Result<Self> {
        sys::current_user().map(Self)
    }

    /// The superuser: root (uid 0) on Unix, the local system account
    /// (`S-1-5-18`) on Windows.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::identity::User;
    ///
    /// # #[cfg(unix)]
    /// assert_eq!(User::superuser().to_string(), "uid 0");
    /// # #[cfg(windows)]
    /// assert_eq!(User::superuser().to_string(), "S-1-5-18");
    /// ```
    pub fn superuser() -> Self {
        Self(sys::superuser())
    }

    /// The user account called `name`: from the user database on Unix
    /// (`getpwnam_r`, so `/etc/passwd`, LDAP and whatever else NSS is set up
    /// for), from the account database on Windows (`LookupAccountNameW`,
    /// which takes `name` or `DOMAIN\name`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](io::ErrorKind::NotFound) if there is no such user (on
    /// Windows, also if `name` is a group); [`InvalidInput`](io::ErrorKind::InvalidInput)
    /// for an empty name or one with a NUL character; otherwise the error of
    /// the lookup. Messages quote `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::identity::User;
    ///
    /// let error = User::from_name("localipc-no-such-user").unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::NotFound);
    /// ```
    #[doc(alias = "getpwnam_r")]
    #[doc(alias = "LookupAccountNameW")]
    pub fn from_name(name: &str) -> io::Result<Self> {
        sys::user_by_name(name).map(Self)
    }
}

impl Group {
    /// The group called `name`: from the group database on Unix
    /// (`getgrnam_r`), from the account database on Windows
    /// (`LookupAccountNameW`; local groups such as `Users`, domain groups,
    /// and well-known groups).
    ///
    /// # Errors
    ///
    /// As for [`User::from_name`], for groups.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::identity::Group;
    ///
    /// let error = Group::from_name("localipc-no-such-group").unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::NotFound);
    /// ```
    #[doc(alias = "getgrnam_r")]
    #[doc(alias = "LookupAccountNameW")]
    pub fn from_name(name: &str) -> io::Result<Self> {
        sys::group_by_name(name).map(Self)
    }
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
