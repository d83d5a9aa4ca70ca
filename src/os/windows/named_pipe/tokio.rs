//! Named pipes for Tokio: an async [`Listener`] and [`Stream`] with the same
//! options, modes and guarantees as the blocking types, plus whole-message
//! receive.
//!
//! These are the very types of [`named_pipe::smol`](super) (feature
//! `smol`), which implement Tokio's I/O traits with this feature. They do
//! not use Tokio's reactor: each pipe direction is one overlapped operation
//! awaited through a Win32 thread-pool wait, so they work in any Tokio
//! runtime (current-thread or multi-thread), and their drops work with no
//! runtime at all. See the [module docs](super#async-front-ends) for the
//! design.
//!
//! # Examples
//!
//! ```
//! use localipc::os::windows::named_pipe::tokio::{Listener, Stream};
//! use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # fn main() -> std::io::Result<()> {
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! runtime.block_on(async {
//!     let path = format!(r"\\.\pipe\localipc-doc-tokio-{}", std::process::id());
//!     let listener = Listener::create(&ListenerOptions::new(&path))?;
//!     let client = tokio::spawn(async move {
//!         let mut stream = Stream::connect(&ConnectOptions::new(&path)).await?;
//!         stream.write_all(b"ping").await?;
//!         let mut reply = [0; 4];
//!         stream.read_exact(&mut reply).await?;
//!         Ok::<_, std::io::Error>(reply)
//!     });
//!     let mut stream = listener.accept().await?;
//!     let mut request = [0; 4];
//!     stream.read_exact(&mut request).await?;
//!     stream.write_all(b"pong").await?;
//!     assert_eq!(&request, b"ping");
//!     assert_eq!(&client.await??, b"pong");
//!     Ok(())
//! })
//! # }
//! ```

pub use super::async_pipe::{Listener, Stream};
