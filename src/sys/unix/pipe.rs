//! Unnamed pipes on Unix: `pipe2(2)` where it exists, else `pipe(2)` + `FD_CLOEXEC`.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::io::{FdFlags, fcntl_getfd, fcntl_setfd};

use super::sigpipe;

/// The most one `read(2)`/`write(2)` is asked to move: Linux's own per-call
/// limit, and below the `INT_MAX` that Apple targets reject.
const MAX_RW: usize = 0x7fff_f000;
/// The smallest `IOV_MAX` of the supported Unixes.
const MAX_IOV: usize = 1024;

/// The read end of a pipe or FIFO.
#[derive(Debug)]
pub(crate) struct Receiver(OwnedFd);

/// The write end of a pipe or FIFO.
#[derive(Debug)]
pub(crate) struct Sender(OwnedFd);

/// Creates a pipe whose ends are both close-on-exec.
pub(crate) fn pipe() -> io::Result<(Sender, Receiver)> {
    let (read, write) = new_cloexec_pipe()?;
    Ok((Sender::from_owned(write), Receiver(read)))
}

#[cfg(not(no_pipe2))]
fn new_cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?)
}

/// These OSes have no `pipe2`: the flag is set right after creation, so a
/// `fork` in another thread in between could inherit the ends.
#[cfg(no_pipe2)]
fn new_cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = rustix::pipe::pipe()?;
    set_inheritable(read.as_fd(), false)?;
    set_inheritable(write.as_fd(), false)?;
    Ok((read, write))
}

/// Sets or clears `FD_CLOEXEC`.
pub(crate) fn set_inheritable(fd: BorrowedFd<'_>, inheritable: bool) -> io::Result<()> {
    let flags = fcntl_getfd(fd)?;
    let wanted = if inheritable {
        flags - FdFlags::CLOEXEC
    } else {
        flags | FdFlags::CLOEXEC
    };
    if wanted != flags {
        fcntl_setfd(fd, wanted)?;
    }
    Ok(())
}

/// Turns `O_NONBLOCK` on or off.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>, nonblocking: bool) -> io::Result<()> {
    Ok(rustix::io::ioctl_fionbio(fd, nonblocking)?)
}

/// Reads the capacity of the pipe, in bytes (`F_GETPIPE_SZ`).
#[cfg(linux_like)]
pub(crate) fn capacity(fd: BorrowedFd<'_>) -> io::Result<usize> {
    Ok(rustix::pipe::fcntl_getpipe_size(fd)?)
}

/// Asks for a capacity of at least `bytes` (`F_SETPIPE_SZ`); returns what the
/// kernel granted.
#[cfg(linux_like)]
pub(crate) fn set_capacity(fd: BorrowedFd<'_>, bytes: usize) -> io::Result<usize> {
    Ok(rustix::pipe::fcntl_setpipe_size(fd, bytes)?)
}

impl Receiver {
    pub(crate) fn from_owned(fd: OwnedFd) -> Self {
        Self(fd)
    }

    pub(crate) fn into_owned(self) -> OwnedFd {
        self.0
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(MAX_RW);
        Ok(rustix::io::read(&self.0, &mut buf[..len])?)
    }

    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        let count = bufs.len().min(MAX_IOV);
        Ok(rustix::io::readv(&self.0, &mut bufs[..count])?)
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        Ok(Self(self.0.try_clone()?))
    }
}

impl Sender {
    /// Wraps a writing descriptor, making sure writes to it cannot raise a
    /// fatal `SIGPIPE`.
    pub(crate) fn from_owned(fd: OwnedFd) -> Self {
        sigpipe::ensure_not_fatal();
        Self(fd)
    }

    pub(crate) fn into_owned(self) -> OwnedFd {
        self.0
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len().min(MAX_RW);
        Ok(rustix::io::write(&self.0, &buf[..len])?)
    }

    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let count = bufs.len().min(MAX_IOV);
        Ok(rustix::io::writev(&self.0, &bufs[..count])?)
    }

    pub(crate) fn try_clone(&self) -> io::Result<Self> {
        Ok(Self::from_owned(self.0.try_clone()?))
    }
}

macro_rules! fd_traits {
    ($($end:ty),*) => {$(
        impl AsFd for $end {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.0.as_fd()
            }
        }

        impl std::os::fd::AsRawFd for $end {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.0)
            }
        }
    )*};
}

fd_traits!(Sender, Receiver);
