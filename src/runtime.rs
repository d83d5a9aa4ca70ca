//! The async runtimes localipc serves, as types.
//!
//! Each async type of this crate is written once, generic over a
//! [`Runtime`], and each runtime's module names it with the runtime filled
//! in: [`local_socket::tokio::Stream`](crate::local_socket::tokio::Stream)
//! is [`local_socket::generic::Stream<Tokio>`](crate::local_socket::generic::Stream),
//! [`local_socket::smol::Stream`](crate::local_socket::smol::Stream) is
//! `local_socket::generic::Stream<Smol>`. Use the runtime's module; name
//! the generic type only to write code that works on either runtime.
//!
//! The two differ only in the reactor a type registers with (on Windows,
//! not even that: both share the overlapped core) and in the I/O traits
//! they implement: Tokio's [`AsyncRead`](tokio::io::AsyncRead) and
//! [`AsyncWrite`](tokio::io::AsyncWrite) for [`Tokio`], the `futures-io`
//! traits for [`Smol`].
//!
//! # Examples
//!
//! A function that serves one client on either runtime:
//!
//! ```
//! use localipc::local_socket::generic::Listener;
//! use localipc::runtime::Runtime;
//!
//! async fn greet<R: Runtime>(listener: &Listener<R>) -> std::io::Result<u32> {
//!     let client = listener.accept().await?;
//!     Ok(client.peer_credentials()?.pid.unwrap_or(0))
//! }
//! ```

/// An async runtime localipc's types can run on: [`Tokio`] or [`Smol`].
///
/// Sealed: only this crate implements it, so that it can grow.
pub trait Runtime: sealed::Backend {}

mod sealed {
    /// What the crate needs to know about a runtime: its backend.
    #[allow(unreachable_pub, reason = "nameable in the public Runtime's bounds")]
    pub trait Backend: std::fmt::Debug + Send + Sync + Sized + 'static {
        /// The backend's reactor for this runtime.
        #[allow(private_bounds, reason = "the trait is sealed")]
        type Reactor: crate::sys::reactor::Reactor;
    }
}

/// Tokio (feature `tokio`): its types are created inside a Tokio runtime
/// with I/O enabled and implement Tokio's `AsyncRead` and `AsyncWrite`.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tokio {}

#[cfg(feature = "tokio")]
impl sealed::Backend for Tokio {
    type Reactor = crate::sys::tokio::Tokio;
}

#[cfg(feature = "tokio")]
impl Runtime for Tokio {}

/// smol, async-std or any other user of async-io (feature `smol`): its
/// types can be created anywhere and implement the `futures-io` traits.
#[cfg(feature = "smol")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Smol {}

#[cfg(feature = "smol")]
impl sealed::Backend for Smol {
    type Reactor = crate::sys::smol::AsyncIo;
}

#[cfg(feature = "smol")]
impl Runtime for Smol {}
