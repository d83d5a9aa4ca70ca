//! `--access` and `--expect-server` values turned into the library's
//! policies, looking up the users and groups they name.

use std::io;

use localipc::identity::{Group, User};
use localipc::local_socket::{Access, ExpectedServer};

use crate::args::{AccessKind, ServerKind, Who};

/// The access policy `--access` asks for; the default without it.
///
/// # Errors
///
/// A user or group that does not exist, with the option in the message.
pub(crate) fn access(who: Option<&Who<AccessKind>>) -> io::Result<Access> {
    let Some(who) = who else {
        return Ok(Access::default());
    };
    let access = match &who.kind {
        AccessKind::CurrentUser => Access::current_user(),
        AccessKind::AnyUser => Access::any_user(),
        AccessKind::Group(group) => {
            Access::group(to_group(group).map_err(about("--access", &who.text))?)
        }
        AccessKind::Users(users) => Access::users(
            users
                .iter()
                .map(|user| to_user(user))
                .collect::<io::Result<Vec<User>>>()
                .map_err(about("--access", &who.text))?,
        ),
    };
    Ok(access)
}

/// The server `--expect-server` asks for; the default without it.
///
/// # Errors
///
/// A user that does not exist, with the option in the message.
pub(crate) fn expected_server(who: Option<&Who<ServerKind>>) -> io::Result<ExpectedServer> {
    let Some(who) = who else {
        return Ok(ExpectedServer::default());
    };
    Ok(match &who.kind {
        ServerKind::CurrentUser => ExpectedServer::current_user(),
        ServerKind::AnyUser => ExpectedServer::any_user(),
        ServerKind::User(user) => {
            ExpectedServer::user(to_user(user).map_err(about("--expect-server", &who.text))?)
        }
    })
}

/// Prefixes a lookup error with the option and its value as written.
fn about<'a>(option: &'a str, text: &'a str) -> impl FnOnce(io::Error) -> io::Error + 'a {
    move |error| io::Error::new(error.kind(), format!("{option} {text}: {error}"))
}

/// A user by name, or by number (Unix) or SID (Windows).
fn to_user(text: &str) -> io::Result<User> {
    #[cfg(unix)]
    if let Ok(uid) = text.parse() {
        return Ok(<User as localipc::os::unix::identity::UserExt>::from_uid(
            uid,
        ));
    }
    #[cfg(windows)]
    if text.starts_with("S-") {
        return <User as localipc::os::windows::identity::UserExt>::from_sid(text);
    }
    User::from_name(text)
}

/// A group by name, or by number (Unix) or SID (Windows).
fn to_group(text: &str) -> io::Result<Group> {
    #[cfg(unix)]
    if let Ok(gid) = text.parse() {
        return Ok(<Group as localipc::os::unix::identity::GroupExt>::from_gid(
            gid,
        ));
    }
    #[cfg(windows)]
    if text.starts_with("S-") {
        return <Group as localipc::os::windows::identity::GroupExt>::from_sid(text);
    }
    Group::from_name(text)
}
