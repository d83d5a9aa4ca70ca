//! What a single instance needs from Unix: where its name lives for each
//! scope, and a claim on it (nothing here: the socket file's lock gives a
//! path to one listener, and Linux's abstract names belong to one socket).

use std::ffi::{OsStr, OsString};
use std::io;

#[cfg(not(linux_like))]
use super::socket_name::resolve_path;
use super::socket_name::{Resolved, resolve_per_user};

/// Per user: a socket file in the user's private directory, where no other
/// user can make a file of that name.
pub(crate) fn user_address(id: &OsStr) -> io::Result<Resolved> {
    resolve_per_user(id)
}

/// Per login session: as per user, with the session's id
/// (`$XDG_SESSION_ID`, set by logind's PAM module) in the file name;
/// per user where no session id is set.
pub(crate) fn session_address(id: &OsStr) -> io::Result<Resolved> {
    let session = std::env::var("XDG_SESSION_ID").ok().filter(|session| {
        !session.is_empty() && session.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    match session {
        Some(session) => {
            let mut name = OsString::from(id);
            name.push(format!(".session-{session}"));
            resolve_per_user(&name)
        }
        None => resolve_per_user(id),
    }
}

/// Machine-wide: Linux's abstract name, shared by every user of the
/// network namespace; elsewhere a socket file in the temporary directory.
pub(crate) fn machine_address(id: &OsStr) -> io::Result<Resolved> {
    #[cfg(linux_like)]
    {
        super::socket_name::resolve_namespaced(id)
    }
    #[cfg(not(linux_like))]
    {
        resolve_path(&std::env::temp_dir().join(id))
    }
}

/// A claim on a name; see the module docs.
#[derive(Debug)]
pub(crate) struct Claim;

/// Always claimed: binding the socket decides.
pub(crate) fn claim(_key: &str) -> io::Result<Option<Claim>> {
    Ok(Some(Claim))
}
