//! OS resources that can move to another process: descriptors on Unix,
//! handles on Windows.
//!
//! [`local_socket::ResourceStream`](crate::local_socket::ResourceStream)
//! sends them to the peer of a local socket together with bytes. Anything
//! that is `AsFd` (Unix) or `AsHandle` (Windows) can go: pipe ends, local
//! sockets and listeners, files, std's sockets and child pipes. What
//! arrives is an [`OwnedResource`]: `OwnedFd` or `OwnedHandle`, which
//! converts into localipc's and std's types with `From`.
//!
//! # Examples
//!
//! ```
//! use localipc::resource::{AsResource, BorrowedResource};
//!
//! let file = std::fs::File::open(std::env::current_exe()?)?;
//! let (sender, _receiver) = localipc::pipe::pipe()?;
//! let to_send: [BorrowedResource<'_>; 2] = [file.as_resource(), sender.as_resource()];
//! # let _ = to_send;
//! # Ok::<(), std::io::Error>(())
//! ```

pub use crate::error::ResourcesLost;

/// A resource this process owns: `OwnedFd` on Unix.
#[cfg(unix)]
pub type OwnedResource = std::os::fd::OwnedFd;
/// A resource this process owns: `OwnedHandle` on Windows.
#[cfg(windows)]
pub type OwnedResource = std::os::windows::io::OwnedHandle;

/// A borrowed resource: `BorrowedFd` on Unix.
#[cfg(unix)]
pub type BorrowedResource<'a> = std::os::fd::BorrowedFd<'a>;
/// A borrowed resource: `BorrowedHandle` on Windows.
#[cfg(windows)]
pub type BorrowedResource<'a> = std::os::windows::io::BorrowedHandle<'a>;

/// The most resources one call may carry, on every OS (Linux's
/// `SCM_MAX_FD`, the smallest limit among the systems localipc runs on).
pub const MAX_PER_CALL: usize = 253;

/// Anything whose descriptor (Unix) or handle (Windows) can be sent: every
/// `AsFd` or `AsHandle` type, so portable code can write
/// `value.as_resource()`.
pub trait AsResource {
    /// The resource, borrowed.
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    fn as_resource(&self) -> BorrowedResource<'_>;
}

#[cfg(unix)]
impl<T: std::os::fd::AsFd + ?Sized> AsResource for T {
    fn as_resource(&self) -> BorrowedResource<'_> {
        self.as_fd()
    }
}

#[cfg(windows)]
impl<T: std::os::windows::io::AsHandle + ?Sized> AsResource for T {
    fn as_resource(&self) -> BorrowedResource<'_> {
        self.as_handle()
    }
}

const _: () = assert!(MAX_PER_CALL == crate::sys::MAX_RESOURCES);
