//! Handing chosen pipe ends to a child process.
//!
//! The ends stay close-on-exec in the parent the whole time, so a child that
//! another thread spawns concurrently never inherits them. Only in the forked
//! child, between `fork` and `exec`, is `FD_CLOEXEC` cleared on exactly the
//! handed descriptors; the environment variable tells the child their numbers.

use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{FileType, OFlags};
use rustix::io::{FdFlags, fcntl_setfd};

use super::pipe::set_inheritable;
use crate::sys::Direction;

/// A borrowed end, as the portable layer hands it down.
pub(crate) type BorrowedEnd<'a> = BorrowedFd<'a>;

/// Spawns `command` with each end inherited and its number stored in its variable.
pub(crate) fn spawn(
    command: &mut Command,
    ends: &[(&OsStr, BorrowedEnd<'_>)],
) -> io::Result<Child> {
    let fds: Vec<RawFd> = ends.iter().map(|(_, fd)| fd.as_raw_fd()).collect();
    for (var, fd) in ends {
        command.env(var, fd.as_raw_fd().to_string());
    }
    // The hook stays registered on `command` after this call; disarming it
    // makes any later spawn of the same command leave descriptors alone.
    let armed = Arc::new(AtomicBool::new(true));
    let hook_armed = Arc::clone(&armed);
    let hook = move || {
        if hook_armed.load(Ordering::Acquire) {
            for &fd in &fds {
                // SAFETY: the parent borrows every end for the duration of
                // `spawn`, and the forked child has a copy of its descriptor
                // table, so `fd` is open here.
                let fd = unsafe { BorrowedFd::borrow_raw(fd) };
                fcntl_setfd(fd, FdFlags::empty())?;
            }
        }
        Ok(())
    };
    // SAFETY: the hook runs between fork and exec, where only async-signal-safe
    // work is allowed: it reads an atomic, iterates a vector allocated before
    // the fork, and calls fcntl(2). It neither allocates nor takes locks.
    unsafe { command.pre_exec(hook) };
    let child = command.spawn();
    armed.store(false, Ordering::Release);
    child
}

/// Takes ownership of the descriptor whose number is `value`, checking that it
/// is an open pipe or FIFO end usable in `direction`, and makes it close-on-exec.
///
/// # Safety
///
/// `value` must name a descriptor that nothing else in this process owns.
pub(crate) unsafe fn claim(value: &OsStr, direction: Direction) -> io::Result<OwnedFd> {
    let raw: RawFd = value
        .to_str()
        .and_then(|text| text.parse().ok())
        .filter(|fd| *fd >= 0)
        .ok_or_else(|| invalid(format!("{value:?} is not a descriptor number")))?;
    // SAFETY: F_GETFD takes no pointer; on a number that is not an open
    // descriptor it only fails with EBADF.
    if unsafe { libc::fcntl(raw, libc::F_GETFD) } == -1 {
        return Err(invalid(format!("descriptor {raw} is not open")));
    }
    // SAFETY: `raw` is open (checked above) and the caller guarantees that
    // nothing else in this process owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    if let Err(error) = check_end(&fd, direction) {
        // Not a pipe end we were handed: give the number back untouched
        // instead of closing whatever it is.
        let _ = std::os::fd::IntoRawFd::into_raw_fd(fd);
        return Err(error);
    }
    set_inheritable(std::os::fd::AsFd::as_fd(&fd), false)?;
    Ok(fd)
}

fn check_end(fd: &OwnedFd, direction: Direction) -> io::Result<()> {
    let stat = rustix::fs::fstat(fd)?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::Fifo {
        return Err(invalid(format!(
            "descriptor {} is not a pipe",
            fd.as_raw_fd()
        )));
    }
    let access = rustix::fs::fcntl_getfl(fd)? & OFlags::RWMODE;
    let usable = match direction {
        Direction::Read => access != OFlags::WRONLY,
        Direction::Write => access != OFlags::RDONLY,
    };
    if !usable {
        return Err(invalid(format!(
            "descriptor {} is the wrong end of its pipe",
            fd.as_raw_fd()
        )));
    }
    Ok(())
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// An owned end, as claimed by a child.
pub(crate) type OwnedEnd = OwnedFd;
