//! FIFOs: `mkfifo(3)` and `open(2)` of either end.

use std::ffi::CString;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{FileType, Mode, OFlags, RawMode};

use crate::sys::Direction;

/// `path` as a message shows it: every byte visible.
fn shown(path: &Path) -> crate::error::Escaped<'_> {
    crate::error::Escaped::new(path.as_os_str().as_bytes())
}

/// Creates a FIFO at `path` with permission bits `mode` (masked by the umask).
pub(crate) fn create(path: &Path, mode: u32) -> io::Result<()> {
    if mode & !0o7777 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("FIFO mode {mode:#o} has bits outside the permission bits 0o7777"),
        ));
    }
    let c_path = c_path(path)?;
    mkfifo(&c_path, mode as RawMode).map_err(|error| {
        let reason = match error.kind() {
            io::ErrorKind::AlreadyExists => "the path already exists".to_owned(),
            _ => error.to_string(),
        };
        io::Error::new(
            error.kind(),
            format!("cannot create FIFO `{}`: {reason}", shown(path)),
        )
    })
}

#[cfg(not(no_mkfifoat))]
fn mkfifo(path: &CString, mode: RawMode) -> io::Result<()> {
    Ok(rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path.as_c_str(),
        Mode::from_raw_mode(mode),
    )?)
}

#[cfg(no_mkfifoat)]
fn mkfifo(path: &CString, mode: RawMode) -> io::Result<()> {
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    if unsafe { libc::mkfifo(path.as_ptr(), mode as libc::mode_t) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Opens one end of the FIFO at `path`, close-on-exec.
pub(crate) fn open(path: &Path, direction: Direction, nonblocking: bool) -> io::Result<OwnedFd> {
    let c_path = c_path(path)?;
    let what = match direction {
        Direction::Read => "reading",
        Direction::Write => "writing",
    };
    let context = |error: io::Error| {
        io::Error::new(
            error.kind(),
            format!("cannot open FIFO `{}` for {what}: {error}", shown(path)),
        )
    };
    // Checked before opening, so that a path naming a device or a regular file
    // is never opened (opening can have side effects), and again on the open
    // descriptor, which is the answer that counts.
    let before = rustix::fs::stat(c_path.as_c_str()).map_err(|errno| context(errno.into()))?;
    ensure_fifo(before.st_mode).map_err(context)?;
    let mut flags = OFlags::CLOEXEC;
    flags |= match direction {
        Direction::Read => OFlags::RDONLY,
        Direction::Write => OFlags::WRONLY,
    };
    if nonblocking {
        flags |= OFlags::NONBLOCK;
    }
    let fd = match rustix::fs::open(c_path.as_c_str(), flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NXIO) => {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                format!(
                    "cannot open FIFO `{}` for writing without blocking: no process has it \
                     open for reading (ENXIO)",
                    shown(path)
                ),
            ));
        }
        Err(errno) => return Err(context(errno.into())),
    };
    let opened = rustix::fs::fstat(&fd).map_err(|errno| context(errno.into()))?;
    ensure_fifo(opened.st_mode).map_err(context)?;
    Ok(fd)
}

fn ensure_fifo(st_mode: RawMode) -> io::Result<()> {
    let kind = match FileType::from_raw_mode(st_mode) {
        FileType::Fifo => return Ok(()),
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a directory",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        _ => "some other kind of file",
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("the path is not a FIFO but {kind}"),
    ))
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("FIFO path `{}` contains a NUL byte", shown(path)),
        )
    })
}

/// Whether a FIFO read end that just read `Ok(0)` is really at the end:
/// false while no writer has opened the FIFO yet. Linux and Android tell the
/// two apart in `poll`: neither `POLLIN` nor `POLLHUP` until a writer has
/// come (and `POLLHUP` once every writer that came has gone). Other Unixes
/// are taken at their word.
#[cfg(async_front_end)]
pub(crate) fn end_is_real(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<bool> {
    if cfg!(not(linux_like)) {
        return Ok(true);
    }
    use rustix::event::{PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    rustix::event::poll(
        &mut fds,
        Some(&Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        }),
    )?;
    Ok(!fds[0].revents().is_empty())
}
