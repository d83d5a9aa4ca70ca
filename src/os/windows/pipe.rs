//! Handle conversions of the pipe ends, blocking and async.

use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle, RawHandle};

#[cfg(async_front_end)]
use crate::pipe::generic;
use crate::pipe::{Receiver, Sender};
#[cfg(async_front_end)]
use crate::runtime::Runtime;
use crate::sys;

/// `AsHandle` and `AsRawHandle` for ends that wrap a backend end in field
/// `0`; `[R]` makes the impl generic over the runtime `R`.
macro_rules! borrowed_handle {
    ($([$($runtime:ident)?] $end:ty),*) => {$(
        impl$(<$runtime: Runtime>)? AsHandle for $end {
            fn as_handle(&self) -> BorrowedHandle<'_> {
                self.0.as_borrowed()
            }
        }

        impl$(<$runtime: Runtime>)? AsRawHandle for $end {
            fn as_raw_handle(&self) -> RawHandle {
                self.0.as_borrowed().as_raw_handle()
            }
        }
    )*};
}

borrowed_handle!([] Sender, [] Receiver);
#[cfg(async_front_end)]
borrowed_handle!([R] generic::Sender<R>, [R] generic::Receiver<R>);

/// Owned handles in and out of the blocking ends.
macro_rules! owned_handle {
    ($($end:ident),*) => {$(
        impl From<OwnedHandle> for $end {
            /// Wraps a handle that must be the matching end of a pipe.
            fn from(handle: OwnedHandle) -> Self {
                Self(sys::pipe::$end::from_owned(handle))
            }
        }

        impl From<$end> for OwnedHandle {
            fn from(end: $end) -> Self {
                end.0.into_owned()
            }
        }
    )*};
}

owned_handle!(Sender, Receiver);
