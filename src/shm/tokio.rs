//! Shared-memory channels on Tokio (feature `tokio`): [`ShmStream`]
//! implements Tokio's `AsyncRead` and `AsyncWrite`.

use crate::local_socket::tokio as local_socket;

super::front_end::front_end! {
    runtime: "Tokio",
    module: "tokio",
    io: "tokio::io",
    run: "tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {",
    spawn: "tokio::spawn",
    joined: ".await.unwrap()",
    shutdown: "shutdown",
}

crate::poll_io::tokio_io! {
    read: ShmStream;
    write: ShmStream;
}
