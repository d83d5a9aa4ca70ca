//! Shared-memory channels: a duplex byte stream between two processes
//! through rings in shared memory, set up over a local socket.
//!
//! A [`ShmStream`] reads and writes like a socket (`Read`, `Write`, `Ok(0)`
//! at the end, [`BrokenPipe`](std::io::ErrorKind::BrokenPipe) once the peer
//! is gone), but a read or write is a copy into or out of memory both
//! processes map: no system call while the other side keeps up. Large
//! writes move several times faster than through a socket, and with
//! spinning a small round trip takes a microsecond or two instead of tens.
//!
//! # When to choose it over a local socket
//!
//! * **Choose it** for bulk transfers between two processes (frames, tensors,
//!   logs, files), and for request/response traffic where latency matters
//!   more than a little CPU time.
//! * **Stay with a [local socket](crate::local_socket)** for many idle or
//!   mostly idle connections (each channel maps two rings, 2 × 2 MiB by
//!   default), when one side is not a localipc process, across users you do
//!   not trust to keep a protocol, or when you need descriptors or message
//!   boundaries.
//!
//! # How it works
//!
//! The client connects to a [`ShmListener`] (or any two processes call
//! [`ShmStream::offer`] and [`ShmStream::accept`] on the two ends of a
//! [`local_socket::ResourceStream`](crate::local_socket::ResourceStream)). The local
//! socket authenticates the peer with its usual defaults (a listener admits
//! its own user and the superuser; a client checks who serves the name),
//! carries the memory to the accepting side, and stays open:
//!
//! * **The memory** is anonymous: a sealed `memfd` on Linux, Android and
//!   FreeBSD (neither side can shrink it under the other's mapping), a POSIX
//!   shared-memory object unlinked the moment it is created on Apple systems
//!   (which hold it at its size), an unnamed section on Windows; other Unix
//!   systems, where a peer could shrink the memory, refuse channels (see
//!   below). No name exists that another process
//!   could open: only the descriptor or handle passed over the socket
//!   reaches it.
//! * **Waiting:** a side with nothing to read (or no room to write) spins
//!   for a while ([`Spin`], [`DEFAULT_SPIN`] by default), then announces its
//!   wait in the shared memory, looks once more, and sleeps in a read of the
//!   socket; the other side sends one byte (a bell) for each announcement
//!   it sees after moving bytes. Sleeping on the socket rather than on a
//!   futex means the end of the peer wakes the waiter at once (the OS
//!   closes its socket), and the async front ends wait on the socket with
//!   the runtime's reactor (bells are sent past it: a runtime's "not now"
//!   never drops one). The protocol is written once for every front end
//!   and model-checked with loom.
//! * **Timeouts are deadlines:** a read or write timeout, and the set-up
//!   timeout, bound the whole call; wake-ups that bring nothing (a peer
//!   ringing bells without moving bytes, a signal) never extend them.
//! * **The end:** when the peer drops its stream or dies, the reader gets
//!   everything written before, then `Ok(0)`; the writer gets `BrokenPipe`
//!   (at once after a drop; after a crash, once the ring is full and it would
//!   wait). Nothing hangs.
//!
//! # The peer is untrusted
//!
//! The peer can write any byte of the shared memory at any time. Every
//! value this side reads from it is read once, with an atomic load, and
//! checked: counts never go backwards, never pass each other, never lie more
//! than the ring's capacity apart; the capacity is read once at set-up and
//! checked against the size of the memory the OS reports. A bad value ends
//! the channel with [`InvalidData`](std::io::ErrorKind::InvalidData), for
//! good. Bytes are copied out of the ring into your buffer before you see
//! them; a hostile peer can change which bytes you get, never cause
//! undefined behaviour, an access outside the mapping, a panic or an endless
//! loop. Its bells can wake a waiting side as often as it likes, but not
//! hold a call past its timeout, nor an async task on the executor for
//! long (a poll yields after a few wake-ups that brought nothing).
//!
//! # Spinning and its cost
//!
//! A read or write that cannot proceed first retries for up to the spin
//! limit ([`Spin`], [`DEFAULT_SPIN`]: 50 µs), then announces its wait and
//! sleeps until the peer's bell; [`Spin::Off`] goes straight to sleep (a
//! wait then costs one system call on each side, as with a socket). The
//! spin is built so that it never does worse than not spinning:
//!
//! * **Looks that back off.** Between two looks at the ring the spin
//!   pauses, twice as long each time up to 16 spin-loop hints. A reader behind a busy writer then lets a few writes
//!   gather and takes them in one copy, instead of taking each write alone
//!   and pulling the cache line with the writer's count from under it at
//!   every write (which made the default spin lose to `Spin::Off` on small
//!   writes between two CPUs). A reply still finds the waiting side within
//!   a fraction of a microsecond.
//! * **A reader lets a streaming writer get ahead.** A spinning read that
//!   finds fewer than 64 KiB waiting while the writer's count still moves
//!   looks again a little later (for at most 5 µs) before it copies, so
//!   that it does not read right behind a writer on another CPU: that took
//!   every few KiB out of the writer's cache while it still wrote next to
//!   them, and 4 KiB writes fell into a lockstep at 11–17 GB/s in a third of
//!   the rounds, where `Spin::Off` ran at 21–33. A count that stands still
//!   between two looks (a message and then silence) is read at once, so a
//!   round trip costs no more. On an AMD EPYC (Zen 4, 11 rounds twice) the
//!   default spin's 4 KiB writes went from 1.03 and 0.96× `Spin::Off` to
//!   1.17 and 1.11×.
//! * **No spinning on the peer's CPU.** Each side notes, in the shared
//!   memory, the CPU it starts a wait on. A side whose peer last waited on
//!   the CPU it runs on (both pinned to one CPU, or a busy machine) yields
//!   that CPU at every look instead of spinning: the peer needs it to make
//!   the progress this side waits for. Otherwise the spin still yields
//!   every 16 looks, for a peer that moved onto this CPU since.
//!   The note is a hint; a peer that lies about it only changes this
//!   side's choice between spinning and yielding.
//! * **A writer ahead on a shared CPU yields, where that pays.** A write
//!   that leaves the peer 256 KiB or more to read, while the peer last
//!   waited on this CPU, yields it, so that the reader takes the bytes
//!   while they are still in the cache instead of after the ring is full
//!   (2 MiB, more than the per-core cache of many CPUs). On an Intel Xeon
//!   this took 64 KiB writes with both processes on one CPU from 0.9×
//!   std's `UnixStream` to 1.3×. On AMD CPUs it does the opposite (each
//!   hand-over costs two switches of the CPU, and Zen's last-level cache
//!   gives the bytes back fast): on an AMD EPYC (Zen 4) the same writes
//!   ran at 12.7 GB/s yielding at 256 KiB, 14.6 at 512 KiB and 15.9 never
//!   yielding, so there the writer goes on until the ring is full.
//! * **A limit.** A peer that takes longer than the limit to answer costs
//!   this side at most the limit in CPU time before it sleeps; the call's
//!   timeout bounds the spin too.
//!
//! Measured by `localipc-bench --family shm` on a 2-vCPU virtual machine
//! (Intel Xeon, 2026-12-07; medians of 5 rounds), 1-byte round trips and
//! the CPU time of both processes per round trip:
//!
//! | setting | unpinned | CPU per trip | both on one CPU | CPU per trip |
//! | --- | --- | --- | --- | --- |
//! | std `UnixStream` | 59 µs | 42 µs | 3.4 µs | 4.0 µs |
//! | default spin (50 µs) | 0.50 µs | 1.1 µs | 1.5 µs | 1.7 µs |
//! | `Spin::Off` | 60 µs | 44 µs | 2.5 µs | 3.2 µs |
//!
//! and throughput at least level with `Spin::Off`: 64 KiB writes at 15.6
//! against 15.2 GB/s on two CPUs, 14.7 against 9.9 on one (4 KiB writes:
//! 13.4 against 13.5, and 14.5 against 8.1). So with a peer that answers
//! promptly, spinning costs less CPU than sleeping; with a peer that takes
//! longer than the spin limit to answer, each wait burns up to the limit
//! in CPU before it sleeps. Choose `Spin::Off` for peers that are mostly
//! idle.
//!
//! # Example
//!
//! ```
//! use std::io::{Read, Write};
//! use localipc::local_socket::Name;
//! use localipc::shm::{ShmListener, ShmStream};
//!
//! let name = Name::namespaced(format!("localipc-doc-shm-{}.sock", std::process::id()))?;
//! let listener = ShmListener::bind(&name)?;
//! let client = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
//!     let mut stream = ShmStream::connect(&name)?;
//!     stream.write_all(b"ping")?;
//!     let mut answer = [0; 4];
//!     stream.read_exact(&mut answer)?;
//!     Ok(answer.to_vec())
//! });
//! let mut server = listener.accept()?;
//! let mut request = [0; 4];
//! server.read_exact(&mut request)?;
//! assert_eq!(&request, b"ping");
//! server.write_all(b"pong")?;
//! assert_eq!(client.join().unwrap()?, b"pong");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Platform-specific behavior
//!
//! * **Windows:** the section's handle crosses by `DuplicateHandle`, as
//!   for any [`local_socket::ResourceStream`](crate::local_socket::ResourceStream), and
//!   the bells travel on the named pipe as bare bytes once the set-up is
//!   done, outside the frames that carry handles (one write to ring, one
//!   read to take any number).
//! * **Linux and Android:** channels with rings up to 32 MiB are mapped with
//!   their pages faulted in at set-up (`MAP_POPULATE`), so the first lap
//!   does not take a page fault per 4 KiB on each side; larger ones fault
//!   as they are used.
//! * **Apple systems:** the memory is a POSIX shared-memory object, which
//!   XNU sizes once in its lifetime (a later `ftruncate` fails with
//!   `EINVAL`), so a peer cannot shrink it either. That is checked when a
//!   channel is set up, not assumed: each side asks the OS to give an
//!   object of its own the size it already has, and a success means the
//!   OS would let the peer shrink it.
//! * **Other Unix systems without memory seals** (NetBSD, OpenBSD,
//!   DragonFly, illumos, …): POSIX shared memory can be resized there, so a
//!   peer could shrink it under this side's mapping and crash this process
//!   with `SIGBUS`. The same check finds this, and setting up a channel
//!   (either side) fails with
//!   [`Unsupported`](std::io::ErrorKind::Unsupported), naming the OS.

#[cfg(any(async_front_end, localipc_loom))]
mod async_core;
mod blocking;
#[cfg(async_front_end)]
#[cfg_attr(docsrs, doc(cfg(any(feature = "tokio", feature = "smol"))))]
pub mod generic;
#[cfg(all(test, localipc_loom))]
mod model;
mod ring;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub mod smol;
mod stream;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;
mod wait;

use std::io;
use std::time::Duration;

use crate::local_socket::{Name, ResourceStream};

pub use stream::{ShmListener, ShmStream};

/// The default capacity of each ring: 2 MiB. Measured on a 2-vCPU AMD
/// EPYC virtual machine in November 2026 (21-round runs of the benchmark suite's shared-memory family, the two
/// sizes alternating), 64 KiB writes between processes on two CPUs reach
/// 3.8–4.6× std's `UnixStream` with 2 MiB rings against 2.5–2.9× with
/// 1 MiB (and 1.7–1.9× with 256 or 512 KiB): a larger ring absorbs the
/// moments either process is not running. With both processes on one CPU
/// it is 3.0–3.3× either way. (On an Intel Xeon one, December 2026, where
/// std's socket is faster, the 2 MiB rings give 2.5× unpinned and 1.3× on
/// one CPU.) Each channel maps two rings.
pub const DEFAULT_CAPACITY: usize = 2 * 1024 * 1024;

/// The default spin limit of a wait: 50 µs.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(50);

/// How long a read or write that cannot proceed retries before it sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spin {
    /// Sleep at once: the least CPU, the latency of a socket.
    Off,
    /// Retry for up to this long, keeping a CPU busy.
    For(Duration),
}

impl Default for Spin {
    fn default() -> Self {
        Spin::For(DEFAULT_SPIN)
    }
}

impl Spin {
    fn limit(self) -> Option<Duration> {
        match self {
            Spin::Off => None,
            Spin::For(limit) if limit.is_zero() => None,
            Spin::For(limit) => Some(limit),
        }
    }
}

/// Settings of a channel: the ring capacity (chosen by the offering side),
/// the spin, and a time limit on the set-up.
///
/// ```
/// use std::time::Duration;
/// use localipc::shm::{ShmOptions, Spin};
///
/// let mut options = ShmOptions::new();
/// options
///     .capacity(1 << 20)
///     .spin(Spin::For(Duration::from_micros(20)));
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct ShmOptions {
    capacity: usize,
    spin: Spin,
    setup_timeout: Option<Duration>,
}

impl Default for ShmOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ShmOptions {
    /// Defaults: [`DEFAULT_CAPACITY`], [`DEFAULT_SPIN`], a set-up timeout of
    /// 10 seconds.
    pub fn new() -> Self {
        Self {
            capacity: DEFAULT_CAPACITY,
            spin: Spin::default(),
            setup_timeout: Some(Duration::from_secs(10)),
        }
    }

    /// The capacity of each ring in bytes: a power of two from 4 KiB to
    /// 1 GiB (checked when the channel is set up). Only the offering side's
    /// (the client's) counts.
    pub fn capacity(&mut self, bytes: usize) -> &mut Self {
        self.capacity = bytes;
        self
    }

    /// How long a read or write that cannot proceed spins before it sleeps.
    /// Each side has its own.
    pub fn spin(&mut self, spin: Spin) -> &mut Self {
        self.spin = spin;
        self
    }

    /// How long the set-up may wait for the peer (`None`: no limit).
    pub fn setup_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.setup_timeout = timeout;
        self
    }

    pub(crate) fn checked_capacity(&self) -> io::Result<usize> {
        let capacity = self.capacity;
        if capacity.is_power_of_two()
            && (ring::MIN_CAPACITY..=ring::MAX_CAPACITY).contains(&capacity)
        {
            Ok(capacity)
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a ring capacity must be a power of two from 4 KiB to 1 GiB, not {capacity}"
                ),
            ))
        }
    }

    /// Connects to a [`ShmListener`] on `name` (with the local socket's
    /// default server check) and sets up a channel.
    ///
    /// # Errors
    ///
    /// As for [`Stream::connect`](crate::local_socket::Stream::connect);
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a bad capacity;
    /// [`InvalidData`](io::ErrorKind::InvalidData) if the server does not
    /// answer the set-up as a `ShmListener` does;
    /// [`TimedOut`](io::ErrorKind::TimedOut) if it does not answer within
    /// the set-up timeout; [`Unsupported`](io::ErrorKind::Unsupported) where
    /// the OS cannot keep a peer from shrinking the memory (see the
    /// platform notes of [the module](self)); the OS error if the memory
    /// cannot be made.
    pub fn connect(&self, name: &Name) -> io::Result<ShmStream> {
        self.checked_capacity()?;
        let stream = crate::local_socket::Stream::connect(name)?;
        self.offer(ResourceStream::new(stream)?)
    }

    /// Sets up a channel over a connected resource stream: makes the memory
    /// and sends it. The peer calls [`accept`](Self::accept).
    ///
    /// # Errors
    ///
    /// As for [`connect`](Self::connect), less its connection errors.
    pub fn offer(&self, stream: ResourceStream) -> io::Result<ShmStream> {
        ShmStream::offer_with(stream, self)
    }

    /// Sets up a channel over a connected resource stream: receives the
    /// memory, checks it and answers. The peer calls [`offer`](Self::offer).
    ///
    /// # Errors
    ///
    /// [`InvalidData`](io::ErrorKind::InvalidData) if the peer does not
    /// send one memory object with a valid header (the wrong protocol, a
    /// descriptor that is not sealed shared memory, a capacity that does not
    /// fit the memory); [`TimedOut`](io::ErrorKind::TimedOut) if it sends
    /// nothing within the set-up timeout;
    /// [`Unsupported`](io::ErrorKind::Unsupported) where the OS cannot keep
    /// a peer from shrinking the memory; the OS error of a receive or a
    /// mapping.
    pub fn accept(&self, stream: ResourceStream) -> io::Result<ShmStream> {
        ShmStream::accept_with(stream, self)
    }
}
