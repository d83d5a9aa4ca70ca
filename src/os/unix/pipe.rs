//! Descriptor conversions of the pipe ends, blocking and async.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use crate::pipe::{Receiver, Sender};
use crate::sys;

/// `AsFd` and `AsRawFd` for ends that wrap a backend end in field `0`.
macro_rules! borrowed_fd {
    ($($end:ty),*) => {$(
        impl AsFd for $end {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.0.as_borrowed()
            }
        }

        impl AsRawFd for $end {
            fn as_raw_fd(&self) -> RawFd {
                self.0.as_borrowed().as_raw_fd()
            }
        }
    )*};
}

borrowed_fd!(Sender, Receiver);
#[cfg(feature = "tokio")]
borrowed_fd!(crate::pipe::tokio::Sender, crate::pipe::tokio::Receiver);
#[cfg(feature = "smol")]
borrowed_fd!(crate::pipe::smol::Sender, crate::pipe::smol::Receiver);

/// Owned descriptors in and out of the blocking ends.
macro_rules! owned_fd {
    ($($end:ident),*) => {$(
        impl From<OwnedFd> for $end {
            /// Wraps a descriptor that must be the matching end of a pipe or FIFO.
            fn from(fd: OwnedFd) -> Self {
                Self(sys::pipe::$end::from_owned(fd))
            }
        }

        impl From<$end> for OwnedFd {
            fn from(end: $end) -> Self {
                end.0.into_owned()
            }
        }
    )*};
}

owned_fd!(Sender, Receiver);
