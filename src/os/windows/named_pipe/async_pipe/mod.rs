//! The async named-pipe types, one runtime-neutral implementation for both
//! front ends: [`named_pipe::tokio`](super) (feature `tokio`) and
//! [`named_pipe::smol`](super) (feature `smol`) are two paths to these same
//! types, which implement Tokio's I/O traits and the `futures-io` traits as
//! the features say. They need no runtime: each pipe direction is one
//! overlapped operation awaited through a Win32 thread-pool wait (see the
//! [module docs](super#async-front-ends) for the design), so they work on any
//! executor and their drops work anywhere.
//!
//! The examples use smol; with Tokio only the extension traits and the
//! executor differ.

mod io_traits;
mod listener;
mod stream;

pub use listener::Listener;
pub use stream::Stream;
