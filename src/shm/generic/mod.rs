//! The async shared-memory channels, written once for every
//! [`Runtime`](crate::runtime::Runtime).
//!
//! [`shm::tokio`](super::tokio) (feature `tokio`) and
//! [`shm::smol`](super::smol) (feature `smol`) name these types with the
//! runtime filled in, and that is how most code uses them:
//! `shm::tokio::ShmStream` is `ShmStream<Tokio>`. A stream implements the
//! runtime's `AsyncRead` and `AsyncWrite`: Tokio's on
//! [`Tokio`](crate::runtime::Tokio), the `futures-io` ones on
//! [`Smol`](crate::runtime::Smol). The examples use Tokio.

mod listener;
mod stream;

pub use listener::ShmListener;
pub use stream::ShmStream;

/// Names this module's types for one runtime: the body of `shm::tokio`
/// and `shm::smol`.
macro_rules! runtime_types {
    ($runtime:ty) => {
        /// A shared-memory channel. See
        /// [`generic::ShmStream`](super::generic::ShmStream).
        pub type ShmStream = super::generic::ShmStream<$runtime>;
        /// A server of shared-memory channels. See
        /// [`generic::ShmListener`](super::generic::ShmListener).
        pub type ShmListener = super::generic::ShmListener<$runtime>;
    };
}

pub(super) use runtime_types;
