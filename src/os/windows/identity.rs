//! Windows-only parts of users and groups: SIDs.

use std::io;

use crate::identity::{Group, User};
use crate::sealed::Sealed;
use crate::sys::identity as sys;

/// Windows-only methods of [`User`]. Sealed.
pub trait UserExt: Sealed + Sized {
    /// The user with the SID `sid`, in string form (`S-1-5-…`).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), quoting `sid`, if it
    /// is not a SID in string form.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::identity::User;
    /// use localipc::os::windows::identity::UserExt;
    ///
    /// let system = User::from_sid("S-1-5-18")?;
    /// assert_eq!(system, User::superuser());
    /// assert_eq!(system.sid(), "S-1-5-18");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "ConvertStringSidToSidW")]
    fn from_sid(sid: &str) -> io::Result<Self>;

    /// The SID in string form, as Windows spells it.
    ///
    /// # Examples
    ///
    /// See [`from_sid`](Self::from_sid).
    fn sid(&self) -> &str;
}

/// Windows-only methods of [`Group`]. Sealed.
pub trait GroupExt: Sealed + Sized {
    /// The group with the SID `sid`, in string form (`S-1-5-32-545` is
    /// the local Users group).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), quoting `sid`, if it
    /// is not a SID in string form.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::identity::Group;
    /// use localipc::os::windows::identity::GroupExt;
    ///
    /// let users = Group::from_sid("S-1-5-32-545")?;
    /// assert_eq!(users.sid(), "S-1-5-32-545");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "ConvertStringSidToSidW")]
    fn from_sid(sid: &str) -> io::Result<Self>;

    /// The SID in string form, as Windows spells it.
    ///
    /// # Examples
    ///
    /// See [`from_sid`](Self::from_sid).
    fn sid(&self) -> &str;
}

impl UserExt for User {
    fn from_sid(sid: &str) -> io::Result<Self> {
        sys::User::from_sid(sid).map(User)
    }

    fn sid(&self) -> &str {
        self.0.sid()
    }
}

impl GroupExt for Group {
    fn from_sid(sid: &str) -> io::Result<Self> {
        sys::Group::from_sid(sid).map(Group)
    }

    fn sid(&self) -> &str {
        self.0.sid()
    }
}
