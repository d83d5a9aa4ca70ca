//! Descriptor conversions of the pipe ends, blocking and async.

#[cfg(async_front_end)]
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

#[cfg(async_front_end)]
use crate::pipe::generic;
use crate::pipe::{Receiver, Sender};
#[cfg(async_front_end)]
use crate::runtime::Runtime;
use crate::sys;

/// `AsFd` and `AsRawFd` for ends that wrap a backend end in field `0`;
/// `[R]` makes the impl generic over the runtime `R`.
macro_rules! borrowed_fd {
    ($([$($runtime:ident)?] $end:ty),*) => {$(
        impl$(<$runtime: Runtime>)? AsFd for $end {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.0.as_borrowed()
            }
        }

        impl$(<$runtime: Runtime>)? AsRawFd for $end {
            fn as_raw_fd(&self) -> RawFd {
                self.0.as_borrowed().as_raw_fd()
            }
        }
    )*};
}

borrowed_fd!([] Sender, [] Receiver);
#[cfg(async_front_end)]
borrowed_fd!([R] generic::Sender<R>, [R] generic::Receiver<R>);

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

// The Unix-only conversions of the async ends from and to the blocking
// ends (on Windows the blocking ends are anonymous pipes, which cannot do
// overlapped I/O).
#[cfg(async_front_end)]
impl<R: Runtime> generic::Sender<R> {
    /// Makes a blocking sender async (Unix only: on Windows the blocking
    /// ends are anonymous pipes, which cannot do overlapped I/O).
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode or the reactor the descriptor;
    /// on Tokio, also an error outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::pipe::{self, tokio::Sender};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let (sender, _receiver) = pipe::pipe()?;
    /// let sender = Sender::from_blocking(sender)?;
    /// let _blocking: pipe::Sender = sender.into_blocking()?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(sender: Sender) -> io::Result<Self> {
        generic::check_context::<R>()?;
        sys::reactor::pipe::Sender::from_blocking(sender.0).map(Self)
    }

    /// Makes this sender blocking again (Unix only).
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<Sender> {
        self.0.into_blocking().map(Sender)
    }
}

#[cfg(async_front_end)]
impl<R: Runtime> generic::Receiver<R> {
    /// Makes a blocking receiver async (Unix only, as for
    /// [`Sender::from_blocking`](generic::Sender::from_blocking)).
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode or the reactor the descriptor;
    /// on Tokio, also an error outside a Tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use localipc::pipe::{self, tokio::Receiver};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let (_sender, receiver) = pipe::pipe()?;
    /// let receiver = Receiver::from_blocking(receiver)?;
    /// let _blocking: pipe::Receiver = receiver.into_blocking()?;
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_blocking(receiver: Receiver) -> io::Result<Self> {
        generic::check_context::<R>()?;
        sys::reactor::pipe::Receiver::from_blocking(receiver.0).map(Self)
    }

    /// Makes this receiver blocking again (Unix only). Nothing is lost.
    ///
    /// # Errors
    ///
    /// If the OS refuses the change of mode.
    ///
    /// # Examples
    ///
    /// See [`from_blocking`](Self::from_blocking).
    pub fn into_blocking(self) -> io::Result<Receiver> {
        self.0.into_blocking().map(Receiver)
    }
}
