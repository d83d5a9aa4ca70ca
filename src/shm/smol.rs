//! Shared-memory channels on smol, async-std and any async-io user
//! (feature `smol`): [`ShmStream`] implements `futures-io`'s `AsyncRead`
//! and `AsyncWrite`.

super::generic::runtime_types!(crate::runtime::Smol);

crate::poll_io::futures_io! {
    read: ShmStream;
    write: ShmStream;
}
