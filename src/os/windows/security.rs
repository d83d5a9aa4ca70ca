//! Security descriptors: who may open, read, write and create a pipe.
//!
//! A [`SecurityDescriptor`] says who owns an object and, in its DACL
//! (discretionary access control list), who may do what with it. localipc
//! reads and writes descriptors in SDDL, the Security Descriptor Definition
//! Language that `icacls`, PowerShell's `Get-Acl` and Windows' own
//! documentation use, for example `D:P(A;;GA;;;SY)`: a protected DACL (`P`)
//! that allows (`A`) generic-all access (`GA`) to the local system account
//! (`SY`) and to nobody else.
//!
//! # Defaults
//!
//! Every pipe localipc creates gets [`SecurityDescriptor::current_user_only`]
//! unless you pass another descriptor: only the user the process runs as can
//! open it. [`SecurityDescriptor::everyone_may_connect`] is the usual way to
//! widen a server's pipe for clients run by other users without letting them
//! take over its name.
//!
//! # Always give a DACL
//!
//! An SDDL string without a `D:` part (such as `O:BA`) makes a descriptor
//! without a DACL, which restricts nothing by itself: an object created with
//! it gets whatever DACL Windows would give it by default. An empty DACL (`D:`
//! with no entries)
//! is the opposite: nobody may open the object (its owner can still read and
//! change its DACL). An empty string is rejected, since it is far more often a
//! missing setting than a wish to leave access to Windows' defaults.

use std::fmt;
use std::io;
use std::str::FromStr;

use crate::sys;

/// A Windows security descriptor: an owner, a group, and the access control
/// lists that decide who may use an object such as a pipe.
///
/// Create one from SDDL with [`from_sddl`](Self::from_sddl) (or `str::parse`),
/// or take a ready-made one: [`current_user_only`](Self::current_user_only),
/// the default for every pipe localipc creates, or
/// [`everyone_may_connect`](Self::everyone_may_connect). A descriptor never
/// changes after creation, so it can be shared between threads and used for
/// any number of pipes.
///
/// `Debug` prints the descriptor as SDDL.
///
/// # Examples
///
/// ```
/// use localipc::os::windows::security::SecurityDescriptor;
///
/// // Full access for the local system account and the administrators group.
/// let descriptor: SecurityDescriptor = "D:P(A;;GA;;;SY)(A;;GA;;;BA)".parse()?;
/// assert_eq!(descriptor.to_sddl()?, "D:P(A;;GA;;;SY)(A;;GA;;;BA)");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SecurityDescriptor(sys::security::SecurityDescriptor);

impl SecurityDescriptor {
    /// Parses a security descriptor written in SDDL.
    ///
    /// Owner (`O:`), group (`G:`), DACL (`D:`) and SACL (`S:`) parts are all
    /// accepted, with account aliases (`SY`, `BA`, `WD`, …) or SID strings
    /// (`S-1-5-…`) as trustees. A string without a `D:` part restricts
    /// nothing: see the [module docs](self).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), with a message that
    /// quotes `sddl` and says why it is not valid, if `sddl` is empty,
    /// contains a NUL character, or is not SDDL that Windows accepts (for
    /// example a misspelt right or alias, or a malformed SID).
    /// [`OutOfMemory`](io::ErrorKind::OutOfMemory) if Windows runs out of
    /// memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let descriptor = SecurityDescriptor::from_sddl("D:P(A;;GA;;;SY)")?;
    /// assert_eq!(descriptor.to_sddl()?, "D:P(A;;GA;;;SY)");
    ///
    /// let error = SecurityDescriptor::from_sddl("D:P(A;;GA;;;NOBODY)").unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::InvalidInput);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "ConvertStringSecurityDescriptorToSecurityDescriptorW")]
    #[doc(alias = "SDDL")]
    pub fn from_sddl(sddl: &str) -> io::Result<Self> {
        sys::security::SecurityDescriptor::from_sddl(sddl).map(Self)
    }

    /// A descriptor that lets only the user this process runs as use the
    /// object: a protected DACL granting generic-all access to that user's
    /// SID, `D:P(A;;GA;;;<user SID>)`.
    ///
    /// This is the descriptor localipc gives every pipe it creates unless you
    /// pass another one. The DACL is protected (`P`), so no access is
    /// inherited from a parent object. The user is read from the process's
    /// token: a thread that impersonates another user does not change it.
    ///
    /// # Errors
    ///
    /// The OS error if the process's token cannot be opened or queried (for
    /// example if the process lacks query access to its own token), or if
    /// Windows runs out of memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let descriptor = SecurityDescriptor::current_user_only()?;
    /// let sddl = descriptor.to_sddl()?;
    /// assert!(sddl.starts_with("D:P(A;;GA;;;"), "{sddl}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "OpenProcessToken")]
    #[doc(alias = "GetTokenInformation")]
    #[doc(alias = "ConvertSidToStringSidW")]
    pub fn current_user_only() -> io::Result<Self> {
        sys::security::current_user_only()?.try_clone().map(Self)
    }

    /// A descriptor that lets everyone connect to a pipe and read and write
    /// it, while only the current user may create server instances of its
    /// name or change its security.
    ///
    /// The protected DACL grants generic-all access to the user this process
    /// runs as (as [`current_user_only`](Self::current_user_only) does) and
    /// access mask `0x0012019b` to Everyone (`WD`):
    /// `D:P(A;;GA;;;<user SID>)(A;;0x12019b;;;WD)`. That mask is
    /// `FILE_GENERIC_READ | FILE_GENERIC_WRITE` without
    /// `FILE_CREATE_PIPE_INSTANCE` (`0x4`, the bit that is `FILE_APPEND_DATA`
    /// on a file): reading and writing data, attributes and extended
    /// attributes, plus `READ_CONTROL` and `SYNCHRONIZE`. Leaving out `FILE_CREATE_PIPE_INSTANCE` keeps another
    /// user from creating server instances of the same name and answering
    /// clients in the server's place.
    ///
    /// # Errors
    ///
    /// As for [`current_user_only`](Self::current_user_only).
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let descriptor = SecurityDescriptor::everyone_may_connect()?;
    /// let sddl = descriptor.to_sddl()?;
    /// assert!(sddl.ends_with("(A;;0x12019b;;;WD)"), "{sddl}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "FILE_CREATE_PIPE_INSTANCE")]
    #[doc(alias = "OpenProcessToken")]
    #[doc(alias = "GetTokenInformation")]
    #[doc(alias = "ConvertSidToStringSidW")]
    pub fn everyone_may_connect() -> io::Result<Self> {
        let user = sys::security::current_user_sid()?;
        let access = sys::security::CONNECT_ACCESS;
        Self::from_sddl(&format!("D:P(A;;GA;;;{user})(A;;{access:#x};;;WD)"))
    }

    /// Writes the descriptor out as SDDL: its owner, group, DACL and mandatory
    /// integrity label.
    ///
    /// Audit entries of the SACL (`AU` and `AL` entries of the `S:` part) are
    /// left out, so a descriptor holding nothing else is written as an empty
    /// string. Windows writes the SDDL in its own canonical form, so the
    /// result can differ in spelling from the string the descriptor was
    /// parsed from (for example a SID that has an alias is written as the
    /// alias); parsing it gives back a descriptor with the same owner, group,
    /// DACL and label.
    ///
    /// # Errors
    ///
    /// The OS error if Windows cannot convert the descriptor, in practice only
    /// when it runs out of memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let descriptor = SecurityDescriptor::from_sddl("O:SYD:(A;;GA;;;S-1-5-18)")?;
    /// assert_eq!(descriptor.to_sddl()?, "O:SYD:(A;;GA;;;SY)");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "ConvertSecurityDescriptorToStringSecurityDescriptorW")]
    pub fn to_sddl(&self) -> io::Result<String> {
        self.0.to_sddl()
    }

    /// Creates an independent copy of the descriptor, byte for byte.
    ///
    /// # Errors
    ///
    /// The OS error if the memory for the copy cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::windows::security::SecurityDescriptor;
    ///
    /// let original = SecurityDescriptor::from_sddl("D:P(A;;GA;;;SY)")?;
    /// let copy = original.try_clone()?;
    /// drop(original);
    /// assert_eq!(copy.to_sddl()?, "D:P(A;;GA;;;SY)");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "GetSecurityDescriptorLength")]
    #[doc(alias = "LocalAlloc")]
    pub fn try_clone(&self) -> io::Result<Self> {
        self.0.try_clone().map(Self)
    }

    /// The backend descriptor, for the pipe-creating code.
    pub(crate) fn as_sys(&self) -> &sys::security::SecurityDescriptor {
        &self.0
    }

    /// The backend descriptor, owned.
    pub(crate) fn into_sys(self) -> sys::security::SecurityDescriptor {
        self.0
    }
}

impl FromStr for SecurityDescriptor {
    type Err = io::Error;

    /// Parses SDDL, exactly as [`SecurityDescriptor::from_sddl`] does.
    fn from_str(sddl: &str) -> io::Result<Self> {
        Self::from_sddl(sddl)
    }
}

impl fmt::Debug for SecurityDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tuple = f.debug_tuple("SecurityDescriptor");
        match self.to_sddl() {
            Ok(sddl) => tuple.field(&sddl),
            Err(error) => tuple.field(&format_args!("<not convertible to SDDL: {error}>")),
        };
        tuple.finish()
    }
}
