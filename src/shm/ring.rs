//! The channel's memory: a header and two byte rings, one per direction,
//! read and written with the peer's values treated as untrusted input.
//!
//! Layout (all integers little-endian, as both ends run on one machine):
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `LIPCSHM1` |
//! | 8 | 4 | version (2) |
//! | 16 | 8 | capacity of each ring, a power of two |
//! | 256 + 1024 r | 8 | ring r: bytes written in all (its writer's) |
//! | 264 + 1024 r | 4 | ring r: writer closed (its writer's) |
//! | 512 + 1024 r | 8 | ring r: bytes read in all (its reader's) |
//! | 520 + 1024 r | 4 | ring r: reader closed (its reader's) |
//! | 768 + 1024 r | 8 | ring r: the reader's wait (its reader's) |
//! | 1024 + 1024 r | 8 | ring r: the writer's wait (its writer's) |
//! | 4096 + capacity r | capacity | ring r's bytes |
//!
//! Ring 0 carries the offering side's bytes, ring 1 the accepting side's.
//! Each side writes only its own words, keeps their values in private
//! memory and only publishes them: it never reads back a value the peer
//! could have changed and trusts it.
//!
//! A wait word is odd while its side waits for a bell and even otherwise,
//! and each announcement publishes a value never used before (the count of
//! announcements, doubled, plus one). The side that moves bytes rings once
//! for each odd value it sees: one bell per announcement, without writing
//! the waiter's word (version 1 cleared it, a read-modify-write on the
//! peer's word).
//! The peer's counts are read once per look, checked (never backwards,
//! never past the other count, never more than the capacity apart), and a
//! bad one breaks the channel with `InvalidData` for good.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::sys::shared_memory::{AtomicU32, AtomicU64, Region, current_cpu, fence};

pub(crate) const MAGIC: u64 = u64::from_le_bytes(*b"LIPCSHM1");
pub(crate) const VERSION: u32 = 2;
pub(crate) const HEADER_LEN: usize = 4096;
/// The smallest ring: a page (a few bytes in the model checker's runs,
/// whose cost grows with every byte).
pub(crate) const MIN_CAPACITY: usize = if cfg!(localipc_loom) { 4 } else { 4096 };
pub(crate) const MAX_CAPACITY: usize = 1 << 30;
/// The largest mapping a peer may hand over.
pub(crate) const MAX_LEN: usize = HEADER_LEN + 2 * MAX_CAPACITY;
/// The most bytes copied before the count is published: a large read or
/// write hands its bytes or room to the peer piece by piece, so the peer
/// works alongside instead of waiting for the whole copy (a reader taking a
/// full ring at once held its writer idle for the whole copy).
const PIECE: usize = 32 * 1024;

const OFF_MAGIC: usize = 0;
const OFF_VERSION: usize = 8;
const OFF_CAPACITY: usize = 16;
const fn ring_base(ring: usize) -> usize {
    256 + 1024 * ring
}
const WRITTEN: usize = 0;
const WRITER_CLOSED: usize = 8;
const READ: usize = 256;
const READER_CLOSED: usize = 264;
const READER_WAITS: usize = 512;
const WRITER_WAITS: usize = 768;
/// The CPU this ring's writer side last started a wait on, plus one (0:
/// not known). Each side writes only its outgoing ring's word; the peer's
/// value steers nothing but this side's spin (see [`Rings::peer_shares_cpu`]).
const SIDE_CPU: usize = 896;

/// The mapping length for rings of `capacity` bytes.
pub(crate) fn mapping_len(capacity: usize) -> usize {
    HEADER_LEN + 2 * capacity
}

/// Which end of the channel this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Created the memory: writes ring 0, reads ring 1.
    Offerer,
    /// Received the memory: writes ring 1, reads ring 0.
    Accepter,
}

/// What a waiting side waits for, in the ring it waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    /// Bytes to read in the incoming ring.
    Bytes,
    /// Room to write in the outgoing ring.
    Room,
}

/// The peer's waiter a move may have to wake: the reader of the ring this
/// side writes, or the writer of the ring this side reads.
#[derive(Clone, Copy, Debug)]
enum Waiter {
    Reader,
    Writer,
}

/// The outcome of a try: how many bytes moved (0: none could), and whether
/// the peer waits for a bell about it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Moved {
    pub(crate) bytes: usize,
    pub(crate) wake_peer: bool,
}

fn broken(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("shared memory channel broken: {what}"),
    )
}

/// One end's view of the two rings.
#[derive(Debug)]
pub(crate) struct Rings {
    region: Arc<Region>,
    capacity: u64,
    /// Offsets of the control block and of the bytes of each ring.
    tx_ctl: usize,
    tx_data: usize,
    rx_ctl: usize,
    rx_data: usize,
    /// Bytes this side wrote in all, and the peer's read count last seen.
    written: u64,
    seen_read: u64,
    /// Bytes this side read in all, and the peer's write count last seen.
    read: u64,
    /// This side's announcements so far, waiting for bytes and for room.
    announced: [u64; 2],
    /// The value of the peer's reader's and writer's wait words this side
    /// last rang for.
    rung: [u64; 2],
    seen_written: u64,
    broken: bool,
}

impl Rings {
    /// Writes a fresh header into `region` (zeroed, as new shared memory
    /// is) for rings of `capacity` bytes.
    pub(crate) fn format(region: &Region, capacity: usize) {
        region
            .u64_at(OFF_CAPACITY)
            .store(capacity as u64, Ordering::Relaxed);
        region.u32_at(OFF_VERSION).store(VERSION, Ordering::Relaxed);
        region.u64_at(OFF_MAGIC).store(MAGIC, Ordering::Release);
    }

    /// Reads and checks the header of memory the peer made: the capacity
    /// is read once, here, and kept.
    pub(crate) fn new(region: Arc<Region>, role: Role) -> io::Result<Self> {
        if region.len() < HEADER_LEN {
            return Err(broken("the memory is smaller than the header"));
        }
        if region.u64_at(OFF_MAGIC).load(Ordering::Acquire) != MAGIC {
            return Err(broken("no channel header in the memory"));
        }
        let version = region.u32_at(OFF_VERSION).load(Ordering::Relaxed);
        if version != VERSION {
            return Err(broken(&format!(
                "channel version {version}, expected {VERSION}"
            )));
        }
        let capacity = region.u64_at(OFF_CAPACITY).load(Ordering::Relaxed);
        let fits = usize::try_from(capacity).is_ok_and(|capacity| {
            capacity.is_power_of_two()
                && (MIN_CAPACITY..=MAX_CAPACITY).contains(&capacity)
                && mapping_len(capacity) <= region.len()
        });
        if !fits {
            return Err(broken(&format!(
                "ring capacity {capacity} does not fit {} bytes of memory",
                region.len()
            )));
        }
        let (tx, rx) = match role {
            Role::Offerer => (0, 1),
            Role::Accepter => (1, 0),
        };
        let data = |ring: usize| HEADER_LEN + ring * capacity as usize;
        Ok(Self {
            region,
            capacity,
            tx_ctl: ring_base(tx),
            tx_data: data(tx),
            rx_ctl: ring_base(rx),
            rx_data: data(rx),
            written: 0,
            seen_read: 0,
            read: 0,
            seen_written: 0,
            announced: [0; 2],
            rung: [0; 2],
            broken: false,
        })
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity as usize
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        self.region.u32_at(offset)
    }

    fn count(&self, offset: usize) -> &AtomicU64 {
        self.region.u64_at(offset)
    }

    fn check(&self) -> io::Result<()> {
        if self.broken {
            return Err(broken("an earlier check failed"));
        }
        Ok(())
    }

    /// Bytes waiting in the incoming ring, from a fresh look at the peer's
    /// count.
    fn readable(&mut self) -> io::Result<u64> {
        let seen = self.seen_written.wrapping_sub(self.read);
        if seen > 0 {
            return Ok(seen);
        }
        let written = self.count(self.rx_ctl + WRITTEN).load(Ordering::Acquire);
        let available = written.wrapping_sub(self.read);
        // Behind this side's count (backwards) wraps to a huge value too.
        if available > self.capacity {
            self.broken = true;
            return Err(broken("the peer's write count is out of bounds"));
        }
        self.seen_written = written;
        Ok(available)
    }

    /// Free bytes in the outgoing ring: from the peer's count last seen if
    /// that leaves room for `wanted`, else from a fresh look.
    fn writable(&mut self, wanted: u64) -> io::Result<u64> {
        let used_before = self.written.wrapping_sub(self.seen_read);
        if self.capacity - used_before >= wanted {
            return Ok(self.capacity - used_before);
        }
        let read = self.count(self.tx_ctl + READ).load(Ordering::Acquire);
        let used = self.written.wrapping_sub(read);
        if used > used_before {
            self.broken = true;
            return Err(broken("the peer's read count is out of bounds"));
        }
        self.seen_read = read;
        Ok(self.capacity - used)
    }

    /// Whether the peer's `waiter` (its reader's or writer's word) waits
    /// with an announcement this side has not rung for; if so, it is rung
    /// for now (the caller sends the bell).
    fn take_waiter(&mut self, waiter: Waiter) -> bool {
        // Orders this side's count, published just before, ahead of the
        // look at the word; the waiter's fence orders its word ahead of its
        // last look at the count. One of the two sees the other.
        fence(Ordering::SeqCst);
        let word = match waiter {
            Waiter::Reader => self.tx_ctl + READER_WAITS,
            Waiter::Writer => self.rx_ctl + WRITER_WAITS,
        };
        let wait = self.count(word).load(Ordering::Relaxed);
        let rung = &mut self.rung[waiter as usize];
        if wait % 2 == 1 && wait != *rung {
            *rung = wait;
            return true;
        }
        false
    }

    /// Bytes waiting in the incoming ring, from a fresh look at the peer's
    /// count, for a hint only: nothing is kept, and a count out of bounds
    /// reads as what was seen before (the next read checks it and breaks
    /// the channel).
    pub(crate) fn waiting_now(&self) -> u64 {
        let seen = self.seen_written.wrapping_sub(self.read);
        let written = self.count(self.rx_ctl + WRITTEN).load(Ordering::Acquire);
        let now = written.wrapping_sub(self.read);
        if now > self.capacity || now < seen {
            seen
        } else {
            now
        }
    }

    /// Copies up to `buf.len()` waiting bytes out of the incoming ring.
    pub(crate) fn try_read(&mut self, buf: &mut [u8]) -> io::Result<Moved> {
        self.check()?;
        let available = self.readable()?;
        let n = (available.min(buf.len() as u64)) as usize;
        if n == 0 {
            return Ok(Moved {
                bytes: 0,
                wake_peer: false,
            });
        }
        let mut done = 0;
        while done < n {
            let start = (self.read & (self.capacity - 1)) as usize;
            let len = (n - done).min(self.capacity as usize - start).min(PIECE);
            self.region
                .read_bytes(self.rx_data + start, &mut buf[done..done + len]);
            done += len;
            self.read = self.read.wrapping_add(len as u64);
            self.count(self.rx_ctl + READ)
                .store(self.read, Ordering::Release);
        }
        let wake_peer = self.take_waiter(Waiter::Writer);
        Ok(Moved {
            bytes: n,
            wake_peer,
        })
    }

    /// Copies as much of `buf` as fits into the outgoing ring.
    pub(crate) fn try_write(&mut self, buf: &[u8]) -> io::Result<Moved> {
        self.check()?;
        let free = self.writable(buf.len() as u64)?;
        let n = (free.min(buf.len() as u64)) as usize;
        if n == 0 {
            return Ok(Moved {
                bytes: 0,
                wake_peer: false,
            });
        }
        let mut done = 0;
        while done < n {
            let start = (self.written & (self.capacity - 1)) as usize;
            let len = (n - done).min(self.capacity as usize - start).min(PIECE);
            self.region
                .write_bytes(self.tx_data + start, &buf[done..done + len]);
            done += len;
            self.written = self.written.wrapping_add(len as u64);
            self.count(self.tx_ctl + WRITTEN)
                .store(self.written, Ordering::Release);
        }
        let wake_peer = self.take_waiter(Waiter::Reader);
        Ok(Moved {
            bytes: n,
            wake_peer,
        })
    }

    /// Bytes of the outgoing ring the peer has not read yet, from a fresh
    /// look at its count (a bad count reads as none: the next write
    /// checks it and breaks the channel).
    pub(crate) fn unread_out(&self) -> u64 {
        let read = self.count(self.tx_ctl + READ).load(Ordering::Acquire);
        let unread = self.written.wrapping_sub(read);
        if unread > self.capacity { 0 } else { unread }
    }

    /// Whether the peer, when it last started a wait, ran on the CPU this
    /// side runs on now; records this side's CPU for the peer's same
    /// question. Spinning on a CPU the peer needs only delays it. The
    /// answer is a hint: the peer may have moved since, or lie, which costs
    /// nothing but the spin's choice.
    pub(crate) fn peer_shares_cpu(&self) -> bool {
        let Some(cpu) = current_cpu() else {
            return false;
        };
        let mine = u64::from(cpu) + 1;
        let own = self.count(self.tx_ctl + SIDE_CPU);
        if own.load(Ordering::Relaxed) != mine {
            own.store(mine, Ordering::Relaxed);
        }
        self.count(self.rx_ctl + SIDE_CPU).load(Ordering::Relaxed) == mine
    }

    /// The word of this side's wait for `want`.
    fn wait_word(&self, want: Want) -> &AtomicU64 {
        match want {
            Want::Bytes => self.count(self.rx_ctl + READER_WAITS),
            Want::Room => self.count(self.tx_ctl + WRITER_WAITS),
        }
    }

    /// Announces that this side waits for `want` (it then looks once more
    /// before it sleeps), with a value of the word never used before. The
    /// fence orders the word ahead of that look; the peer's fence in
    /// [`take_waiter`](Self::take_waiter) orders its count ahead of its look
    /// at the word: one of the two sees the other.
    pub(crate) fn announce(&mut self, want: Want) {
        let announced = &mut self.announced[want as usize];
        *announced += 1;
        let value = 2 * *announced + 1;
        self.wait_word(want).store(value, Ordering::Relaxed);
        fence(Ordering::SeqCst);
    }

    /// Withdraws the announcement: the word even again.
    pub(crate) fn withdraw(&self, want: Want) {
        let value = 2 * self.announced[want as usize];
        self.wait_word(want).store(value, Ordering::Relaxed);
    }

    /// Whether the peer said it writes no more (everything it wrote before
    /// is visible once this is seen).
    pub(crate) fn peer_closed_writing(&self) -> bool {
        self.word(self.rx_ctl + WRITER_CLOSED)
            .load(Ordering::Acquire)
            != 0
    }

    /// Whether the peer said it reads no more.
    pub(crate) fn peer_closed_reading(&self) -> bool {
        self.word(self.tx_ctl + READER_CLOSED)
            .load(Ordering::Acquire)
            != 0
    }

    /// Says this side writes no more; true if the peer waits for a bell.
    pub(crate) fn close_writing(&mut self) -> bool {
        self.word(self.tx_ctl + WRITER_CLOSED)
            .store(1, Ordering::Release);
        self.take_waiter(Waiter::Reader)
    }

    /// Says this side reads no more; true if the peer waits for a bell.
    pub(crate) fn close_reading(&mut self) -> bool {
        self.word(self.rx_ctl + READER_CLOSED)
            .store(1, Ordering::Release);
        self.take_waiter(Waiter::Writer)
    }
}

/// The two ends of a fresh channel with rings of `capacity` bytes, over the
/// model checker's memory: the words of the layout and the rings' bytes.
#[cfg(all(test, localipc_loom))]
pub(crate) fn model_pair(capacity: usize) -> (Rings, Rings) {
    let mut u64s = vec![OFF_MAGIC, OFF_CAPACITY];
    let mut u32s = vec![OFF_VERSION];
    for ring in 0..2 {
        u64s.extend(
            [WRITTEN, READ, READER_WAITS, WRITER_WAITS, SIDE_CPU].map(|at| ring_base(ring) + at),
        );
        u32s.extend([WRITER_CLOSED, READER_CLOSED].map(|at| ring_base(ring) + at));
    }
    let region = Region::model(mapping_len(capacity), HEADER_LEN, &u64s, &u32s);
    Rings::format(&region, capacity);
    let region = Arc::new(region);
    let offerer = Rings::new(Arc::clone(&region), Role::Offerer).expect("a valid header");
    let accepter = Rings::new(region, Role::Accepter).expect("a valid header");
    (offerer, accepter)
}

/// The ring logic against a peer that writes what it likes, over memory from
/// the heap: `cargo miri test --lib shm` checks these for undefined
/// behaviour.
#[cfg(all(test, not(localipc_loom)))]
mod tests {
    use super::*;

    fn pair(capacity: usize) -> (Arc<Region>, Rings, Rings) {
        let region = Arc::new(Region::heap(mapping_len(capacity)));
        Rings::format(&region, capacity);
        let offerer = Rings::new(Arc::clone(&region), Role::Offerer).unwrap();
        let accepter = Rings::new(Arc::clone(&region), Role::Accepter).unwrap();
        (region, offerer, accepter)
    }

    fn invalid(result: io::Result<Moved>) -> bool {
        matches!(result, Err(error) if error.kind() == io::ErrorKind::InvalidData)
    }

    #[test]
    fn a_side_learns_whether_the_peer_last_waited_on_its_cpu() {
        let (_region, offerer, accepter) = pair(MIN_CAPACITY);
        if current_cpu().is_none() {
            println!("skipped: this OS (or Miri) does not tell the current CPU");
            return;
        }
        // The peer never waited: nothing is known.
        assert!(!offerer.peer_shares_cpu());
        // The offerer recorded its CPU; the accepter, on the same thread,
        // finds it (unless the thread moved between the two calls).
        assert!((0..100).any(|_| offerer.peer_shares_cpu() | accepter.peer_shares_cpu()));
        // A value no CPU has steers nothing.
        for lie in [u64::MAX, 1 << 40] {
            offerer
                .count(offerer.tx_ctl + SIDE_CPU)
                .store(lie, Ordering::Relaxed);
            assert!(!accepter.peer_shares_cpu());
        }
    }

    #[test]
    fn bytes_wrap_around_at_every_offset() {
        let capacity = MIN_CAPACITY;
        let (_region, mut tx, mut rx) = pair(capacity);
        let step = if cfg!(miri) { 509 } else { 1 };
        let mut block = vec![0u8; capacity];
        let mut got = vec![0u8; capacity];
        let mut next = 0u8;
        for _ in (0..capacity).step_by(step) {
            for len in [step, capacity] {
                for byte in &mut block[..len] {
                    *byte = next;
                    next = next.wrapping_add(1);
                }
                assert_eq!(tx.try_write(&block[..len]).unwrap().bytes, len);
                assert_eq!(
                    tx.try_write(&[1]).unwrap().bytes,
                    if len == capacity { 0 } else { 1 }
                );
                let extra = usize::from(len != capacity);
                assert_eq!(
                    rx.try_read(&mut got[..len + extra]).unwrap().bytes,
                    len + extra
                );
                assert_eq!(got[..len], block[..len]);
            }
        }
    }

    #[test]
    fn a_copy_larger_than_a_piece_moves_every_byte_and_publishes_them_all() {
        let capacity = 4 * PIECE;
        let (region, mut tx, mut rx) = pair(capacity);
        // Start half a piece (and an odd byte count) before the end, so the
        // copies cross the end of the ring inside a piece.
        let lead = capacity - PIECE / 2 - 3;
        assert_eq!(tx.try_write(&vec![0; lead]).unwrap().bytes, lead);
        assert_eq!(rx.try_read(&mut vec![0; lead]).unwrap().bytes, lead);
        let block: Vec<u8> = (0..capacity).map(|i| (i % 251) as u8).collect();
        assert_eq!(tx.try_write(&block).unwrap().bytes, capacity);
        let total = (lead + capacity) as u64;
        let count = |offset| region.u64_at(ring_base(0) + offset).load(Ordering::Relaxed);
        assert_eq!(count(WRITTEN), total);
        let mut got = vec![0; capacity + 1];
        assert_eq!(rx.try_read(&mut got).unwrap().bytes, capacity);
        assert_eq!(got[..capacity], block[..]);
        assert_eq!(count(READ), total);
    }

    #[test]
    fn each_announcement_is_rung_for_once() {
        let (region, mut tx, mut rx) = pair(MIN_CAPACITY);
        let reader_wait = || {
            region
                .u64_at(ring_base(0) + READER_WAITS)
                .load(Ordering::Relaxed)
        };
        rx.announce(Want::Bytes);
        assert_eq!(reader_wait() % 2, 1, "odd while waiting");
        let moved = tx.try_write(b"ab").unwrap();
        assert!(moved.wake_peer);
        assert!(
            !tx.try_write(b"c").unwrap().wake_peer,
            "one bell per announcement"
        );
        rx.announce(Want::Bytes);
        assert!(
            tx.try_write(b"d").unwrap().wake_peer,
            "a new announcement, a new bell"
        );
        rx.withdraw(Want::Bytes);
        assert_eq!(reader_wait() % 2, 0, "even once withdrawn");
        assert!(!tx.try_write(b"e").unwrap().wake_peer);
        let mut buf = [0; 8];
        assert_eq!(rx.try_read(&mut buf).unwrap().bytes, 5);
        tx.announce(Want::Room);
        assert!(rx.try_read(&mut buf).unwrap().bytes == 0);
        tx.try_write(&[0; MIN_CAPACITY]).unwrap();
        assert!(rx.try_read(&mut buf).unwrap().wake_peer);
        tx.announce(Want::Room);
        assert!(rx.close_reading(), "the end rings for a waiting writer");
        assert!(tx.peer_closed_reading());
        assert!(!tx.close_writing());
        assert!(rx.peer_closed_writing());
    }

    #[test]
    fn a_write_count_out_of_bounds_breaks_the_channel_for_good() {
        let capacity = MIN_CAPACITY as u64;
        for bad in [capacity + 1, u64::MAX, 1 << 63] {
            let (region, _tx, mut rx) = pair(MIN_CAPACITY);
            // The offerer writes ring 0; the accepter reads it.
            region
                .u64_at(ring_base(0) + WRITTEN)
                .store(bad, Ordering::Relaxed);
            let mut buf = [0; 16];
            assert!(invalid(rx.try_read(&mut buf)), "{bad}");
            region
                .u64_at(ring_base(0) + WRITTEN)
                .store(0, Ordering::Relaxed);
            assert!(invalid(rx.try_read(&mut buf)), "still broken");
            assert!(invalid(rx.try_write(b"x")), "both ways");
        }
        // Backwards.
        let (region, mut tx, mut rx) = pair(MIN_CAPACITY);
        tx.try_write(&[1; 100]).unwrap();
        let mut buf = [0; 50];
        rx.try_read(&mut buf).unwrap();
        region
            .u64_at(ring_base(0) + WRITTEN)
            .store(10, Ordering::Relaxed);
        assert!(
            rx.try_read(&mut buf).is_ok(),
            "bytes seen before are still there"
        );
        assert!(invalid(rx.try_read(&mut buf)));
    }

    #[test]
    fn a_read_count_out_of_bounds_breaks_the_channel() {
        let capacity = MIN_CAPACITY as u64;
        for bad in [1, capacity + 1, u64::MAX] {
            let (region, mut tx, _rx) = pair(MIN_CAPACITY);
            // Fill the ring, so that the writer looks at the read count.
            tx.try_write(&vec![0; MIN_CAPACITY]).unwrap();
            region
                .u64_at(ring_base(0) + READ)
                .store(bad, Ordering::Relaxed);
            let result = tx.try_write(b"x");
            if bad <= capacity {
                // 1 is a fair answer (one byte read): room for one.
                assert_eq!(result.unwrap().bytes, 1, "{bad}");
                // Backwards from there is not.
                region
                    .u64_at(ring_base(0) + READ)
                    .store(0, Ordering::Relaxed);
                assert!(invalid(tx.try_write(b"x")));
            } else {
                assert!(invalid(result), "{bad}");
            }
        }
    }

    #[test]
    fn a_bad_header_is_refused() {
        let capacity = MIN_CAPACITY;
        let check = |edit: &dyn Fn(&Region)| {
            let region = Region::heap(mapping_len(capacity));
            Rings::format(&region, capacity);
            edit(&region);
            Rings::new(Arc::new(region), Role::Accepter)
                .unwrap_err()
                .kind()
        };
        let invalid = io::ErrorKind::InvalidData;
        assert_eq!(
            check(&|r| r.u64_at(OFF_MAGIC).store(7, Ordering::Relaxed)),
            invalid
        );
        assert_eq!(
            check(&|r| r.u32_at(OFF_VERSION).store(1, Ordering::Relaxed)),
            invalid
        );
        for bad in [0, 3000, 8192, 1 << 40, u64::MAX] {
            assert_eq!(
                check(&|r| r.u64_at(OFF_CAPACITY).store(bad, Ordering::Relaxed)),
                invalid
            );
        }
        let small = Region::heap(HEADER_LEN - 8);
        assert!(Rings::new(Arc::new(small), Role::Accepter).is_err());
    }

    /// A peer that writes random words everywhere in the header while this
    /// side reads and writes: every call returns (bytes or `InvalidData`),
    /// none panics, and every count it acts on stays within bounds.
    #[test]
    fn scribbles_never_panic() {
        let rounds = if cfg!(miri) { 200 } else { 20_000 };
        let (region, mut tx, mut rx) = pair(MIN_CAPACITY);
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut buf = vec![0; 3000];
        for _ in 0..rounds {
            let offset = (random() as usize % (HEADER_LEN / 8)) * 8;
            let value = match random() % 4 {
                0 => random(),
                1 => random() % 10_000,
                2 => u64::MAX - random() % 10,
                _ => 0,
            };
            region.u64_at(offset).store(value, Ordering::Relaxed);
            let _ = tx.try_write(&buf[..(random() % 3000) as usize]);
            let len = (random() % 3000) as usize;
            if let Ok(moved) = rx.try_read(&mut buf[..len]) {
                assert!(moved.bytes <= len);
            }
        }
    }
}
