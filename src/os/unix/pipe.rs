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

/// The Unix-only conversions of an async front end's pipe ends from and to
/// the blocking ends (on Windows the blocking ends are anonymous pipes,
/// which cannot do overlapped I/O).
#[cfg(async_front_end)]
macro_rules! async_conversions {
    (
        ends: $ends:path,
        sys: $sys:path,
        check_context: $check_context:path,
        module: $module:literal,
        run: $run:literal,
        context_error: $context_error:literal $(,)?
    ) => {
        const _: () = {
            use std::io;

            use $ends as ends;
            use $sys as sys;

            impl ends::Sender {
                /// Makes a blocking sender async (Unix only: on Windows the
                /// blocking ends are anonymous pipes, which cannot do
                /// overlapped I/O).
                ///
                /// # Errors
                ///
                #[doc = concat!("If the OS refuses the change of mode or the reactor the descriptor", $context_error, ".")]
                ///
                /// # Examples
                ///
                /// ```
                #[doc = concat!("use localipc::pipe::{self, ", $module, "::Sender};")]
                ///
                #[doc = concat!("# ", $run)]
                /// let (sender, _receiver) = pipe::pipe()?;
                /// let sender = Sender::from_blocking(sender)?;
                /// let _blocking: pipe::Sender = sender.into_blocking()?;
                /// # Ok::<(), std::io::Error>(())
                /// # })?;
                /// # Ok::<(), std::io::Error>(())
                /// ```
                pub fn from_blocking(sender: Sender) -> io::Result<Self> {
                    $check_context()?;
                    sys::Sender::from_blocking(sender.0).map(ends::Sender)
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

            impl ends::Receiver {
                /// Makes a blocking receiver async (Unix only, as for
                /// [`Sender::from_blocking`](ends::Sender::from_blocking)).
                ///
                /// # Errors
                ///
                #[doc = concat!("If the OS refuses the change of mode or the reactor the descriptor", $context_error, ".")]
                ///
                /// # Examples
                ///
                /// ```
                #[doc = concat!("use localipc::pipe::{self, ", $module, "::Receiver};")]
                ///
                #[doc = concat!("# ", $run)]
                /// let (_sender, receiver) = pipe::pipe()?;
                /// let receiver = Receiver::from_blocking(receiver)?;
                /// let _blocking: pipe::Receiver = receiver.into_blocking()?;
                /// # Ok::<(), std::io::Error>(())
                /// # })?;
                /// # Ok::<(), std::io::Error>(())
                /// ```
                pub fn from_blocking(receiver: Receiver) -> io::Result<Self> {
                    $check_context()?;
                    sys::Receiver::from_blocking(receiver.0).map(ends::Receiver)
                }

                /// Makes this receiver blocking again (Unix only). Nothing is
                /// lost.
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
        };
    };
}

#[cfg(feature = "tokio")]
async_conversions! {
    ends: crate::pipe::tokio,
    sys: crate::sys::tokio::pipe,
    check_context: crate::tokio_context::require,
    module: "tokio",
    run: "tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {",
    context_error: "; also an error outside a Tokio runtime",
}

#[cfg(feature = "smol")]
async_conversions! {
    ends: crate::pipe::smol,
    sys: crate::sys::smol::pipe,
    check_context: crate::smol_context::require,
    module: "smol",
    run: "smol::block_on(async {",
    context_error: "",
}
