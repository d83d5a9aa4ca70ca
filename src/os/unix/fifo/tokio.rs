//! Opening FIFOs on Tokio (feature `tokio`): the ends are
//! [`pipe::tokio`](crate::pipe::tokio)'s [`Sender`] and [`Receiver`].
//!
//! Neither open blocks the executor:
//!
//! * [`open_sender`] waits, asynchronously, until some process has the FIFO
//!   open for reading (it retries a nonblocking open, backing off from 1 ms
//!   to 50 ms on localipc's own timer, so no timer driver is needed).
//!   Cancel safe: dropping the future leaves nothing open.
//! * [`open_receiver`] returns at once, writer or not, like a nonblocking
//!   blocking-API open. On Linux and Android reads then wait until a writer
//!   has written, and report the end of the stream only after a writer has
//!   come and gone, so there is nothing to mistake. Other Unixes may report
//!   the end of the stream to a read made before any writer opened the
//!   FIFO; open the sender first there, or treat an early end accordingly.
//!
//! Create these inside a Tokio runtime with I/O enabled.
//!
//! # Examples
//!
//! ```
//! use localipc::os::unix::fifo;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let dir = std::env::temp_dir().join(format!("localipc-doc-fifo-tokio-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("fifo");
//! fifo::create(&path, 0o600)?;
//! let mut receiver = fifo::tokio::open_receiver(&path).await?;
//! let mut sender = fifo::tokio::open_sender(&path).await?;
//! sender.write_all(b"through the FIFO").await?;
//! drop(sender);
//! let mut text = String::new();
//! receiver.read_to_string(&mut text).await?;
//! assert_eq!(text, "through the FIFO");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

super::generic::runtime_functions!(crate::runtime::Tokio, tokio);
