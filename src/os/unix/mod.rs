//! Unix-only APIs: FIFOs, extra controls on pipe ends, the Unix-only
//! parts of local sockets, and socket activation.

pub mod activation;
pub mod fifo;
pub mod identity;
pub mod local_socket;
mod pipe;

use std::io;
use std::os::fd::AsFd;

use crate::sealed::Sealed;
use crate::sys;

/// Unix-only methods of [`Sender`](crate::pipe::Sender) and
/// [`Receiver`](crate::pipe::Receiver). Sealed: implemented only by this
/// crate's types.
pub trait PipeExt: AsFd + Sealed {
    /// Turns nonblocking mode on or off.
    ///
    /// In nonblocking mode a read with nothing to read, and a write into a
    /// full pipe, fail with [`WouldBlock`](io::ErrorKind::WouldBlock) instead
    /// of waiting. A nonblocking write that fits partly writes what fits.
    ///
    /// The mode belongs to the open pipe, not to this descriptor: clones made
    /// with `try_clone` and copies held by other processes share it.
    ///
    /// # Errors
    ///
    /// The error reported by `ioctl(FIONBIO)`; none is expected for a valid
    /// pipe end.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{ErrorKind, Read};
    /// use localipc::os::unix::PipeExt;
    ///
    /// let (_tx, mut rx) = localipc::pipe::pipe()?;
    /// rx.set_nonblocking(true)?;
    /// let error = rx.read(&mut [0; 8]).unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::WouldBlock);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "O_NONBLOCK")]
    #[doc(alias = "FIONBIO")]
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        sys::pipe::set_nonblocking(self.as_fd(), nonblocking)
    }
}

impl PipeExt for crate::pipe::Sender {}
impl PipeExt for crate::pipe::Receiver {}
