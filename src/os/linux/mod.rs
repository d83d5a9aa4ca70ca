//! Linux-only APIs (also on Android, which shares the kernel).

use std::io;
use std::os::fd::AsFd;

use crate::sealed::Sealed;
use crate::sys;

/// Linux-only methods of [`Sender`](crate::pipe::Sender) and
/// [`Receiver`](crate::pipe::Receiver): the pipe's capacity. Sealed:
/// implemented only by this crate's types.
///
/// The capacity is how much the pipe holds before a writer blocks. Linux's
/// default is 64 KiB (16 pages). A larger pipe lets a writer run further
/// ahead of its reader, which means fewer switches between the two processes
/// for large transfers: in localipc's benchmark (`bench/`), 64 KiB writes
/// through a pipe raised to 1 MiB ran about 2.5 times as fast as through a
/// default pipe when the two processes ran on different CPUs.
///
/// # Why this is an option and not the default
///
/// Capacity costs kernel memory that cannot be swapped, up to the capacity
/// per pipe while it is full. Linux also charges the capacity (not the use)
/// of every pipe to its user: past `/proc/sys/fs/pipe-user-pages-soft`
/// (16384 pages, 64 MiB, by default) new pipes of that user, in every
/// program, are cut to a minimal size. A 1 MiB default would reach that
/// after 64 pipes. So localipc leaves the default alone; raise it for the
/// pipes that carry bulk data.
pub trait PipeExt: AsFd + Sealed {
    /// Returns the capacity of the pipe in bytes.
    ///
    /// # Errors
    ///
    /// The error of `fcntl(F_GETPIPE_SZ)`; none is expected for a pipe end.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::linux::PipeExt;
    ///
    /// let (tx, _rx) = localipc::pipe::pipe()?;
    /// assert!(tx.capacity()? >= 4096);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "F_GETPIPE_SZ")]
    fn capacity(&self) -> io::Result<usize> {
        sys::pipe::capacity(self.as_fd())
    }

    /// Asks for a capacity of at least `bytes` and returns what the kernel
    /// granted: `bytes` rounded up to a power-of-two number of pages.
    ///
    /// # Errors
    ///
    /// The error of `fcntl(F_SETPIPE_SZ)`:
    /// * `PermissionDenied` when an unprivileged process asks for more than
    ///   `/proc/sys/fs/pipe-max-size` (1 MiB by default), or the user's pipe
    ///   memory limit is reached;
    /// * `ResourceBusy` when shrinking below what the pipe currently holds;
    /// * `InvalidInput` for a size the kernel cannot represent.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::os::linux::PipeExt;
    ///
    /// let (tx, _rx) = localipc::pipe::pipe()?;
    /// let granted = tx.set_capacity(1 << 20)?;
    /// assert_eq!(granted, tx.capacity()?);
    /// assert!(granted >= 1 << 20);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "F_SETPIPE_SZ")]
    fn set_capacity(&self, bytes: usize) -> io::Result<usize> {
        sys::pipe::set_capacity(self.as_fd(), bytes)
    }
}

impl PipeExt for crate::pipe::Sender {}
impl PipeExt for crate::pipe::Receiver {}
