//! Named pipes for smol, async-std and any other async-io user (feature
//! `smol`): an async [`Listener`] and [`Stream`] with the same
//! options, modes and guarantees as the blocking types, plus whole-message
//! receive.
//!
//! These are the very types of [`named_pipe::tokio`](super) (feature
//! `tokio`), which implement the `futures-io` traits with this feature: one
//! runtime-independent core where each pipe direction is one overlapped
//! operation awaited through a Win32 thread-pool wait, so they work on any
//! executor, or with none (`smol::block_on` on a plain thread), and their
//! drops work anywhere. See the [module docs](super#async-front-ends) for
//! the design.
//!
//! # Examples
//!
//! ```
//! use localipc::os::windows::named_pipe::smol::{Listener, Stream};
//! use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions};
//! use smol::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # fn main() -> std::io::Result<()> {
//! smol::block_on(async {
//!     let path = format!(r"\\.\pipe\localipc-doc-smol-{}", std::process::id());
//!     let listener = Listener::create(&ListenerOptions::new(&path))?;
//!     let client = smol::spawn(async move {
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
//!     assert_eq!(&client.await?, b"pong");
//!     Ok(())
//! })
//! # }
//! ```

pub use super::async_pipe::{Listener, Stream};
