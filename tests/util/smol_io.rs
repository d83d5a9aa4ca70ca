//! Async twins of `util`'s helpers for the smol front end's tests, over
//! `futures-io` (included with `#[path]` by those tests only), and the two
//! executors every smol test runs on.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::sync::LazyLock;

use smol::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::util::{Checksum, Pattern};

/// Writes the first `total` bytes of `pattern` in `chunk`-byte writes,
/// flushes, and returns their checksum.
pub(crate) async fn send(
    pattern: &Pattern,
    mut writer: impl AsyncWrite + Unpin,
    total: u64,
    chunk: usize,
) -> io::Result<u64> {
    let mut buf = vec![0; chunk];
    let mut checksum = Checksum::new();
    let mut offset = 0;
    while offset < total {
        let len = chunk.min((total - offset) as usize);
        pattern.fill(offset, &mut buf[..len]);
        writer.write_all(&buf[..len]).await?;
        checksum.update(&buf[..len]);
        offset += len as u64;
    }
    writer.flush().await?;
    Ok(checksum.finish())
}

/// Reads `reader` to the end and returns the byte count and checksum.
pub(crate) async fn receive_all(mut reader: impl AsyncRead + Unpin) -> io::Result<(u64, u64)> {
    let mut buf = vec![0; 1 << 16];
    let mut checksum = Checksum::new();
    let mut total = 0;
    loop {
        match reader.read(&mut buf).await? {
            0 => return Ok((total, checksum.finish())),
            n => {
                checksum.update(&buf[..n]);
                total += n as u64;
            }
        }
    }
}

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
