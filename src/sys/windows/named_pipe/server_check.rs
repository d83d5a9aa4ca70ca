//! Who serves a pipe: the check a client makes, before it writes a byte,
//! that the server runs as a user it expects.
//!
//! # Where the server's user comes from
//!
//! First from the pipe's **owner**. Windows gives every pipe an owner when
//! its first instance is created: the creator's user (or, if its descriptor
//! names one, that owner, which Windows allows only for the creator's own
//! user and groups without a restore privilege), so a squatter cannot make
//! it another user. On Windows the owner is always there.
//!
//! Only where the owner cannot be read (Wine gives a pipe created with a
//! NULL security descriptor no owner at all) does the check ask the
//! **server process**: `GetNamedPipeServerProcessId` on the client's handle,
//! then the user of that process's token. Why that is an acceptable identity:
//!
//! * The id is recorded by the system for the server end of the very
//!   instance the client holds a handle to; the server does not supply it,
//!   so a process of another user cannot create an instance that reports
//!   some other process as its server.
//! * The user of a process's primary token is the user it runs as: what the
//!   owner would have been by default, and what Unix peer credentials report.
//! * The pipe is on this machine (a `\\.\pipe\` path): for a pipe on
//!   another machine the id names a process there, so the check never asks.
//! * A process id is reused only after its process has exited. While the
//!   server process lives, the id is its own; once the process handle is
//!   open, the id cannot change hands during the check.
//!
//! What is left: a squatter that hands its server handle to another of its
//! processes and exits, so that the system gives its id to a process of the
//! expected user before the client looks, would pass. It cannot steer which
//! process gets the id, and this path is never taken on Windows, where the
//! owner decides; a server that wants the strongest check gives its pipe an
//! owner (an `O:` in its descriptor), as localipc's listeners do.

use std::io;
use std::os::windows::io::BorrowedHandle;

use super::info::server_process_id;
use crate::sys::ExpectedServer;
use crate::sys::windows::pipe_path::PipePath;
use crate::sys::windows::security::{self, LOCAL_SYSTEM_SID, current_user_sid, process_user_sid};

/// Checks that the server of the pipe end `handle` (a client end of the
/// pipe at `path`) runs as a user `expected` admits; `PermissionDenied`
/// naming what was found, or why nothing could be, if not.
pub(crate) fn check_server(
    handle: BorrowedHandle<'_>,
    path: &PipePath,
    expected: &ExpectedServer,
) -> io::Result<()> {
    let wanted = match expected {
        ExpectedServer::AnyUser => return Ok(()),
        ExpectedServer::CurrentUser => {
            let me = current_user_sid()?;
            Wanted {
                description: format!("this user ({me}) or the local system account"),
                sids: vec![me, LOCAL_SYSTEM_SID.to_owned()],
            }
        }
        ExpectedServer::User(user) => Wanted {
            sids: vec![user.sid().to_owned()],
            description: user.sid().to_owned(),
        },
    };
    let server_process_user = || {
        if !path.is_local() {
            // The id would be of a process on the other machine, and a
            // process of this machine may have it.
            return Err(io::Error::other(
                "the pipe is on another machine, whose processes cannot be asked from here",
            ));
        }
        let pid = server_process_id(handle)?;
        let sid = process_user_sid(pid).map_err(|error| {
            crate::error::with_context(error.kind(), format!("process {pid}: {error}"), error)
        })?;
        Ok(ProcessUser { pid, sid })
    };
    decide(security::owner_sid(handle), server_process_user, &wanted)
        .map_err(|refusal| refusal.into_error(path, &wanted))
}

/// The users a client admits, and how to name them in an error.
#[derive(Debug)]
struct Wanted {
    sids: Vec<String>,
    description: String,
}

/// The user a server process runs as.
#[derive(Debug, PartialEq, Eq)]
struct ProcessUser {
    pid: u32,
    sid: String,
}

/// Why a server was refused.
#[derive(Debug)]
enum Refusal {
    /// The pipe's owner is another user.
    Owner(String),
    /// The pipe has no readable owner (why: the error) and its server
    /// process runs as another user.
    ProcessUser(io::Error, ProcessUser),
    /// Neither the owner nor the server process's user can be read.
    Unknown {
        owner: io::Error,
        process: io::Error,
    },
}

/// The decision, apart from the system calls that feed it: the owner
/// decides if it can be read; otherwise the server process's user, asked
/// for only then; if neither can be had, the server is refused.
fn decide(
    owner: io::Result<String>,
    server_process_user: impl FnOnce() -> io::Result<ProcessUser>,
    wanted: &Wanted,
) -> Result<(), Refusal> {
    let owner_error = match owner {
        Ok(owner) if wanted.sids.contains(&owner) => return Ok(()),
        Ok(owner) => return Err(Refusal::Owner(owner)),
        Err(error) => error,
    };
    match server_process_user() {
        Ok(user) if wanted.sids.contains(&user.sid) => Ok(()),
        Ok(user) => Err(Refusal::ProcessUser(owner_error, user)),
        Err(process) => Err(Refusal::Unknown {
            owner: owner_error,
            process,
        }),
    }
}

impl Refusal {
    fn into_error(self, path: &PipePath, wanted: &Wanted) -> io::Error {
        const HINT: &str = "(another user may have taken the name; to accept it, expect it \
             with `ExpectedServer::user` or `ExpectedServer::any_user`)";
        let (message, os) = match self {
            Self::Owner(owner) => (
                format!(
                    "refusing the server of `{path}`: its pipe is owned by {owner}, not by {} \
                     {HINT}",
                    wanted.description
                ),
                None,
            ),
            Self::ProcessUser(owner, user) => (
                format!(
                    "refusing the server of `{path}`: its pipe's owner cannot be read \
                     ({owner}), and its server process {} runs as {}, not as {} {HINT}",
                    user.pid, user.sid, wanted.description
                ),
                None,
            ),
            // The process's error is the one kept as the source: the owner's
            // is the expected one where this path is taken.
            Self::Unknown { owner, process } => (
                format!(
                    "cannot tell who serves `{path}`, so refusing it: its pipe's owner cannot \
                     be read ({owner}), and the user of its server process cannot either \
                     ({process})"
                ),
                Some(process),
            ),
        };
        match os {
            Some(os) => crate::error::with_context(io::ErrorKind::PermissionDenied, message, os),
            None => io::Error::new(io::ErrorKind::PermissionDenied, message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "S-1-5-21-1-2-3-1001";
    const OTHER: &str = "S-1-5-21-1-2-3-1002";
    const PATH: &str = r"\\.\pipe\server-check";

    fn wanted() -> Wanted {
        Wanted {
            sids: vec![ME.to_owned(), LOCAL_SYSTEM_SID.to_owned()],
            description: format!("this user ({ME}) or the local system account"),
        }
    }

    fn no_owner() -> io::Result<String> {
        Err(io::Error::other("the object has no owner"))
    }

    fn runs_as(sid: &str) -> impl FnOnce() -> io::Result<ProcessUser> {
        let sid = sid.to_owned();
        move || Ok(ProcessUser { pid: 42, sid })
    }

    fn not_asked() -> io::Result<ProcessUser> {
        panic!("the server process was asked although the owner decides")
    }

    fn message(refusal: Refusal) -> String {
        let path = crate::sys::windows::pipe_path::local(PATH.as_ref()).expect("a valid pipe path");
        let error = refusal.into_error(&path, &wanted());
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        error.to_string()
    }

    #[test]
    fn owner_of_the_expected_user_is_accepted_without_asking_the_process() {
        assert!(decide(Ok(ME.to_owned()), not_asked, &wanted()).is_ok());
    }

    #[test]
    fn owner_of_another_user_is_refused_without_asking_the_process() {
        let refusal = decide(Ok(OTHER.to_owned()), not_asked, &wanted()).unwrap_err();
        assert_eq!(
            message(refusal),
            format!(
                "refusing the server of `{PATH}`: its pipe is owned by {OTHER}, \
                  not by this user ({ME}) or the local system account (another user may have \
                  taken the name; to accept it, expect it with `ExpectedServer::user` or \
                  `ExpectedServer::any_user`)"
            )
        );
    }

    #[test]
    fn no_owner_and_a_server_process_of_the_expected_user_is_accepted() {
        assert!(decide(no_owner(), runs_as(ME), &wanted()).is_ok());
        assert!(decide(no_owner(), runs_as(LOCAL_SYSTEM_SID), &wanted()).is_ok());
    }

    #[test]
    fn no_owner_and_a_server_process_of_another_user_is_refused() {
        let refusal = decide(no_owner(), runs_as(OTHER), &wanted()).unwrap_err();
        assert_eq!(
            message(refusal),
            format!(
                "refusing the server of `{PATH}`: its pipe's owner cannot be read \
                  (the object has no owner), and its server process 42 runs as {OTHER}, not as \
                  this user ({ME}) or the local system account (another user may have taken the \
                  name; to accept it, expect it with `ExpectedServer::user` or \
                  `ExpectedServer::any_user`)"
            )
        );
    }

    #[test]
    fn only_pipes_on_this_machine_are_local() {
        let local = |path: &str| {
            crate::sys::windows::pipe_path::any_host(path.as_ref()).map(|p| p.is_local())
        };
        assert!(local(r"\\.\pipe\a").unwrap());
        assert!(!local(r"\\localhost\pipe\a").unwrap());
        assert!(!local(r"\\server\pipe\a").unwrap());
    }

    #[test]
    fn neither_owner_nor_server_process_keeps_the_process_os_error() {
        let path = crate::sys::windows::pipe_path::local(PATH.as_ref()).expect("a valid pipe path");
        let process = || Err(io::Error::from_raw_os_error(5));
        let refusal = decide(no_owner(), process, &wanted()).unwrap_err();
        let error = refusal.into_error(&path, &wanted());
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(crate::error::raw_os_error(&error), Some(5));
    }

    #[test]
    fn neither_owner_nor_server_process_is_refused_naming_both_failures() {
        let process = || Err(io::Error::other("access is denied"));
        let refusal = decide(no_owner(), process, &wanted()).unwrap_err();
        assert_eq!(
            message(refusal),
            format!(
                "cannot tell who serves `{PATH}`, so refusing it: its pipe's owner \
              cannot be read (the object has no owner), and the user of its server process \
                 cannot either (access is denied)"
            )
        );
    }
}
