//! What the Tokio and smol local-socket modules share: the halves of a
//! split stream and the raw-handle impls. Each module invokes
//! [`halves_and_raw_handles!`] once, next to its own `Stream` and `Listener`
//! (each with an `inner` field from the async backend contract), and adds
//! its runtime's `AsyncRead`/`AsyncWrite` impls for the types it emits.

/// Defines `ReadHalf`, `WriteHalf`, `OwnedReadHalf`, `OwnedWriteHalf`,
/// `ReuniteError` and a private `AsStream` trait for the `Stream` in scope,
/// and the raw descriptor or handle traits for `Stream` and `Listener`.
macro_rules! halves_and_raw_handles {
    () => {
        /// A borrowed reading half of a [`Stream`], from [`Stream::split`].
        pub struct ReadHalf<'a>(&'a Stream);

        /// A borrowed writing half of a [`Stream`], from [`Stream::split`].
        pub struct WriteHalf<'a>(&'a Stream);

        /// An owned reading half of a [`Stream`], from [`Stream::into_split`].
        pub struct OwnedReadHalf(::std::sync::Arc<Stream>);

        /// An owned writing half of a [`Stream`], from [`Stream::into_split`].
        ///
        /// Dropping it does not end the writing direction; see
        /// [`Stream::into_split`].
        pub struct OwnedWriteHalf(::std::sync::Arc<Stream>);

        impl OwnedReadHalf {
            /// Joins this half with its writing half into the stream they came from.
            ///
            /// # Errors
            ///
            /// [`ReuniteError`], which gives both halves back, if they come from
            /// different streams.
            ///
            /// # Examples
            ///
            /// See [`Stream::into_split`].
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<Stream, ReuniteError> {
                reunite(self, other)
            }

            /// What the OS says about the process at the other end.
            ///
            /// # Errors
            ///
            /// As for [`Stream::peer_credentials`].
            pub fn peer_credentials(
                &self,
            ) -> ::std::io::Result<$crate::local_socket::PeerCredentials> {
                self.0.peer_credentials()
            }
        }

        impl OwnedWriteHalf {
            /// Joins this half with its reading half into the stream they came from.
            ///
            /// # Errors
            ///
            /// [`ReuniteError`], which gives both halves back, if they come from
            /// different streams.
            pub fn reunite(self, other: OwnedReadHalf) -> Result<Stream, ReuniteError> {
                reunite(other, self)
            }

            /// What the OS says about the process at the other end.
            ///
            /// # Errors
            ///
            /// As for [`Stream::peer_credentials`].
            pub fn peer_credentials(
                &self,
            ) -> ::std::io::Result<$crate::local_socket::PeerCredentials> {
                self.0.peer_credentials()
            }
        }

        fn reunite(read: OwnedReadHalf, write: OwnedWriteHalf) -> Result<Stream, ReuniteError> {
            if !::std::sync::Arc::ptr_eq(&read.0, &write.0) {
                return Err(ReuniteError(read, write));
            }
            drop(write);
            // Two halves of one stream hold its only two references.
            Ok(::std::sync::Arc::into_inner(read.0).expect("the other half was just dropped"))
        }

        /// Two owned halves of different streams, given back by `reunite`.
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl ::std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("the halves come from different streams")
            }
        }

        impl std::error::Error for ReuniteError {}

        impl ::std::fmt::Debug for ReadHalf<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple("ReadHalf").field(&self.0).finish()
            }
        }

        impl ::std::fmt::Debug for WriteHalf<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple("WriteHalf").field(&self.0).finish()
            }
        }

        impl ::std::fmt::Debug for OwnedReadHalf {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple("OwnedReadHalf").field(&self.0).finish()
            }
        }

        impl ::std::fmt::Debug for OwnedWriteHalf {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple("OwnedWriteHalf").field(&self.0).finish()
            }
        }

        /// The stream behind a stream or a half.
        trait AsStream {
            fn stream(&self) -> &Stream;
        }

        impl AsStream for Stream {
            fn stream(&self) -> &Stream {
                self
            }
        }

        impl AsStream for ReadHalf<'_> {
            fn stream(&self) -> &Stream {
                self.0
            }
        }

        impl AsStream for WriteHalf<'_> {
            fn stream(&self) -> &Stream {
                self.0
            }
        }

        impl AsStream for OwnedReadHalf {
            fn stream(&self) -> &Stream {
                &self.0
            }
        }

        impl AsStream for OwnedWriteHalf {
            fn stream(&self) -> &Stream {
                &self.0
            }
        }

        #[cfg(unix)]
        mod unix {
            use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

            use super::{Listener, Stream};

            impl AsFd for Stream {
                fn as_fd(&self) -> BorrowedFd<'_> {
                    self.inner.as_borrowed()
                }
            }

            impl AsRawFd for Stream {
                fn as_raw_fd(&self) -> RawFd {
                    self.inner.as_borrowed().as_raw_fd()
                }
            }

            impl AsFd for Listener {
                fn as_fd(&self) -> BorrowedFd<'_> {
                    self.inner.as_borrowed()
                }
            }

            impl AsRawFd for Listener {
                fn as_raw_fd(&self) -> RawFd {
                    self.inner.as_borrowed().as_raw_fd()
                }
            }
        }

        #[cfg(windows)]
        mod windows {
            use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, RawHandle};

            use super::Stream;

            impl AsHandle for Stream {
                fn as_handle(&self) -> BorrowedHandle<'_> {
                    self.inner.as_borrowed()
                }
            }

            impl AsRawHandle for Stream {
                fn as_raw_handle(&self) -> RawHandle {
                    self.inner.as_borrowed().as_raw_handle()
                }
            }
        }
    };
}

pub(super) use halves_and_raw_handles;
