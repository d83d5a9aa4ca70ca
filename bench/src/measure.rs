//! The measured side over async streams: the engine's one loop,
//! instantiated for Tokio's traits and for futures-io's, each run on the
//! executor its contenders are used with.

use std::future::Future;
use std::io;

use localipc_bench_engine::job::Job;
use localipc_bench_engine::measure::Measurement;

mod tokio_loop {
    localipc_bench_engine::async_measured_side!(tokio::io);
}

mod futures_loop {
    localipc_bench_engine::async_measured_side!(futures_lite);
}

/// Runs `job` over the stream `connect` makes, on a current-thread Tokio
/// runtime with I/O (see [`in_tokio`]), inside which `connect` runs too,
/// so that what it registers uses that runtime.
pub(crate) fn on_tokio<S, F>(job: Job, connect: impl FnOnce() -> F) -> io::Result<Measurement>
where
    F: Future<Output = io::Result<S>>,
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    in_tokio(async {
        let mut stream = connect().await?;
        tokio_loop::run(&mut stream, job).await
    })
}

/// Runs `job` over the futures-io stream `connect` makes (see
/// [`in_futures`]).
pub(crate) fn on_futures<S, F>(job: Job, connect: impl FnOnce() -> F) -> io::Result<Measurement>
where
    F: Future<Output = io::Result<S>>,
    S: futures_lite::AsyncRead + futures_lite::AsyncWrite + Unpin,
{
    in_futures(async {
        let mut stream = connect().await?;
        futures_loop::run(&mut stream, job).await
    })
}

/// Runs `measured` to completion on a current-thread Tokio runtime with I/O
/// (what a single-threaded Tokio program runs on).
pub(crate) fn in_tokio<T>(measured: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?
        .block_on(measured)
}

/// Runs `measured` to completion as a smol program does: on Unix with
/// async-io's `block_on`, which drives the reactor on this thread; on
/// Windows, where localipc's smol types need no reactor, with
/// futures-lite's.
pub(crate) fn in_futures<T>(measured: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    #[cfg(unix)]
    return async_io::block_on(measured);
    #[cfg(windows)]
    return futures_lite::future::block_on(measured);
}
