//! Who is at the other end of a Unix socket: the peer's credentials, the
//! check a listener makes of each connection against its access policy, and
//! the check a client makes of its server.

use std::io;
use std::os::fd::BorrowedFd;

use super::identity::is_current_user_or_superuser;
use super::socket_name::Resolved;
use crate::sys::{Access, Credentials, ExpectedServer, RefusalHook};

/// `SO_PEERCRED`: pid, uid and gid as of `connect`/`listen`. The pid is
/// `None` for a peer outside this process's pid namespace (Linux reports 0
/// then, which rustix's credentials type cannot hold: read with libc).
#[cfg(linux_like)]
pub(crate) fn peer_credentials(fd: BorrowedFd<'_>) -> io::Result<Credentials> {
    use std::os::fd::AsRawFd;
    let mut credentials = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `credentials` is a writable `ucred` of `len` bytes, which
    // outlives the call; `len` is a writable `socklen_t`.
    let result = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut credentials).cast(),
            &mut len,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Credentials {
        pid: u32::try_from(credentials.pid).ok().filter(|&pid| pid != 0),
        uid: Some(credentials.uid),
        gid: Some(credentials.gid),
    })
}

/// `getpeereid(3)` for uid and gid, plus the pid where the OS says it.
#[cfg(not(linux_like))]
pub(crate) fn peer_credentials(fd: BorrowedFd<'_>) -> io::Result<Credentials> {
    let (uid, gid) = peer_ids(fd)?;
    Ok(Credentials {
        pid: peer_pid(fd),
        uid: Some(uid),
        gid: Some(gid),
    })
}

/// `LOCAL_PEERPID`.
#[cfg(apple)]
fn peer_pid(fd: BorrowedFd<'_>) -> Option<u32> {
    let pid: libc::pid_t = local_option(fd, libc::SOL_LOCAL, libc::LOCAL_PEERPID)?;
    u32::try_from(pid).ok()
}

/// `LOCAL_PEERCRED`'s `cr_pid` (FreeBSD 13 and later; zero, read as
/// unknown, on older kernels).
#[cfg(target_os = "freebsd")]
fn peer_pid(fd: BorrowedFd<'_>) -> Option<u32> {
    const SOL_LOCAL: libc::c_int = 0;
    let credentials: libc::xucred = local_option(fd, SOL_LOCAL, libc::LOCAL_PEERCRED)?;
    // SAFETY: LOCAL_PEERCRED fills the union's pid member, or leaves the
    // zeroes it started with; either is a valid pid_t.
    let pid = unsafe { credentials.cr_pid__c_anonymous_union.cr_pid };
    u32::try_from(pid).ok().filter(|pid| *pid != 0)
}

/// Other Unixes do not say.
#[cfg(not(any(linux_like, bsd_peer_options)))]
fn peer_pid(_fd: BorrowedFd<'_>) -> Option<u32> {
    None
}

/// One `getsockopt(2)` of a plain-old-data value; `None` if it fails.
#[cfg(bsd_peer_options)]
fn local_option<T: Copy>(fd: BorrowedFd<'_>, level: libc::c_int, option: libc::c_int) -> Option<T> {
    let mut value = std::mem::MaybeUninit::<T>::zeroed();
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: the descriptor is open, and `value`/`len` describe a live
    // buffer of exactly `size_of::<T>()` bytes.
    let status = unsafe {
        libc::getsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            level,
            option,
            value.as_mut_ptr().cast(),
            &mut len,
        )
    };
    // SAFETY: the callers' `T`s (pid_t, xucred) are valid all zeroes, and a
    // successful getsockopt overwrote the bytes it reports.
    (status == 0).then(|| unsafe { value.assume_init() })
}

#[cfg(not(linux_like))]
fn peer_ids(fd: BorrowedFd<'_>) -> io::Result<(u32, u32)> {
    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: the descriptor is open and both out-pointers are live locals.
    if unsafe { libc::getpeereid(std::os::fd::AsRawFd::as_raw_fd(&fd), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((uid, gid))
}

/// `SO_PEERGROUPS` (Linux 4.13 and later): the peer's supplementary groups
/// as of `connect`/`listen`. The option's number is 59 but on SPARC and
/// PA-RISC; libc does not define it yet.
#[cfg(linux_like)]
fn peer_groups(fd: BorrowedFd<'_>) -> io::Result<Vec<u32>> {
    #[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
    const SO_PEERGROUPS: libc::c_int = 0x003d;
    #[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
    const SO_PEERGROUPS: libc::c_int = 59;
    // The kernel caps supplementary groups at 65536 (NGROUPS_MAX).
    const MOST: usize = 65_536;
    let mut groups: Vec<libc::gid_t> = vec![0; 32];
    loop {
        let mut len = (groups.len() * size_of::<libc::gid_t>()) as libc::socklen_t;
        // SAFETY: the descriptor is open, and `groups`/`len` describe a live
        // buffer of exactly `len` bytes, aligned for gid_t.
        let status = unsafe {
            libc::getsockopt(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                libc::SOL_SOCKET,
                SO_PEERGROUPS,
                groups.as_mut_ptr().cast(),
                &mut len,
            )
        };
        let count = len as usize / size_of::<libc::gid_t>();
        if status == 0 {
            groups.truncate(count.min(groups.len()));
            return Ok(groups);
        }
        let error = io::Error::last_os_error();
        // ERANGE: the buffer was too small, and `len` says what is needed.
        if error.raw_os_error() == Some(libc::ERANGE) && count > groups.len() && count <= MOST {
            groups.resize(count, 0);
            continue;
        }
        return Err(error);
    }
}

/// What a listener checks of each connection it accepts, where the socket
/// file cannot enforce its access policy: names without a file (Linux's
/// abstract names) and lists of users. A refused connection is closed
/// before anything is read from or written to it.
#[derive(Clone)]
pub(crate) struct Admission {
    rule: Rule,
    on_refused: Option<RefusalHook>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    Everyone,
    /// These uids, or a member of `group`; `admits` says whom, for a
    /// refused peer.
    Only {
        uids: Vec<u32>,
        group: Option<u32>,
        admits: &'static str,
    },
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("rule", &self.rule)
            .field("on_refused", &self.on_refused.is_some())
            .finish()
    }
}

impl Admission {
    /// No check: the OS (a socket file's mode) or nobody decides.
    pub(crate) fn everyone() -> Self {
        Self {
            rule: Rule::Everyone,
            on_refused: None,
        }
    }

    /// The check that enforces `access` on its own: every policy admits
    /// this process's effective user and root.
    pub(crate) fn enforcing(access: &Access, on_refused: Option<RefusalHook>) -> Self {
        let me = rustix::process::geteuid().as_raw();
        let (extra_uids, group, admits) = match access {
            Access::AnyUser => return Self::everyone(),
            Access::CurrentUser => (Vec::new(), None, "the user it runs as"),
            Access::Group(group) => (Vec::new(), Some(group.0), "the members of one group"),
            Access::Users(users) => (
                users.iter().map(|user| user.0).collect(),
                None,
                "the users it lists",
            ),
        };
        let mut uids = vec![me, 0];
        uids.extend(extra_uids);
        uids.sort_unstable();
        uids.dedup();
        Self {
            rule: Rule::Only {
                uids,
                group,
                admits,
            },
            on_refused,
        }
    }

    /// Whether the peer of `fd` is admitted; if not, why, in words for the
    /// peer. A refusal is reported to the hook; a peer whose credentials
    /// cannot be read is refused.
    pub(crate) fn check(&self, fd: BorrowedFd<'_>) -> Result<(), String> {
        let Rule::Only {
            uids,
            group,
            admits,
        } = &self.rule
        else {
            return Ok(());
        };
        let credentials = peer_credentials(fd).unwrap_or_default();
        let admitted = credentials.uid.is_some_and(|uid| uids.contains(&uid))
            || group.is_some_and(|group| is_member(fd, &credentials, group));
        if admitted {
            return Ok(());
        }
        let who = match credentials.uid {
            Some(uid) => format!("uid {uid}"),
            None => "a client whose user cannot be read".to_owned(),
        };
        if let Some(hook) = &self.on_refused {
            hook(credentials);
        }
        // Names no user or group: the refused peer learns only which kind
        // of policy kept it out.
        Err(format!(
            "its access policy admits only {admits} (and the superuser), not {who}"
        ))
    }
}

/// Whether the peer's effective group, or (Linux) one of its supplementary
/// groups, is `group`.
fn is_member(fd: BorrowedFd<'_>, credentials: &Credentials, group: u32) -> bool {
    if credentials.gid == Some(group) {
        return true;
    }
    #[cfg(linux_like)]
    {
        peer_groups(fd).is_ok_and(|groups| groups.contains(&group))
    }
    #[cfg(not(linux_like))]
    {
        // Only Linux's abstract names are checked for a group, and elsewhere
        // the socket file's group does it; this is the effective gid alone.
        let _ = fd;
        false
    }
}

/// Checks, before anything is written, that the server at the other end of
/// `fd` runs as a user the client expects; `PermissionDenied` naming that
/// user otherwise.
pub(crate) fn check_server(
    fd: BorrowedFd<'_>,
    resolved: &Resolved,
    expected: &ExpectedServer,
) -> io::Result<()> {
    if *expected == ExpectedServer::AnyUser {
        return Ok(());
    }
    let uid = peer_credentials(fd)
        .map_err(|error| {
            crate::error::with_context(
                io::ErrorKind::PermissionDenied,
                format!("cannot tell who serves `{resolved}`, so refusing it: {error}"),
                error,
            )
        })?
        .uid;
    let Some(uid) = uid else {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("cannot tell who serves `{resolved}`, so refusing it"),
        ));
    };
    let (admitted, wanted) = match expected {
        ExpectedServer::CurrentUser => (
            is_current_user_or_superuser(uid),
            format!(
                "this user (uid {}) or root",
                rustix::process::geteuid().as_raw()
            ),
        ),
        ExpectedServer::User(user) => (uid == user.0, format!("uid {}", user.0)),
        ExpectedServer::AnyUser => (true, String::new()),
    };
    if admitted {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "refusing the server of `{resolved}`: it runs as uid {uid}, not as {wanted} \
             (another user may have taken the name; to accept it, \
             expect it with `ExpectedServer::user` or `ExpectedServer::any_user`)"
        ),
    ))
}
