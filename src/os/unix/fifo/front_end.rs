//! The async FIFO opens, written once for both front ends.

/// Defines `open_receiver` and `open_sender` for one runtime: `ends` is its
/// pipe module (whose `Sender` and `Receiver` the opens return), `sys` its
/// backend.
macro_rules! front_end {
    (
        ends: $ends:path,
        sys: $sys:path,
        check_context: $check_context:path,
        context_error: $context_error:literal $(,)?
    ) => {
        use std::io;
        use std::path::Path;

        use $ends::{Receiver, Sender};
        use $sys as sys;

        /// Opens the FIFO at `path` for reading, at once (see the [module
        /// docs](self) for what reads then do).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: it completes on its first poll, and nothing is open
        /// before.
        ///
        /// # Errors
        ///
        /// As for the blocking [`open_receiver`](super::open_receiver): a
        /// path that is not a FIFO is
        /// [`InvalidInput`](io::ErrorKind::InvalidInput) and is never opened
        #[doc = concat!($context_error, ".")]
        ///
        /// # Examples
        ///
        /// See the [module docs](self).
        pub async fn open_receiver(path: impl AsRef<Path>) -> io::Result<Receiver> {
            $check_context()?;
            sys::open_fifo_receiver(path.as_ref()).map(Receiver)
        }

        /// Opens the FIFO at `path` for writing, waiting (asynchronously)
        /// until it has a reader.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: nothing is open until the future completes.
        ///
        /// # Errors
        ///
        /// As for the blocking [`open_sender`](super::open_sender)
        #[doc = concat!($context_error, ".")]
        ///
        /// # Examples
        ///
        /// See the [module docs](self).
        pub async fn open_sender(path: impl AsRef<Path>) -> io::Result<Sender> {
            $check_context()?;
            sys::open_fifo_sender(path.as_ref()).await.map(Sender)
        }
    };
}

pub(super) use front_end;
