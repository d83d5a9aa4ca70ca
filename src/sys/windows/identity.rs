//! Users and groups on Windows: SIDs, kept in their canonical string form,
//! and lookups by account name.

use std::fmt;
use std::io;
use std::ptr;

use windows_sys::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, ERROR_NONE_MAPPED};
use windows_sys::Win32::Security::{
    LookupAccountNameW, SID_NAME_USE, SidTypeAlias, SidTypeGroup, SidTypeUser,
    SidTypeWellKnownGroup,
};

use super::error::cvt;
use super::security::{LOCAL_SYSTEM_SID, canonical_sid, current_user_sid, sid_to_string};

/// A user: the string form of its SID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct User(String);

/// A group: the string form of its SID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Group(String);

impl User {
    /// The user with the SID `sid` (`S-1-5-…`).
    pub(crate) fn from_sid(sid: &str) -> io::Result<Self> {
        canonical_sid(sid).map(Self)
    }

    pub(crate) fn sid(&self) -> &str {
        &self.0
    }
}

impl Group {
    /// The group with the SID `sid` (`S-1-5-…`).
    pub(crate) fn from_sid(sid: &str) -> io::Result<Self> {
        canonical_sid(sid).map(Self)
    }

    pub(crate) fn sid(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The user of this process's token.
pub(crate) fn current_user() -> io::Result<User> {
    current_user_sid().map(User)
}

/// The local system account.
pub(crate) fn superuser() -> User {
    User(LOCAL_SYSTEM_SID.to_owned())
}

/// The user account called `name` (`LookupAccountNameW`).
pub(crate) fn user_by_name(name: &str) -> io::Result<User> {
    let (sid, kind) = look_up("user", name)?;
    if kind != SidTypeUser {
        return Err(not_found("user", name));
    }
    Ok(User(sid))
}

/// The group called `name`: a domain or local group, or a well-known one.
pub(crate) fn group_by_name(name: &str) -> io::Result<Group> {
    let (sid, kind) = look_up("group", name)?;
    if ![SidTypeGroup, SidTypeAlias, SidTypeWellKnownGroup].contains(&kind) {
        return Err(not_found("group", name));
    }
    Ok(Group(sid))
}

fn not_found(what: &str, name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no {what} named {name:?} on this system"),
    )
}

/// The SID of the account `name` and what kind of account it is.
fn look_up(what: &str, name: &str) -> io::Result<(String, SID_NAME_USE)> {
    if name.is_empty() || name.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a valid {what} name: it is empty or contains a NUL"),
        ));
    }
    let wide: Vec<u16> = name.encode_utf16().chain([0]).collect();
    // SIDs are at most 68 bytes; domain names are short. Start with room for
    // both, and take what the first call says is needed if it is more.
    let mut sid = vec![0_u64; 16];
    let mut domain = vec![0_u16; 256];
    for _ in 0..2 {
        let mut sid_len = u32::try_from(sid.len() * 8).unwrap_or(u32::MAX);
        let mut domain_len = u32::try_from(domain.len()).unwrap_or(u32::MAX);
        let mut kind: SID_NAME_USE = 0;
        // SAFETY: `wide` is NUL-terminated; `sid` and `domain` are writable
        // for the lengths given; the other out-pointers are live locals.
        let found = cvt(unsafe {
            LookupAccountNameW(
                ptr::null(),
                wide.as_ptr(),
                sid.as_mut_ptr().cast(),
                &mut sid_len,
                domain.as_mut_ptr(),
                &mut domain_len,
                &mut kind,
            )
        });
        match found {
            Ok(()) => {
                // SAFETY: the lookup wrote a valid SID into `sid`, which
                // outlives the call.
                let text = unsafe { sid_to_string(sid.as_mut_ptr().cast()) }?;
                return Ok((text, kind));
            }
            Err(error) if error.raw_os_error() == Some(ERROR_NONE_MAPPED as i32) => {
                return Err(not_found(what, name));
            }
            Err(error) if error.raw_os_error() == Some(ERROR_INSUFFICIENT_BUFFER as i32) => {
                sid.resize((sid_len as usize).div_ceil(8).max(sid.len()), 0);
                domain.resize((domain_len as usize).max(domain.len()), 0);
            }
            Err(error) => {
                return Err(crate::error::with_context(
                    error.kind(),
                    format!("cannot look up the {what} {name:?}: {error}"),
                    error,
                ));
            }
        }
    }
    Err(io::Error::other(format!(
        "cannot look up the {what} {name:?}: the account database kept asking for more room"
    )))
}
