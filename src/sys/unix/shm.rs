//! Shared memory on Unix: an anonymous, sealed `memfd` where the OS has one
//! (Linux, Android, FreeBSD), else a POSIX shared memory object unlinked
//! the moment it exists, used only where the OS holds it at its size (Apple
//! systems; elsewhere channels are refused). Either way no name outlives
//! the call, so no other process can open the memory: only the descriptor
//! passed over the authenticated socket reaches it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::time::Instant;

use rustix::event::{PollFd, PollFlags};
use rustix::mm::{MapFlags, ProtFlags};
use rustix::net::{RecvFlags, SendFlags};

use super::local_socket::ResourceStream;
use crate::sys::shared_memory::{Mapping, Region};

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
    // SAFETY: `base` is the start of the `len` bytes just mapped, which
    // nothing else unmaps.
    let mapping = unsafe { Mapping::new(base, len) };
    Region::from_mapping(base, len, mapping)
}

/// A new memory object of `len` bytes, sealed against resizing, and a
/// mapping of it.
#[cfg(not(shm_unsealed))]
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

/// Whether channels can be set up here, asked before the accepting side
/// waits for the peer's memory. With seals, always: `open` checks them on
/// the memory itself.
#[cfg(not(shm_unsealed))]
pub(crate) fn check_support() -> io::Result<()> {
    Ok(())
}

// Without seals, a peer could `ftruncate` the memory smaller after this side
// mapped it, and this side's next access would be a SIGBUS: a crash the peer
// causes. So memory is used only where the OS itself holds a POSIX shared
// memory object at the size it was first given, and that is asked of the OS
// at run time rather than assumed from a list of systems: the memory is
// sized, then asked to take the size it already has (`holds_its_size`).
// Where resizing is allowed that changes nothing and succeeds, and channels
// are refused (`Unsupported`). XNU (Apple systems) sizes an object once in
// its lifetime: `pshm_truncate` fails with EINVAL for one already sized,
// which is the guarantee. On NetBSD, OpenBSD, DragonFly and illumos POSIX
// shared memory is a file (in a tmpfs or /tmp) that `ftruncate` resizes, so
// channels are refused there, as on Linux under `--cfg
// localipc_unsealed_shm`, which CI uses to run this path.

/// The size of the object that `check_support` asks about.
#[cfg(shm_unsealed)]
const PROBE_LEN: usize = 4096;

/// The error of a system that cannot keep the peer from shrinking the
/// memory.
#[cfg(shm_unsealed)]
fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "shared memory channels need memory the peer cannot shrink, \
             which {} cannot guarantee (no memfd seals)",
            std::env::consts::OS
        ),
    )
}

/// Whether the OS holds `fd`, shared memory already `len` bytes long and
/// open for writing, at its size: it is asked to take the size it has, and
/// EINVAL (the OS refuses) is the yes. Any other error is returned.
#[cfg(shm_unsealed)]
fn holds_its_size(fd: BorrowedFd<'_>, len: usize) -> io::Result<bool> {
    match rustix::fs::ftruncate(fd, len as u64) {
        Ok(()) => Ok(false),
        Err(rustix::io::Errno::INVAL) => Ok(true),
        Err(error) => Err(error.into()),
    }
}

/// A new POSIX shared memory object of `len` bytes: opened exclusively
/// under a fresh name with mode 0600, unlinked at once, sized, and refused
/// with `Unsupported` unless the OS holds it at that size.
#[cfg(shm_unsealed)]
fn new_object(len: usize) -> io::Result<OwnedFd> {
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
    // Our own object, open for reading and writing: EINVAL can mean only
    // that the size is fixed.
    if !holds_its_size(fd.as_fd(), len)? {
        return Err(unsupported());
    }
    Ok(fd)
}

/// A new memory object of `len` bytes that the OS holds at its size, and a
/// mapping of it; `Unsupported` where the OS would let the peer shrink it.
#[cfg(shm_unsealed)]
pub(crate) fn create(len: usize) -> io::Result<(OwnedFd, Region)> {
    let fd = new_object(len)?;
    let region = map(fd.as_fd(), len)?;
    Ok((fd, region))
}

/// Whether channels can be set up here, asked before the accepting side
/// waits for the peer's memory: `Unsupported` where the OS lets POSIX
/// shared memory be resized (an object of this side's own is asked), so
/// that both sides refuse alike and neither waits.
#[cfg(shm_unsealed)]
pub(crate) fn check_support() -> io::Result<()> {
    match new_object(PROBE_LEN) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::Unsupported => Err(error),
        // No object to ask (a sandbox may forbid making one): `open` still
        // refuses memory that the OS lets the peer resize.
        Err(_) => Ok(()),
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("shared memory set-up: {what}"),
    )
}

/// Maps memory the peer sent, all of it, after checking that it is memory
/// that cannot shrink under the mapping: sealed against shrinking, or
/// (without seals) held at its size by the OS. The size is the object's, at
/// most `max_len`.
pub(crate) fn open(fd: OwnedFd, max_len: usize) -> io::Result<Region> {
    #[cfg(not(shm_unsealed))]
    {
        use rustix::fs::SealFlags;
        // Only memfds (and shmem) have seals: anything else is refused here.
        let seals = rustix::fs::fcntl_get_seals(&fd)
            .map_err(|_| invalid("the descriptor is not sealable shared memory"))?;
        if !seals.contains(SealFlags::SHRINK) {
            return Err(invalid("the memory is not sealed against shrinking"));
        }
    }
    #[cfg(shm_unsealed)]
    {
        use rustix::fs::OFlags;
        // A descriptor open for reading only fails `ftruncate` with EINVAL
        // too: the size check below is an answer only for one open for
        // writing (which a mapping for writing needs anyway).
        let flags = rustix::fs::fcntl_getfl(&fd)?;
        if flags & OFlags::RWMODE != OFlags::RDWR {
            return Err(invalid("the memory is not open for reading and writing"));
        }
    }
    let stat = rustix::fs::fstat(&fd)?;
    let file_type = rustix::fs::FileType::from_raw_mode(stat.st_mode);
    // XNU reports a POSIX shared memory object with no file type (its
    // `st_mode` is the permission bits alone).
    let shared_memory = file_type == rustix::fs::FileType::RegularFile
        || (cfg!(shm_unsealed) && file_type == rustix::fs::FileType::Unknown);
    if !shared_memory {
        return Err(invalid("the descriptor is not shared memory"));
    }
    let len = usize::try_from(stat.st_size).map_err(|_| invalid("negative size"))?;
    if len > max_len {
        return Err(invalid("the memory is larger than any channel"));
    }
    // Where the OS holds POSIX shared memory at its size (`check_support`
    // refused the others before the peer was heard), memory it does not
    // hold is not such an object: a file, say.
    #[cfg(shm_unsealed)]
    if !holds_its_size(fd.as_fd(), len)
        .map_err(|error| invalid(&format!("the memory's size cannot be checked ({error})")))?
    {
        return Err(invalid(
            "the memory can be resized under this side's mapping",
        ));
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
