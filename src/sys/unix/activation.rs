//! Socket activation: the descriptors a service manager hands this process
//! (systemd's `LISTEN_FDS` protocol; launchd's `launch_activate_socket` on
//! Apple systems), and the checks that turn one into a listener.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixListener;

use rustix::net::{AddressFamily, SocketAddrUnix, SocketType};

use super::local_socket::{Bound, Listener};
use super::socket_name::{Address, Resolved};
use crate::sys::Access;

/// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
const FIRST_FD: RawFd = 3;

/// What systemd names a descriptor that `LISTEN_FDNAMES` does not name.
const UNNAMED: &str = "unknown";

/// The three variables of the protocol.
const VARIABLES: [&str; 3] = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"];

/// Reads and unsets `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES`, and
/// takes the descriptors they pass to this process, close-on-exec, with
/// their names.
///
/// # Safety
///
/// No other thread reads or writes the environment during the call, and
/// no other code in this process owns the descriptors the variables name.
pub(crate) unsafe fn take() -> io::Result<Vec<(OwnedFd, String)>> {
    let [pid, count, names] = VARIABLES.map(std::env::var_os);
    for variable in VARIABLES {
        // SAFETY: the caller promises that no other thread reads or writes
        // the environment meanwhile.
        unsafe { std::env::remove_var(variable) };
    }
    let me = std::process::id();
    let Some((count, names)) = parse(pid, count, names, me)? else {
        return Ok(Vec::new());
    };
    // Nothing is allocated by the count before its descriptors are found
    // open: a count of two billion ends at the first closed one.
    let mut fds = Vec::new();
    for offset in 0..count {
        let raw = FIRST_FD + RawFd::try_from(offset).map_err(|_| too_many())?;
        // SAFETY: a borrow for the duration of these calls only; the caller
        // promises the descriptor is this process's and nothing else owns
        // it, and fcntl on a closed one fails with EBADF.
        let borrowed = unsafe { BorrowedFd::borrow_raw(raw) };
        rustix::io::fcntl_getfd(borrowed).map_err(|errno| {
            invalid(format!(
                "LISTEN_FDS passes descriptor {raw}, but it is not open: {}",
                io::Error::from(errno)
            ))
        })?;
        fds.push(raw);
    }
    let names = names.unwrap_or_else(|| vec![UNNAMED.to_owned(); fds.len()]);
    let taken = fds
        .into_iter()
        .zip(names)
        .map(|(raw, name)| {
            // SAFETY: the descriptor is open (checked above), and the caller
            // promises that no other code in this process owns it.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            (fd, name)
        })
        .collect::<Vec<_>>();
    for (fd, _) in &taken {
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)?;
    }
    Ok(taken)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn too_many() -> io::Error {
    invalid("LISTEN_FDS passes more descriptors than a process can have".to_owned())
}

/// What the variables say, for the process `me`: `None` when they pass
/// nothing to it (unset, or `LISTEN_PID` names another process), else how
/// many descriptors they pass from descriptor 3 and the name of each
/// (`None`: no `LISTEN_FDNAMES`, each is [`UNNAMED`]).
fn parse(
    pid: Option<OsString>,
    count: Option<OsString>,
    names: Option<OsString>,
    me: u32,
) -> io::Result<Option<(usize, Option<Vec<String>>)>> {
    let number = |variable: &str, value: &OsString| {
        value
            .to_str()
            .and_then(|text| text.parse::<u32>().ok())
            .ok_or_else(|| {
                invalid(format!(
                    "{variable} is {value:?}, which is not a non-negative decimal number"
                ))
            })
    };
    let Some(pid) = pid else {
        return Ok(None);
    };
    if number("LISTEN_PID", &pid)? != me {
        return Ok(None);
    }
    let Some(count) = count else {
        return Ok(None);
    };
    let count = number("LISTEN_FDS", &count)?;
    // Descriptors 3 to 3 + count - 1 must all be valid descriptor numbers.
    if i64::from(count) > i64::from(RawFd::MAX) - i64::from(FIRST_FD) {
        return Err(too_many());
    }
    let count = count as usize;
    let names = match names {
        None => None,
        Some(names) => {
            let text = names.into_string().map_err(|names| {
                invalid(format!("LISTEN_FDNAMES is {names:?}, which is not UTF-8"))
            })?;
            let names: Vec<String> = if text.is_empty() && count == 0 {
                Vec::new()
            } else {
                text.split(':').map(str::to_owned).collect()
            };
            if names.len() != count {
                return Err(invalid(format!(
                    "LISTEN_FDNAMES names {} descriptors ({text:?}), but LISTEN_FDS passes {count}",
                    names.len()
                )));
            }
            Some(names)
        }
    };
    Ok(Some((count, names)))
}

/// The Unix address `fd` is bound to, as a name would give it: whether it
/// is namespaced (Linux's abstract names), the name as given, and what it
/// resolves to. `None` if `fd` is not a Unix socket or has no name.
pub(crate) fn address(fd: BorrowedFd<'_>) -> Option<(bool, OsString, Resolved)> {
    let address = SocketAddrUnix::try_from(rustix::net::getsockname(fd).ok()?).ok()?;
    if let Some(path) = address.path_bytes().filter(|path| !path.is_empty()) {
        let path = std::ffi::OsStr::from_bytes(path);
        let resolved = Resolved {
            address: Address::Path(path.into()),
            private_dir: None,
        };
        return Some((false, path.to_owned(), resolved));
    }
    #[cfg(linux_like)]
    if let Some(name) = address.abstract_name() {
        let resolved = Resolved {
            address: Address::Abstract(name.to_vec()),
            private_dir: None,
        };
        return Some((true, std::ffi::OsStr::from_bytes(name).to_owned(), resolved));
    }
    None
}

/// A listener on the activated socket `fd` (described as `what` in
/// errors), for messages (`messages`) or streams, that checks each
/// connection against `access`: after checking that `fd` is a listening
/// Unix socket of the right type. It owns no socket file and puts the
/// socket in blocking mode.
pub(crate) fn listener(
    fd: OwnedFd,
    what: &str,
    access: &Access,
    messages: bool,
) -> io::Result<Listener> {
    check(fd.as_fd(), what, messages)?;
    rustix::io::ioctl_fionbio(&fd, false)?;
    Ok(Listener::from_parts(
        UnixListener::from(fd),
        Bound::checking(access),
    ))
}

/// Checks that `fd` is what a listener of messages (`messages`) or streams
/// needs.
fn check(fd: BorrowedFd<'_>, what: &str, messages: bool) -> io::Result<()> {
    let (wanted_type, needs) = match (messages, cfg!(messages_framed)) {
        (false, _) => (
            SocketType::STREAM,
            "a Listener needs a listening Unix stream socket",
        ),
        (true, false) => (
            SocketType::SEQPACKET,
            "a MessageListener needs a listening Unix socket of type SOCK_SEQPACKET",
        ),
        (true, true) => (
            SocketType::STREAM,
            "a MessageListener needs a listening Unix stream socket (messages are framed \
             over SOCK_STREAM on this OS)",
        ),
    };
    let wrong = |is: String| invalid(format!("{what} is {is}; {needs}"));
    let socket_type = match rustix::net::sockopt::socket_type(fd) {
        Ok(socket_type) => socket_type,
        Err(rustix::io::Errno::NOTSOCK) => return Err(wrong(not_a_socket(fd))),
        Err(errno) => {
            let error = io::Error::from(errno);
            return Err(crate::error::with_context(
                error.kind(),
                format!("cannot check {what}: {error}"),
                error,
            ));
        }
    };
    let family = rustix::net::getsockname(fd).map(|address| address.address_family())?;
    if family != AddressFamily::UNIX {
        return Err(wrong(format!("a socket of another family ({family:?})")));
    }
    if socket_type != wanted_type {
        return Err(wrong(format!("a {} socket", type_in_words(socket_type))));
    }
    if !listening(fd)? {
        return Err(wrong(format!(
            "a {} socket that is not listening",
            type_in_words(socket_type)
        )));
    }
    Ok(())
}

/// `SO_ACCEPTCONN`.
#[cfg(not(apple))]
fn listening(fd: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(rustix::net::sockopt::socket_acceptconn(fd)?)
}

/// Apple systems define `SO_ACCEPTCONN` but do not answer it: the error of
/// the first accept says.
#[cfg(apple)]
fn listening(_fd: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(true)
}

fn type_in_words(socket_type: SocketType) -> String {
    match socket_type {
        SocketType::STREAM => "stream (SOCK_STREAM)".to_owned(),
        SocketType::SEQPACKET => "sequenced-packet (SOCK_SEQPACKET)".to_owned(),
        SocketType::DGRAM => "datagram (SOCK_DGRAM)".to_owned(),
        other => format!("type {}", other.as_raw()),
    }
}

/// What a descriptor that is no socket is, in words.
fn not_a_socket(fd: BorrowedFd<'_>) -> String {
    use rustix::fs::FileType;
    let kind = match rustix::fs::fstat(fd).map(|stat| FileType::from_raw_mode(stat.st_mode)) {
        Ok(FileType::Fifo) => "a pipe or FIFO",
        Ok(FileType::RegularFile) => "a regular file",
        Ok(FileType::Directory) => "a directory",
        Ok(FileType::CharacterDevice) => "a character device",
        Ok(_) => "a file of another kind",
        Err(_) => "a descriptor of unknown kind",
    };
    format!("{kind}, not a socket")
}

/// `launch_activate_socket(3)`: the descriptors launchd holds for the
/// socket `name` of this job's `Sockets` dictionary, close-on-exec.
#[cfg(apple)]
pub(crate) fn launchd(name: &str) -> io::Result<Vec<OwnedFd>> {
    use std::ffi::{CString, c_char, c_int};

    unsafe extern "C" {
        fn launch_activate_socket(
            name: *const c_char,
            fds: *mut *mut c_int,
            cnt: *mut usize,
        ) -> c_int;
    }

    let c_name = CString::new(name)
        .map_err(|_| invalid(format!("launchd socket name {name:?} contains a NUL byte")))?;
    let mut fds: *mut c_int = std::ptr::null_mut();
    let mut count: usize = 0;
    // SAFETY: `c_name` is a NUL-terminated string and both out-pointers
    // refer to live locals, as launch_activate_socket(3) requires.
    let status = unsafe { launch_activate_socket(c_name.as_ptr(), &mut fds, &mut count) };
    if status != 0 {
        let error = io::Error::from_raw_os_error(status);
        let message = match status {
            libc::ESRCH => format!(
                "cannot take launchd socket {name:?}: this process is not managed by launchd"
            ),
            libc::ENOENT => format!(
                "cannot take launchd socket {name:?}: this job's Sockets dictionary has no \
                 entry of that name"
            ),
            libc::EALREADY => {
                format!("cannot take launchd socket {name:?}: this process has already taken it")
            }
            _ => format!("cannot take launchd socket {name:?}: {error}"),
        };
        return Err(crate::error::with_context(error.kind(), message, error));
    }
    let raw_fds: Vec<c_int> = if fds.is_null() || count == 0 {
        Vec::new()
    } else {
        // SAFETY: on success `fds` points to `count` descriptors, in an
        // array that stays allocated until the free below.
        unsafe { std::slice::from_raw_parts(fds, count) }.to_vec()
    };
    if !fds.is_null() {
        // SAFETY: the array was allocated with malloc for the caller, who
        // frees it once (launch_activate_socket(3)); nothing refers to it
        // any more.
        unsafe { libc::free(fds.cast()) };
    }
    let mut taken = Vec::with_capacity(raw_fds.len());
    for raw in raw_fds {
        if raw < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("launchd returned the invalid descriptor {raw} for socket {name:?}"),
            ));
        }
        // SAFETY: launchd hands each descriptor to the caller, and nothing
        // else in this process owns it: a second activation of the same
        // name fails with EALREADY.
        taken.push(unsafe { OwnedFd::from_raw_fd(raw) });
    }
    for fd in &taken {
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)?;
    }
    Ok(taken)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::io::ErrorKind;

    use super::parse;

    fn os(text: &str) -> Option<OsString> {
        Some(OsString::from(text))
    }

    #[test]
    fn no_variables_pass_nothing() {
        assert_eq!(parse(None, None, None, 7).unwrap(), None);
    }

    #[test]
    fn another_process_is_passed_nothing() {
        assert_eq!(parse(os("8"), os("1"), None, 7).unwrap(), None);
    }

    #[test]
    fn names_default_to_unknown() {
        // Named when taken, once the descriptors are found open.
        assert_eq!(parse(os("7"), os("2"), None, 7).unwrap(), Some((2, None)));
    }

    #[test]
    fn names_come_from_listen_fdnames() {
        let (count, names) = parse(os("7"), os("2"), os("a:b"), 7).unwrap().unwrap();
        assert_eq!(
            (count, names.unwrap()),
            (2, vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn malformed_values_are_invalid_input() {
        for (pid, count, names) in [
            ("x", "1", None),
            ("7", "one", None),
            ("7", "-1", None),
            ("7", "2", os("a")),
            ("7", "1", os("a:b")),
            ("7", "4294967295", None),
        ] {
            let error = parse(os(pid), os(count), names, 7).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        }
    }
}
