//! Users and groups on Unix: numeric ids, and lookups by name in the
//! system's user and group databases.

use std::ffi::CString;
use std::fmt;
use std::io;
use std::mem::MaybeUninit;

/// A user: a uid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct User(pub(crate) u32);

/// A group: a gid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Group(pub(crate) u32);

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "uid {}", self.0)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gid {}", self.0)
    }
}

/// The effective user of this process.
pub(crate) fn current_user() -> io::Result<User> {
    Ok(User(rustix::process::geteuid().as_raw()))
}

/// Root.
pub(crate) fn superuser() -> User {
    User(0)
}

/// Whether `uid` is the effective user of this process or root.
pub(crate) fn is_current_user_or_superuser(uid: u32) -> bool {
    uid == 0 || uid == rustix::process::geteuid().as_raw()
}

/// The largest buffer a lookup may grow to before it gives up.
const MAX_LOOKUP_BUFFER: usize = 1 << 20;

fn name_for_lookup(what: &str, name: &str) -> io::Result<CString> {
    if name.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("an empty {what} name"),
        ));
    }
    CString::new(name).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the {what} name {name:?} contains a NUL byte"),
        )
    })
}

fn not_found(what: &str, name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no {what} named {name:?} on this system"),
    )
}

/// Runs one reentrant lookup (`getpwnam_r`, `getgrnam_r`) with a buffer
/// that grows while the call says `ERANGE`; `lookup` returns the call's
/// status and the id found, if any.
fn look_up(
    what: &str,
    name: &str,
    mut lookup: impl FnMut(&CString, &mut [u8]) -> (libc::c_int, Option<u32>),
) -> io::Result<u32> {
    let c_name = name_for_lookup(what, name)?;
    let mut buffer = vec![0_u8; 1024];
    loop {
        match lookup(&c_name, &mut buffer) {
            (0, Some(id)) => return Ok(id),
            (0, None) => return Err(not_found(what, name)),
            (libc::ERANGE, _) if buffer.len() < MAX_LOOKUP_BUFFER => {
                let len = buffer.len() * 2;
                buffer.resize(len, 0);
            }
            (code, _) => {
                let error = io::Error::from_raw_os_error(code);
                return Err(io::Error::new(
                    error.kind(),
                    format!("cannot look up the {what} {name:?}: {error}"),
                ));
            }
        }
    }
}

/// The user called `name` in the user database (`getpwnam_r`).
pub(crate) fn user_by_name(name: &str) -> io::Result<User> {
    look_up("user", name, |c_name, buffer| {
        let mut entry = MaybeUninit::<libc::passwd>::uninit();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: `c_name` is NUL-terminated, `entry` and `found` are live
        // out-pointers, and `buffer` is writable for its whole length.
        let status = unsafe {
            libc::getpwnam_r(
                c_name.as_ptr(),
                entry.as_mut_ptr(),
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &mut found,
            )
        };
        // SAFETY: a non-null `found` points at `entry`, which the call filled.
        let uid = (!found.is_null()).then(|| unsafe { (*found).pw_uid });
        (status, uid)
    })
    .map(User)
}

/// The group called `name` in the group database (`getgrnam_r`).
pub(crate) fn group_by_name(name: &str) -> io::Result<Group> {
    look_up("group", name, |c_name, buffer| {
        let mut entry = MaybeUninit::<libc::group>::uninit();
        let mut found: *mut libc::group = std::ptr::null_mut();
        // SAFETY: `c_name` is NUL-terminated, `entry` and `found` are live
        // out-pointers, and `buffer` is writable for its whole length.
        let status = unsafe {
            libc::getgrnam_r(
                c_name.as_ptr(),
                entry.as_mut_ptr(),
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &mut found,
            )
        };
        // SAFETY: a non-null `found` points at `entry`, which the call filled.
        let gid = (!found.is_null()).then(|| unsafe { (*found).gr_gid });
        (status, gid)
    })
    .map(Group)
}

#[cfg(test)]
mod tests {
    use super::{group_by_name, user_by_name};

    #[test]
    fn root_is_found_by_name_and_nonsense_is_not_found() {
        assert_eq!(user_by_name("root").unwrap().0, 0);
        let error = user_by_name("no-such-user-localipc").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        assert!(
            error.to_string().contains("no-such-user-localipc"),
            "{error}"
        );
        let error = group_by_name("no-such-group-localipc").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(
            user_by_name("a\0b").unwrap_err().kind(),
            std::io::ErrorKind::InvalidInput
        );
    }
}
