//! Unix-only parts of users and groups: numeric ids.

use crate::identity::{Group, User};
use crate::sealed::Sealed;
use crate::sys::identity as sys;

/// Unix-only methods of [`User`]. Sealed.
pub trait UserExt: Sealed {
    /// The user with this uid, whether or not the user database knows it.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::identity::User;
    /// use localipc::os::unix::identity::UserExt;
    ///
    /// let nobody = User::from_uid(65534);
    /// assert_eq!(nobody.uid(), 65534);
    /// assert_eq!(nobody.to_string(), "uid 65534");
    /// ```
    fn from_uid(uid: u32) -> Self;

    /// The uid.
    ///
    /// # Examples
    ///
    /// See [`from_uid`](Self::from_uid).
    fn uid(&self) -> u32;
}

/// Unix-only methods of [`Group`]. Sealed.
pub trait GroupExt: Sealed {
    /// The group with this gid, whether or not the group database knows it.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::identity::Group;
    /// use localipc::os::unix::identity::GroupExt;
    ///
    /// let group = Group::from_gid(100);
    /// assert_eq!(group.gid(), 100);
    /// assert_eq!(group.to_string(), "gid 100");
    /// ```
    fn from_gid(gid: u32) -> Self;

    /// The gid.
    ///
    /// # Examples
    ///
    /// See [`from_gid`](Self::from_gid).
    fn gid(&self) -> u32;
}

impl UserExt for User {
    fn from_uid(uid: u32) -> Self {
        User(sys::User(uid))
    }

    fn uid(&self) -> u32 {
        self.0.0
    }
}

impl GroupExt for Group {
    fn from_gid(gid: u32) -> Self {
        Group(sys::Group(gid))
    }

    fn gid(&self) -> u32 {
        self.0.0
    }
}
