//! The async unnamed-pipe API, written once: [`front_end!`] defines the
//! pipe functions and the `Sender` and `Receiver` ends, with their docs, for
//! one runtime's backend, and their reads and writes (`crate::poll_io`).
//! Each runtime's module invokes it once and names the ends for its
//! runtime's `AsyncRead`/`AsyncWrite`; the Unix-only conversions from
//! and to the blocking ends live in `os::unix`.

/// Defines the async pipe API for one runtime; the arguments are those of
/// `local_socket`'s `front_end!` that the pipe docs use.
macro_rules! front_end {
    (
        sys: $sys:path,
        check_context: $check_context:path,
        runtime: $runtime:literal,
        module: $module:literal,
        io: $io:literal,
        run: $run:literal,
        trait_kind: $trait_kind:literal,
        context_error: $context_error:literal $(,)?
    ) => {
        use std::fmt;
        use std::io;

        use $sys as sys;

        /// Creates a pipe with both ends async.
        ///
        /// # Errors
        ///
        #[doc = concat!("The OS error", $context_error, ".")]
        ///
        /// # Examples
        ///
        /// See the [module docs](self).
        pub fn pipe() -> io::Result<(Sender, Receiver)> {
            $check_context()?;
            let (sender, receiver) = sys::pipe()?;
            Ok((Sender(sender), Receiver(receiver)))
        }

        /// Creates a pipe whose sender is async and whose receiver is a
        /// blocking [`pipe::Receiver`](super::Receiver), for a child process
        /// to read.
        ///
        /// # Errors
        ///
        #[doc = concat!("The OS error", $context_error, ".")]
        ///
        /// # Examples
        ///
        /// ```no_run
        /// use std::process::{Command, Stdio};
        #[doc = concat!("use ", $io, "::AsyncWriteExt;")]
        ///
        /// # async fn feed() -> std::io::Result<()> {
        #[doc = concat!("let (mut input, child_end) = localipc::pipe::", $module, "::pipe_with_blocking_receiver()?;")]
        /// let mut child = Command::new("sort").stdin(Stdio::from(child_end)).spawn()?;
        /// input.write_all(b"b\na\n").await?;
        /// drop(input);
        /// child.wait()?;
        /// # Ok(())
        /// # }
        /// ```
        pub fn pipe_with_blocking_receiver() -> io::Result<(Sender, super::Receiver)> {
            $check_context()?;
            let (sender, receiver) = sys::pipe_with_blocking_receiver()?;
            Ok((Sender(sender), super::Receiver(receiver)))
        }

        /// Creates a pipe whose receiver is async and whose sender is a
        /// blocking [`pipe::Sender`](super::Sender), for a child process to
        /// write.
        ///
        /// # Errors
        ///
        #[doc = concat!("The OS error", $context_error, ".")]
        ///
        /// # Examples
        ///
        /// ```
        /// use std::io::Write;
        #[doc = concat!("use ", $io, "::AsyncReadExt;")]
        ///
        #[doc = concat!("# ", $run)]
        #[doc = concat!("let (mut child_end, mut output) = localipc::pipe::", $module, "::pipe_with_blocking_sender()?;")]
        /// // A thread stands in for the child process here.
        /// std::thread::spawn(move || child_end.write_all(b"from the child"));
        /// let mut text = String::new();
        /// output.read_to_string(&mut text).await?;
        /// assert_eq!(text, "from the child");
        /// # Ok::<(), std::io::Error>(())
        /// # })?;
        /// # Ok::<(), std::io::Error>(())
        /// ```
        pub fn pipe_with_blocking_sender() -> io::Result<(super::Sender, Receiver)> {
            $check_context()?;
            let (sender, receiver) = sys::pipe_with_blocking_sender()?;
            Ok((super::Sender(sender), Receiver(receiver)))
        }

        #[doc = concat!("The async write end of a pipe or FIFO: ", $trait_kind, " `AsyncWrite`.")]
        ///
        /// Writes go straight to the OS (on Windows through a buffer owned
        /// by the end, see the [module docs](self)); `flush` waits only for
        /// that hand-over.
        ///
        /// # Examples
        ///
        /// See the [module docs](self).
        pub struct Sender(pub(crate) sys::Sender);

        #[doc = concat!("The async read end of a pipe or FIFO: ", $trait_kind, " `AsyncRead`.")]
        ///
        /// # Examples
        ///
        /// See the [module docs](self).
        pub struct Receiver(pub(crate) sys::Receiver);

        impl fmt::Debug for Sender {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("Sender").finish_non_exhaustive()
            }
        }

        impl fmt::Debug for Receiver {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("Receiver").finish_non_exhaustive()
            }
        }
    };
}

pub(super) use front_end;

/// The reads and writes of the `Sender` and `Receiver` that `front_end!`
/// defined in the invoking module (`crate::poll_io`), which the runtime's
/// I/O traits go through.
macro_rules! ends_io {
    () => {
        impl crate::poll_io::PollRead for Receiver {
            fn poll_read_into(
                &mut self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<io::Result<usize>> {
                self.0.poll_read(cx, buf)
            }
        }

        impl crate::poll_io::PollWrite for Sender {
            const VECTORED: bool = true;

            fn poll_write_from(
                &mut self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<io::Result<usize>> {
                self.0.poll_write(cx, buf)
            }

            fn poll_write_vectored_from(
                &mut self,
                cx: &mut std::task::Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> std::task::Poll<io::Result<usize>> {
                self.0.poll_write_vectored(cx, bufs)
            }

            fn poll_flush_out(
                &mut self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                self.0.poll_flush(cx)
            }

            /// Flushes; the pipe's writing side ends only when the sender is
            /// dropped.
            fn poll_shutdown_out(
                &mut self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                self.0.poll_flush(cx)
            }
        }
    };
}

pub(super) use ends_io;
