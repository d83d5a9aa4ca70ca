//! Async twins of `util`'s helpers for the smol front end's tests, over
//! `futures-io` (included with `#[path]` by those tests only), and the two
//! executors every smol test runs on.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::cell::Cell;
use std::future::Future;
use std::sync::LazyLock;

crate::util::pattern_io!(smol::io);

thread_local! {
    static ON_POOL: Cell<bool> = const { Cell::new(false) };
}

/// A multi-threaded executor: four threads running one `smol::Executor`.
static POOL: LazyLock<smol::Executor<'static>> = LazyLock::new(|| {
    for _ in 0..4 {
        std::thread::spawn(|| {
            ON_POOL.set(true);
            smol::block_on(POOL.run(std::future::pending::<()>()));
        });
    }
    smol::Executor::new()
});

/// Spawns on the executor the caller runs on: the pool from the pool's
/// threads, smol's global executor otherwise.
pub(crate) fn spawn<T: Send + 'static>(
    future: impl Future<Output = T> + Send + 'static,
) -> smol::Task<T> {
    if ON_POOL.get() {
        POOL.spawn(future)
    } else {
        smol::spawn(future)
    }
}

/// Runs `test` with `smol::block_on` (tasks on smol's global executor), then
/// as a task of a four-thread executor (tasks on that executor).
pub(crate) fn on_both_executors<F, Fut>(test: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    smol::block_on(test());
    smol::block_on(POOL.spawn(test()));
}

/// Runs `future` for at most `limit`: `None` if the time ran out first (the
/// future is then dropped).
pub(crate) async fn within<T>(
    limit: std::time::Duration,
    future: impl Future<Output = T>,
) -> Option<T> {
    smol::future::or(async { Some(future.await) }, async {
        smol::Timer::after(limit).await;
        None
    })
    .await
}
