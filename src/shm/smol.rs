//! Shared-memory channels on smol, async-std and any async-io user
//! (feature `smol`): [`ShmStream`] implements `futures-io`'s `AsyncRead`
//! and `AsyncWrite`.

use crate::local_socket::smol as local_socket;

super::front_end::front_end! {
    runtime: "smol",
    module: "smol",
    io: "smol::io",
    run: "smol::block_on(async {",
    spawn: "smol::spawn",
    joined: ".await",
    shutdown: "close",
}

crate::poll_io::futures_io! {
    read: ShmStream;
    write: ShmStream;
}
