//! The measured side over async streams: the engine's one loop,
//! instantiated for Tokio's traits and for futures-io's, and the runtime the
//! Tokio rows run on.

use std::io;

/// The loop over a Tokio stream; run it on [`tokio_runtime`].
pub(crate) mod on_tokio {
    localipc_bench_engine::async_measured_side!(tokio::io);
}

/// The loop over a futures-io stream, driven with futures-lite's extension
/// traits.
pub(crate) mod on_futures {
    localipc_bench_engine::async_measured_side!(futures_lite);
}

/// A current-thread Tokio runtime with I/O: what a single-threaded Tokio
/// program runs on.
pub(crate) fn tokio_runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
}
