//! The wait protocol of a channel, written once for every way of waiting.
//!
//! A side that cannot move bytes (nothing to read, no room to write)
//! announces its wait in the shared memory, looks at the ring once more, and
//! only then sleeps until a bell or the end of the socket. The side that
//! moves bytes publishes its count, then takes the announcement if it is up
//! and rings one bell. A fence on each side between its store and its look
//! means one of the two sees the other (see [`Rings::announce`]): either the
//! waiter's last look finds the bytes, or the mover finds the announcement.
//! Three rules keep it so, and every read, write and shutdown of every front
//! end goes through [`Wait`] to keep them:
//!
//! 1. **Announce, then look, then sleep**: [`Look::Announce`] comes before a
//!    side may sleep, and the look after it before [`Look::Sleep`].
//! 2. **A woken side announces again** before it sleeps again
//!    ([`Wait::woke`]): the bell took the announcement.
//! 3. **A bell is dropped only when the socket already holds bells the peer
//!    has not taken** (the bell transports in `sys`): a runtime's "not now"
//!    must never swallow one.
//!
//! The async driver adds one more: its waker is registered before the look
//! that precedes a sleep. The model checker (`model.rs`, under
//! `--cfg localipc_loom`) explores the interleavings of these rules over the
//! real rings.

use std::io;
use std::time::{Duration, Instant};

use super::ring::{Moved, Rings, Want};

/// What the driver of a wait does next.
#[derive(Debug)]
pub(crate) enum Look {
    /// Bytes moved, or the end (a read of 0 bytes after the peer's end).
    Done(Moved),
    /// Nothing to move and no announcement up: the driver may spin, must
    /// get ready to be woken (an async driver registers its waker), then
    /// calls [`Wait::announce`] and looks again.
    Announce,
    /// Nothing to move after the announcement: sleep until a bell or the
    /// end of the socket, then [`Wait::woke`] and look again.
    Sleep,
}

/// One side's wait for one direction: whether its announcement is up.
#[derive(Debug)]
pub(crate) struct Wait {
    want: Want,
    /// Announced since the last wake-up: the next empty look sleeps.
    armed: bool,
    /// The flag may be up in the memory (withdrawn when the wait ends).
    up: bool,
}

impl Wait {
    pub(crate) fn new(want: Want) -> Self {
        Self {
            want,
            armed: false,
            up: false,
        }
    }

    /// Looks for bytes to read into `buf`. After the peer's end (its
    /// socket closed, or it shut down writing) every byte it wrote is
    /// visible, so the read then takes what is left and ends with 0.
    pub(crate) fn read(
        &mut self,
        rings: &mut Rings,
        peer_gone: bool,
        buf: &mut [u8],
    ) -> io::Result<Look> {
        debug_assert_eq!(self.want, Want::Bytes);
        let moved = rings.try_read(buf);
        if !matches!(moved, Ok(Moved { bytes: 0, .. })) {
            self.withdraw(rings);
            return moved.map(Look::Done);
        }
        if peer_gone || rings.peer_closed_writing() {
            self.withdraw(rings);
            return rings.try_read(buf).map(Look::Done);
        }
        Ok(self.empty())
    }

    /// Looks for room to write `buf`. A peer that is gone or reads no more
    /// makes it fail with `BrokenPipe`.
    pub(crate) fn write(
        &mut self,
        rings: &mut Rings,
        peer_gone: bool,
        buf: &[u8],
    ) -> io::Result<Look> {
        debug_assert_eq!(self.want, Want::Room);
        if peer_gone || rings.peer_closed_reading() {
            self.withdraw(rings);
            return Err(peer_gone_error());
        }
        let moved = rings.try_write(buf);
        if !matches!(moved, Ok(Moved { bytes: 0, .. })) {
            self.withdraw(rings);
        }
        moved.map(|moved| {
            if moved.bytes == 0 {
                self.empty()
            } else {
                Look::Done(moved)
            }
        })
    }

    fn empty(&self) -> Look {
        if self.armed {
            Look::Sleep
        } else {
            Look::Announce
        }
    }

    /// Puts the announcement up (rule 1): the next look decides whether to
    /// sleep.
    pub(crate) fn announce(&mut self, rings: &mut Rings) {
        rings.announce(self.want);
        self.armed = true;
        self.up = true;
    }

    /// A bell came or the socket woke: the peer may have taken the
    /// announcement, so the next empty look announces again (rule 2).
    pub(crate) fn woke(&mut self) {
        self.armed = false;
    }

    /// Ends the wait: takes the announcement down if it may be up.
    pub(crate) fn withdraw(&mut self, rings: &Rings) {
        if self.up {
            rings.withdraw(self.want);
            self.up = false;
        }
        self.armed = false;
    }
}

/// What a wait for bells ended with.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Woke {
    /// Bells came (or the socket woke with nothing): look again.
    Bells,
    /// The socket ended: the peer is gone.
    End,
}

/// Reads the result of taking bells off the socket: `Ok(0)`, a reset and a
/// broken pipe all mean the peer is gone.
pub(crate) fn woke(taken: io::Result<usize>) -> io::Result<Woke> {
    match taken {
        Ok(0) => Ok(Woke::End),
        Ok(_) => Ok(Woke::Bells),
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ) =>
        {
            Ok(Woke::End)
        }
        Err(error) => Err(error),
    }
}

pub(crate) fn peer_gone_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the peer of the shared memory channel is gone or reads no more",
    )
}

pub(crate) fn write_shut_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "writing was shut down on this side",
    )
}

/// The point in time `timeout` from now (`None`: never, as for a timeout
/// too far away for the clock).
pub(crate) fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|timeout| Instant::now().checked_add(timeout))
}

pub(crate) fn timed_out(what: &str, timeout: Option<Duration>) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "the shared memory channel's {what} timed out after {:?}",
            timeout.unwrap_or_default()
        ),
    )
}
