//! The async local sockets, written once for every [`Runtime`](crate::runtime::Runtime).
//!
//! Each type here takes the runtime as a parameter; the runtime modules,
//! [`local_socket::tokio`](super::tokio) (feature `tokio`) and
//! [`local_socket::smol`](super::smol) (feature `smol`), name them with it
//! filled in, and that is how most code uses them:
//! `local_socket::tokio::Stream` is `Stream<Tokio>`. The docs and examples
//! here are the same for both runtimes; the examples use Tokio. Where the
//! runtimes differ, the docs say so:
//!
//! * **The I/O traits.** A [`Stream`], its halves and a [`ResourceStream`]
//!   implement Tokio's `AsyncRead`/`AsyncWrite` on [`Tokio`](crate::runtime::Tokio) and
//!   the `futures-io` ones on [`Smol`](crate::runtime::Smol). The method
//!   that ends the writing direction is `shutdown` in Tokio's
//!   `AsyncWriteExt` and `close` in `futures-io`'s.
//! * **Where a type can be made.** Tokio's types are created inside a Tokio
//!   runtime with I/O enabled; elsewhere creating one is an error, never a
//!   panic. smol's can be created anywhere. Both can be dropped anywhere.
//!
//! # Examples
//!
//! An echo server and its client:
//!
//! ```
//! use localipc::local_socket::Name;
//! use localipc::local_socket::tokio::{Listener, Stream};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let name = Name::namespaced(format!("localipc-doc-generic-{}.sock", std::process::id()))?;
//! let listener = Listener::bind(&name)?;
//! let mut client = Stream::connect(&name).await?;
//! let mut server = listener.accept().await?;
//! client.write_all(b"ping").await?;
//! let mut buf = [0; 4];
//! server.read_exact(&mut buf).await?;
//! server.write_all(&buf).await?;
//! client.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"ping");
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod halves;
mod listener;
#[cfg(message_sockets)]
mod message;
mod resource_stream;
mod stream;

pub use halves::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use listener::{Incoming, IntoIncoming, Listener};
#[cfg(message_sockets)]
pub use message::{MessageListener, MessageSocket};
pub use resource_stream::ResourceStream;
pub use stream::Stream;

/// Checks, before anything is created, that runtime `R`'s types can be
/// made here.
fn check_context<R: crate::runtime::Runtime>() -> std::io::Result<()> {
    <R::Reactor as crate::sys::reactor::Reactor>::check_context()
}

/// Implements `crate::poll_io`'s `PollRead` (`read:`) or `PollWrite`
/// (`write:`) for a stream or a half over runtime `R`, through the backend
/// stream that `$stream` reaches from it.
macro_rules! stream_io {
    (read: $ty:ty, |$this:ident| $stream:expr) => {
        impl<R: crate::runtime::Runtime> crate::poll_io::PollRead for $ty {
            fn poll_read_into(
                &mut self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self;
                $stream.poll_read(cx, buf)
            }
        }
    };
    (write: $ty:ty, |$this:ident| $stream:expr) => {
        impl<R: crate::runtime::Runtime> crate::poll_io::PollWrite for $ty {
            const VECTORED: bool = true;

            fn poll_write_from(
                &mut self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self;
                $stream.poll_write(cx, buf)
            }

            fn poll_write_vectored_from(
                &mut self,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = self;
                $stream.poll_write_vectored(cx, bufs)
            }

            fn poll_flush_out(
                &mut self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = self;
                $stream.poll_flush(cx)
            }

            fn poll_shutdown_out(
                &mut self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = self;
                $stream.poll_shutdown(cx)
            }
        }
    };
}

use stream_io;

/// Names this module's types for one runtime: the body of
/// `local_socket::tokio` and `local_socket::smol`.
macro_rules! runtime_types {
    ($runtime:ty) => {
        use super::generic;

        /// A local-socket server: accepts [`Stream`]s on a name. See
        /// [`generic::Listener`].
        pub type Listener = generic::Listener<$runtime>;
        /// The accepted connections of a borrowed [`Listener`]. See
        /// [`generic::Incoming`].
        pub type Incoming<'a> = generic::Incoming<'a, $runtime>;
        /// The accepted connections of an owned [`Listener`]. See
        /// [`generic::IntoIncoming`].
        pub type IntoIncoming = generic::IntoIncoming<$runtime>;
        /// A connected local socket: a full-duplex byte stream. See
        /// [`generic::Stream`].
        pub type Stream = generic::Stream<$runtime>;
        /// A borrowed reading half of a [`Stream`]. See [`generic::ReadHalf`].
        pub type ReadHalf<'a> = generic::ReadHalf<'a, $runtime>;
        /// A borrowed writing half of a [`Stream`]. See
        /// [`generic::WriteHalf`].
        pub type WriteHalf<'a> = generic::WriteHalf<'a, $runtime>;
        /// An owned reading half of a [`Stream`]. See
        /// [`generic::OwnedReadHalf`].
        pub type OwnedReadHalf = generic::OwnedReadHalf<$runtime>;
        /// An owned writing half of a [`Stream`]. See
        /// [`generic::OwnedWriteHalf`].
        pub type OwnedWriteHalf = generic::OwnedWriteHalf<$runtime>;
        /// Two owned halves of different streams. See
        /// [`generic::ReuniteError`].
        pub type ReuniteError = generic::ReuniteError<$runtime>;
        /// A stream that carries OS resources with its bytes. See
        /// [`generic::ResourceStream`].
        pub type ResourceStream = generic::ResourceStream<$runtime>;
        /// A message-socket server. See [`generic::MessageListener`].
        #[cfg(message_sockets)]
        pub type MessageListener = generic::MessageListener<$runtime>;
        /// A connected message socket. See [`generic::MessageSocket`].
        #[cfg(message_sockets)]
        pub type MessageSocket = generic::MessageSocket<$runtime>;
    };
}

pub(super) use runtime_types;
