//! Async twins of `util`'s helpers, for the Tokio front end's tests
//! (included with `#[path]` by those tests only).
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

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
