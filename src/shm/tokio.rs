//! Shared-memory channels on Tokio (feature `tokio`): [`ShmStream`]
//! implements Tokio's `AsyncRead` and `AsyncWrite`.

super::generic::runtime_types!(crate::runtime::Tokio);

crate::poll_io::tokio_io! {
    read: ShmStream;
    write: ShmStream;
}
