//! Async twins of `util`'s helpers, for the Tokio front end's tests
//! (included with `#[path]` by those tests only).
#![allow(dead_code, reason = "each test file uses a different subset")]

crate::util::pattern_io!(tokio::io);

/// Runs `test` to completion on a current-thread runtime, then on a
/// multi-thread one (two workers), each with I/O and timers.
pub(crate) fn on_both_runtimes<F, Fut>(test: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current.block_on(test());
    drop(current);
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    multi.block_on(test());
}
