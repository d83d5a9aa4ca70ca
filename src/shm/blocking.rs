//! The blocking channel: the wait protocol ([`Wait`]) driven by spinning,
//! then by sleeping on the socket until a bell, the socket's end or the
//! call's deadline.

use std::io;
use std::time::{Duration, Instant};

use super::ring::{Rings, Want};
use super::wait::{self, Look, Wait, Woke};
use crate::sys::shared_memory::cpu_is_amd;

/// Room for the bells one wait takes at once.
pub(crate) const BELLS: usize = 64;

/// What the blocking channel needs of its socket.
pub(crate) trait Bell {
    /// Wakes the peer: one bell, sent without waiting. Dropped only if the
    /// socket already holds bells the peer has not taken. False once bells
    /// jam (the peer leaves them unread past a limit): ring no more.
    fn ring(&self) -> bool;

    /// Takes bells into `buf`, sleeping until some come, the socket ends
    /// (`Ok(0)`) or `deadline` passes ([`TimedOut`](io::ErrorKind::TimedOut)).
    /// Interruptions are retried within the deadline.
    fn wait(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize>;

    /// Takes bells without sleeping: `None` if there were none.
    fn poll(&self, buf: &mut [u8]) -> io::Result<Option<usize>>;
}

/// The most spin-loop hints between two looks of a spin.
const MAX_PAUSE: u32 = 16;
/// A spin yields the CPU at every this many looks.
const YIELD_EVERY: u32 = 16;

/// One wait's spin (see the module docs of `shm`, "Spinning and its
/// cost", for why it goes so).
#[derive(Debug)]
struct Spinner {
    end: Instant,
    /// Spin-loop hints before the next look: doubles up to [`MAX_PAUSE`].
    pause: u32,
    looks: u32,
    /// The peer last waited on this CPU: yield at every look.
    shares_cpu: bool,
}

impl Spinner {
    fn new(limit: Duration, shares_cpu: bool) -> Self {
        Self {
            end: Instant::now() + limit,
            pause: 1,
            looks: 0,
            shares_cpu,
        }
    }

    /// Waits a little before the next look; false once the spin is over
    /// (its limit or the call's deadline passed).
    fn pause(&mut self, deadline: Option<Instant>) -> bool {
        self.looks += 1;
        if self.shares_cpu || self.looks.is_multiple_of(YIELD_EVERY) {
            // Lets the peer run if it shares this CPU (pinned, or the
            // machine busy): spinning through its time slice would cost
            // the round trip twice the spin limit.
            std::thread::yield_now();
            return Instant::now() < self.end.min(deadline.unwrap_or(self.end));
        }
        for _ in 0..self.pause {
            std::hint::spin_loop();
        }
        self.pause = (self.pause * 2).min(MAX_PAUSE);
        true
    }
}

/// A writer sharing its CPU with the reader yields once it is this far
/// ahead, so the reader takes the bytes while they are in the core's cache
/// (`None`: never, it goes on until the ring is full). Each hand-over costs
/// two switches of the CPU, and whether the cache saves more than that
/// depends on the CPU, as measured with both processes on one CPU, 64 KiB
/// writes through the default 2 MiB rings:
///
/// * an Intel Xeon (December 2026): never yielding ran at 0.86× std's
///   `UnixStream`, yielding at 256 KiB at 1.3×;
/// * an AMD EPYC (Zen 4, December 2026): the other way round. Medians of
///   8 alternating runs of 16 GiB: 12.7 GB/s yielding at 256 KiB, 14.6 at
///   512 KiB, 15.9 never (another set: 15.8 at 512 KiB, 16.2 at 1 MiB,
///   17.0 at 1.5 MiB, 17.4 never); Zen's last-level cache hands lines back
///   to the core fast enough that fewer switches win.
fn yield_ahead() -> Option<u64> {
    const INTEL_MEASURED: u64 = 256 * 1024;
    if cpu_is_amd() {
        None
    } else {
        Some(INTEL_MEASURED)
    }
}

/// A spinning reader that finds fewer bytes than this waiting while the
/// writer is still writing lets it get this far ahead first. Reading right
/// behind a writer on another CPU takes every few KiB out of its cache
/// while it still writes next to them, and pulls its count's cache line at
/// every write: on an AMD EPYC (Zen 4) 4 KiB writes between two CPUs then
/// fell into a lockstep at 11–17 GB/s in a third of the bench's rounds,
/// against 21–33 GB/s without spinning.
const GATHER: usize = 64 * 1024;
/// The longest a read waits for a writer to get [`GATHER`] ahead.
const GATHER_FOR: Duration = Duration::from_micros(5);
/// Spin-loop hints between two looks while gathering.
const GATHER_PAUSE: u32 = 64;

/// A writer reads the CPU hint again at every this many writes (and at
/// every wait): where the OS has no cheap way to tell the current CPU
/// (`getcpu(2)` is a system call on some architectures) a write must not
/// pay one each time.
const CPU_CHECK_EVERY: u32 = 8;

/// How one call waits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Waiting {
    /// How long to retry before announcing the wait (`None`: not at all).
    pub(crate) spin: Option<Duration>,
    /// Fail with `WouldBlock` instead of sleeping.
    pub(crate) nonblocking: bool,
    /// The most the whole call may wait (`None`: no limit).
    pub(crate) timeout: Option<Duration>,
}

/// One end of a channel, for blocking calls.
#[derive(Debug)]
pub(crate) struct BlockingChannel<B> {
    rings: Rings,
    bell: B,
    /// The socket ended: the peer is gone.
    peer_gone: bool,
    write_shut: bool,
    /// The peer leaves its bells unread: ring no more.
    jammed: bool,
    /// Writes since the CPU hint was last read (see [`CPU_CHECK_EVERY`]).
    writes: u32,
    /// The peer last waited on this side's CPU, as last read.
    shares_cpu: bool,
}

impl<B: Bell> BlockingChannel<B> {
    pub(crate) fn new(rings: Rings, bell: B) -> Self {
        Self {
            rings,
            bell,
            peer_gone: false,
            write_shut: false,
            jammed: false,
            writes: 0,
            shares_cpu: false,
        }
    }

    pub(crate) fn rings(&self) -> &Rings {
        &self.rings
    }

    pub(crate) fn bell(&self) -> &B {
        &self.bell
    }

    /// Reads what is there, or waits as `how` says for bytes or the end.
    pub(crate) fn read(&mut self, buf: &mut [u8], how: &Waiting) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if how.spin.is_some() && !how.nonblocking && !self.shares_cpu {
            self.gather(buf.len());
        }
        self.drive(Want::Bytes, how, |rings, peer_gone, wait| {
            wait.read(rings, peer_gone, buf)
        })
    }

    /// Writes what fits, or waits as `how` says for room.
    pub(crate) fn write(&mut self, buf: &[u8], how: &Waiting) -> io::Result<usize> {
        if self.write_shut {
            return Err(wait::write_shut_error());
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let written = self.drive(Want::Room, how, |rings, peer_gone, wait| {
            wait.write(rings, peer_gone, buf)
        })?;
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(CPU_CHECK_EVERY) {
            self.shares_cpu = self.rings.peer_shares_cpu();
        }
        if self.shares_cpu && yield_ahead().is_some_and(|ahead| self.rings.unread_out() >= ahead) {
            // The reader needs this CPU to catch up: let it read these
            // bytes while they are still in the cache, rather than after
            // the ring is full, when the first of them are not.
            std::thread::yield_now();
        }
        Ok(written)
    }

    /// Lets a streaming writer get ahead before this side reads (see
    /// [`GATHER`]): while fewer than [`GATHER`] bytes (or `wanted`) wait
    /// and the writer's count still moves, it waits a little and looks
    /// again, for at most [`GATHER_FOR`]. Nothing waiting, or a count that
    /// stands still between two looks (a message, then a pause: a round
    /// trip), returns at once.
    fn gather(&self, wanted: usize) {
        let enough = GATHER.min(wanted) as u64;
        let mut waiting = self.rings.waiting_now();
        if waiting == 0 || waiting >= enough {
            return;
        }
        let end = Instant::now() + GATHER_FOR;
        loop {
            for _ in 0..GATHER_PAUSE {
                std::hint::spin_loop();
            }
            let now = self.rings.waiting_now();
            if now == waiting || now >= enough || Instant::now() >= end {
                return;
            }
            waiting = now;
        }
    }

    /// Ends this side's writing: the peer reads what was written, then the
    /// end.
    pub(crate) fn shutdown_write(&mut self) {
        if !self.write_shut {
            self.write_shut = true;
            let wake_peer = self.rings.close_writing();
            self.wake(wake_peer);
        }
    }

    fn wake(&mut self, wake_peer: bool) {
        if wake_peer && !self.jammed {
            self.jammed = !self.bell.ring();
        }
    }

    /// Runs the protocol with `look` until it moves bytes, ends, fails, or
    /// the call's deadline passes. The deadline is set when the first look
    /// finds nothing; bells, interruptions and spurious wake-ups never move
    /// it.
    fn drive(
        &mut self,
        want: Want,
        how: &Waiting,
        mut look: impl FnMut(&mut Rings, bool, &mut Wait) -> io::Result<Look>,
    ) -> io::Result<usize> {
        let mut wait = Wait::new(want);
        let mut deadline = None;
        let mut spin = how.spin.filter(|_| !how.nonblocking);
        let mut spinner = None;
        let mut polled = false;
        let mut bells = [0; BELLS];
        loop {
            match look(&mut self.rings, self.peer_gone, &mut wait)? {
                Look::Done(moved) => {
                    self.wake(moved.wake_peer);
                    return Ok(moved.bytes);
                }
                Look::Announce => {
                    let deadline = *deadline.get_or_insert_with(|| {
                        // Notes this side's CPU for the peer, spin or not.
                        self.shares_cpu = self.rings.peer_shares_cpu();
                        wait::deadline(how.timeout)
                    });
                    if let Some(limit) = spin {
                        let spinner =
                            spinner.get_or_insert_with(|| Spinner::new(limit, self.shares_cpu));
                        if !spinner.pause(deadline) {
                            spin = None;
                        }
                        continue;
                    }
                    if how.nonblocking {
                        // Once per call: a peer that rings without end cannot
                        // keep a nonblocking call busy.
                        if polled {
                            return Err(io::ErrorKind::WouldBlock.into());
                        }
                        polled = true;
                        if let Some(taken) = self.bell.poll(&mut bells).transpose() {
                            self.note(wait::woke(taken)?);
                        }
                        continue;
                    }
                    wait.announce(&mut self.rings);
                }
                Look::Sleep => {
                    let deadline = deadline.flatten();
                    match wait::woke(self.bell.wait(&mut bells, deadline)) {
                        Ok(woke) => {
                            self.note(woke);
                            wait.woke();
                        }
                        Err(error) => {
                            wait.withdraw(&self.rings);
                            if error.kind() == io::ErrorKind::TimedOut {
                                // A last look: bytes that came with the
                                // deadline are not a timeout.
                                if let Look::Done(moved) =
                                    look(&mut self.rings, self.peer_gone, &mut wait)?
                                {
                                    self.wake(moved.wake_peer);
                                    return Ok(moved.bytes);
                                }
                                let what = match want {
                                    Want::Bytes => "read",
                                    Want::Room => "write",
                                };
                                return Err(wait::timed_out(what, how.timeout));
                            }
                            return Err(error);
                        }
                    }
                }
            }
        }
    }

    fn note(&mut self, woke: Woke) {
        if woke == Woke::End {
            self.peer_gone = true;
        }
    }
}

impl<B> Drop for BlockingChannel<B> {
    fn drop(&mut self) {
        // The flags make the peer's next look see the end; its waits end
        // with the socket, which closes right after.
        self.rings.close_writing();
        self.rings.close_reading();
    }
}
