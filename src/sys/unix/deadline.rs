//! One time limit for a whole blocking call on a socket, however many
//! system calls it makes.
//!
//! The socket's own timeout (`SO_RCVTIMEO`, `SO_SNDTIMEO`) bounds one wait
//! and starts again with the next: a call that goes on after `EINTR`, or
//! after part of what it needs (a frame that arrives in pieces), would wait
//! the whole timeout again each time, and a peer that trickles bytes could
//! hold it forever. Linux and the BSDs even do this inside one `send(2)`:
//! each chunk of a large send waits up to the whole timeout for room.
//!
//! So a call keeps its own deadline. A receive blocks under the socket's
//! timeout in its first system call only (a receive returns as soon as
//! anything came); each later one first takes what is there without
//! waiting (`MSG_DONTWAIT`), and if nothing is, waits with `poll(2)` for
//! what is left of the call's time, which runs out as `TimedOut`. A send
//! with a timeout never waits in the kernel at all: it takes the room there
//! is, and `poll(2)` waits for more. The first system call of a call costs
//! a clock reading more, nothing else: the socket's timeout and mode are
//! asked only once a system call that may not wait finds nothing there
//! (whether a send has a timeout at all, its socket mirrors).

use std::io;
use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::net::sockopt::{self, Timeout};

/// The time limit of one blocking call on `fd` (see the module docs).
#[derive(Debug)]
pub(crate) struct Deadline<'fd> {
    fd: BorrowedFd<'fd>,
    /// The socket's timeout that bounds the call.
    timeout: Timeout,
    /// What `poll(2)` waits for: readability or room to write.
    ready: PollFlags,
    /// When the call started; `None` for a receive on a socket known to
    /// have no timeout, which never needs it.
    started: Option<Instant>,
    limit: Limit,
}

/// What a [`Deadline`] knows of its limit.
#[derive(Clone, Copy, Debug)]
enum Limit {
    /// A receive whose first system call, which may block under the
    /// socket's own timeout, was not made yet.
    First,
    /// The socket's timeout and mode are not read yet: system calls do
    /// not wait.
    Unread,
    /// The socket is nonblocking: nothing waits.
    Nonblocking,
    /// The socket blocks without a timeout: nothing bounds the call.
    Unbounded,
    /// The call's time is up at this instant.
    At(Instant),
}

impl<'fd> Deadline<'fd> {
    /// The clock of a receive starting now, bounded by the socket's read
    /// timeout (`SO_RCVTIMEO`) if it has one.
    pub(crate) fn receive(fd: BorrowedFd<'fd>) -> Self {
        Self::receive_timed(fd, true)
    }

    /// As [`receive`](Self::receive); `timed` false says that the socket
    /// has no read timeout as far as its owner set one, and the clock is
    /// not read (a timeout set behind the owner's back, through the
    /// descriptor, then bounds the receive from its first wait's end, at
    /// most twice the timeout in all).
    pub(crate) fn receive_timed(fd: BorrowedFd<'fd>, timed: bool) -> Self {
        Self {
            fd,
            timeout: Timeout::Recv,
            ready: PollFlags::IN,
            started: timed.then(Instant::now),
            limit: Limit::First,
        }
    }

    /// The clock of a send starting now. `bounded` says that the socket
    /// blocks and has a write timeout (`SO_SNDTIMEO`): the send's system
    /// calls then never wait in the kernel, and the timeout bounds the
    /// whole send. Otherwise they wait as the socket says.
    pub(crate) fn send(fd: BorrowedFd<'fd>, bounded: bool) -> Self {
        Self {
            fd,
            timeout: Timeout::Send,
            ready: PollFlags::OUT,
            started: Some(Instant::now()),
            limit: if bounded {
                Limit::Unread
            } else {
                Limit::Unbounded
            },
        }
    }

    /// Runs `op`, one system call of the call (told whether it must not
    /// wait: `MSG_DONTWAIT`), until it ends in something other than `EINTR`
    /// or, when it was told not to wait, `EAGAIN`; between tries, waits
    /// only for the time left of the call, and it is `TimedOut` once none
    /// is (see the module docs).
    pub(crate) fn run<T>(&mut self, mut op: impl FnMut(bool) -> io::Result<T>) -> io::Result<T> {
        loop {
            let dont_wait = match self.limit {
                Limit::First => {
                    self.limit = Limit::Unread;
                    false
                }
                Limit::Unbounded | Limit::Nonblocking => false,
                Limit::Unread | Limit::At(_) => true,
            };
            match op(dont_wait) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) if dont_wait && error.kind() == io::ErrorKind::WouldBlock => {}
                result => return result,
            }
            // Nothing there: wait for it, as long as the call may.
            if let Limit::Unread = self.limit {
                self.limit = self.read_limit()?;
            }
            match self.limit {
                Limit::At(limit) => self.wait_until(limit)?,
                Limit::Nonblocking => return Err(io::ErrorKind::WouldBlock.into()),
                // The next try blocks, as the socket says.
                _ => {}
            }
        }
    }

    /// Reads the socket's mode and timeout: when the call's time is up.
    fn read_limit(&self) -> io::Result<Limit> {
        let flags = rustix::fs::fcntl_getfl(self.fd)?;
        if flags.contains(rustix::fs::OFlags::NONBLOCK) {
            return Ok(Limit::Nonblocking);
        }
        let timeout = sockopt::socket_timeout(self.fd, self.timeout)?;
        Ok(timeout
            .and_then(|timeout| {
                self.started
                    .unwrap_or_else(Instant::now)
                    .checked_add(timeout)
            })
            .map_or(Limit::Unbounded, Limit::At))
    }

    /// Waits with `poll(2)` until the socket is ready for the call (or in
    /// error, which the call then reports), or `limit` passes: `TimedOut`.
    fn wait_until(&self, limit: Instant) -> io::Result<()> {
        // Longer waits are made in steps of this.
        const LONGEST_POLL: Duration = Duration::from_secs(24 * 60 * 60);
        loop {
            let left = limit.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out());
            }
            let left = left.min(LONGEST_POLL);
            let left = Timespec {
                tv_sec: left.as_secs() as _,
                tv_nsec: left.subsec_nanos() as _,
            };
            let mut fds = [PollFd::new(&self.fd, self.ready)];
            match rustix::event::poll(&mut fds, Some(&left)) {
                // Ready, or hung up or in error: the call says which.
                Ok(ready) if ready > 0 => return Ok(()),
                // Early by the clock's rounding, or a signal: wait again.
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(errno) => return Err(errno.into()),
            }
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the socket operation timed out")
}
