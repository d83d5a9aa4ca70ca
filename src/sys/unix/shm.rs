//! Shared memory on Unix: an anonymous, sealed `memfd` where the OS has one
//! (Linux, Android, FreeBSD), else a POSIX shared memory object unlinked
//! the moment it exists. Either way no name outlives the call, so no other
//! process can open the memory: only the descriptor passed over the
//! authenticated socket reaches it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::time::Instant;

use rustix::event::{PollFd, PollFlags};
use rustix::mm::{MapFlags, ProtFlags};
use rustix::net::{RecvFlags, SendFlags};

use super::local_socket::ResourceStream;
use crate::sys::shared_memory::Region;

/// A `mmap` of shared memory, unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: a mapping is an address range owned by this value; unmapping it
// from another thread is fine.
unsafe impl Send for Mapping {}
// SAFETY: `&Mapping` gives no access to the memory.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the range was mapped by `map` and is unmapped only here;
        // every `Region` access borrows the region that owns this mapping,
        // so none outlives it.
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

/// The largest mapping whose pages are faulted in when it is mapped (Linux
/// and Android): every channel up to rings of 32 MiB. Page by page, the
/// first lap of a fresh channel took a fault per 4 KiB on each side (a
/// 4 MiB transfer in 4 KiB writes ran at a quarter of its later speed);
/// larger mappings, which only a program asking for them makes, fault
/// lazily, so a peer cannot make the other side commit gigabytes at once.
#[cfg(linux_like)]
const POPULATE_LIMIT: usize = 64 * 1024 * 1024 + 4096;

fn map(fd: BorrowedFd<'_>, len: usize) -> io::Result<Region> {
    #[cfg(linux_like)]
    let flags = if len <= POPULATE_LIMIT {
        MapFlags::SHARED | MapFlags::POPULATE
    } else {
        MapFlags::SHARED
    };
    #[cfg(not(linux_like))]
    let flags = MapFlags::SHARED;
    // SAFETY: a fresh shared mapping at an address the kernel picks: it
    // aliases no memory of this process.
    let ptr = unsafe {
        rustix::mm::mmap(
            std::ptr::null_mut(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            flags,
            fd,
            0,
        )?
    };
    let base =
        NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
    Ok(Region::from_mapping(base, len, Mapping { base, len }))
}

/// A new memory object of `len` bytes, sealed against resizing where the
/// OS can seal, and a mapping of it.
#[cfg(any(linux_like, target_os = "freebsd"))]
pub(crate) fn create(len: usize) -> io::Result<(OwnedFd, Region)> {
    use rustix::fs::{MemfdFlags, SealFlags};
    let fd = rustix::fs::memfd_create(
        "localipc-shm",
        MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
    )?;
    rustix::fs::ftruncate(&fd, len as u64)?;
    // Neither side can shrink it under the other's mapping (which would
    // make the other's next access a SIGBUS), nor undo that.
    rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)?;
    let region = map(fd.as_fd(), len)?;
    Ok((fd, region))
}

/// A new memory object of `len` bytes and a mapping of it: a POSIX shared
/// memory object opened exclusively under a fresh name with mode 0600 and
/// unlinked at once.
#[cfg(not(any(linux_like, target_os = "freebsd")))]
pub(crate) fn create(len: usize) -> io::Result<(OwnedFd, Region)> {
    use rustix::fs::Mode;
    use rustix::shm::OFlags;
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let fd = loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        // Apple allows 31 bytes in a name.
        let name = format!(
            "/lipc.{:x}.{:x}.{:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        match rustix::shm::open(
            name.as_str(),
            OFlags::CREATE | OFlags::EXCL | OFlags::RDWR,
            Mode::RUSR | Mode::WUSR,
        ) {
            Ok(fd) => {
                rustix::shm::unlink(name.as_str())?;
                break fd;
            }
            Err(rustix::io::Errno::EXIST) => continue,
            Err(error) => return Err(error.into()),
        }
    };
    rustix::fs::ftruncate(&fd, len as u64)?;
    let region = map(fd.as_fd(), len)?;
    Ok((fd, region))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("shared memory set-up: {what}"),
    )
}

/// Maps memory the peer sent, all of it, after checking that it is memory
/// that cannot shrink under the mapping. The size is the object's, at most
/// `max_len`.
pub(crate) fn open(fd: OwnedFd, max_len: usize) -> io::Result<Region> {
    #[cfg(any(linux_like, target_os = "freebsd"))]
    {
        use rustix::fs::SealFlags;
        // Only memfds (and shmem) have seals: anything else is refused here.
        let seals = rustix::fs::fcntl_get_seals(&fd)
            .map_err(|_| invalid("the descriptor is not sealable shared memory"))?;
        if !seals.contains(SealFlags::SHRINK) {
            return Err(invalid("the memory is not sealed against shrinking"));
        }
    }
    let stat = rustix::fs::fstat(&fd)?;
    let file_type = rustix::fs::FileType::from_raw_mode(stat.st_mode);
    if file_type != rustix::fs::FileType::RegularFile {
        return Err(invalid("the descriptor is not shared memory"));
    }
    let len = usize::try_from(stat.st_size).map_err(|_| invalid("negative size"))?;
    if len > max_len {
        return Err(invalid("the memory is larger than any channel"));
    }
    map(fd.as_fd(), len)
}

#[cfg(not(apple))]
const NO_SIGNAL: SendFlags = SendFlags::NOSIGNAL;
#[cfg(apple)]
const NO_SIGNAL: SendFlags = SendFlags::empty();

/// Wakes the peer: one byte on the socket, never waiting. A full socket
/// already holds bells the peer has not read, and a vanished peer is seen by
/// this side's next wait, so both errors are dropped: always true (a full
/// socket costs nothing to try again).
pub(crate) fn ring_bell(stream: &ResourceStream) -> bool {
    send_bell(stream.as_borrowed());
    true
}

/// [`ring_bell`] on any socket of a channel: the async front ends send
/// their bells with it, past the runtime's readiness, which may answer "not
/// now" for reasons of its own (Tokio's task budget) while the socket has
/// room; a bell dropped then would leave the peer asleep.
pub(crate) fn send_bell(socket: BorrowedFd<'_>) {
    loop {
        match rustix::net::send(socket, &[1], NO_SIGNAL | SendFlags::DONTWAIT) {
            Err(rustix::io::Errno::INTR) => continue,
            _ => return,
        }
    }
}

/// The socket's write timeout once the channel is set up: bells never wait
/// (`MSG_DONTWAIT`), so none.
pub(crate) const BELL_WRITE_TIMEOUT: Option<std::time::Duration> = None;

/// Waits for bells until `deadline`: `Ok(0)` when the peer is gone,
/// `TimedOut` once the deadline has passed. Interruptions and wake-ups
/// without bells wait on for the time left.
pub(crate) fn wait_bell(
    stream: &ResourceStream,
    buf: &mut [u8],
    deadline: Option<Instant>,
) -> io::Result<usize> {
    let Some(deadline) = deadline else {
        // The socket's own reads have no timeout once the channel is set up.
        loop {
            match stream.read(buf) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                result => return result,
            }
        }
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let timeout = rustix::event::Timespec {
            tv_sec: left.as_secs().try_into().unwrap_or(i64::MAX),
            tv_nsec: left.subsec_nanos().into(),
        };
        let socket = stream.as_borrowed();
        let mut fds = [PollFd::new(&socket, PollFlags::IN)];
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => continue,
            Ok(_) => {}
            Err(error) => return Err(error.into()),
        }
        if let Some(taken) = poll_bell(stream, buf)? {
            return Ok(taken);
        }
    }
}

/// Takes bells without waiting: `Some(0)` when the peer is gone, `None` when
/// there are none.
pub(crate) fn poll_bell(stream: &ResourceStream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        return match rustix::net::recv(stream.as_borrowed(), &mut *buf, RecvFlags::DONTWAIT) {
            Ok((n, _)) => Ok(Some(n)),
            Err(rustix::io::Errno::AGAIN) => Ok(None),
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::CONNRESET) => Ok(Some(0)),
            Err(error) => Err(error.into()),
        };
    }
}
