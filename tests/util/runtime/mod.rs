//! The runtime-binding layer of the async test suites.
//!
//! `tokio` and `smol` offer the same names: the front ends (`local_socket`,
//! `pipe`, `fifo`, `named_pipe`), the I/O traits, `spawn` and its `Task`,
//! `sleep`, `timeout`, `unblock`, `shutdown`, the schedulers a test runs on
//! (`Scheduler`, `run`), a `Runtime` that a test owns and drops, and the
//! pattern helpers below. A suite written once against `rt::…` is then
//! instantiated per runtime and per scheduler by [`on_every_scheduler!`],
//! each instance opening with [`suite_support!`].
#![allow(
    dead_code,
    unused_imports,
    unused_macros,
    reason = "each suite uses a different subset"
)]

#[cfg(feature = "smol")]
pub(crate) mod smol;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;

/// futures-lite's combinators (re-exported by smol) poll futures of any
/// runtime, in the caller's task: `race` picks at random among those ready.
pub(crate) use ::smol::future::{or, race, zip};

/// async-channel (re-exported by smol) needs no runtime either.
pub(crate) use ::smol::channel;

/// Defines, in a binding module, the async twins of `util`'s pattern helpers
/// over that module's I/O traits (Tokio's and futures-io's extension traits
/// have the same method names) and its `sleep`.
macro_rules! common {
    () => {
        /// Writes the first `total` bytes of `pattern` in `chunk`-byte writes
        /// and returns their checksum, without flushing: the last write may
        /// still be in flight.
        pub(crate) async fn write_pattern(
            pattern: &crate::util::Pattern,
            mut writer: impl AsyncWrite + Unpin,
            total: u64,
            chunk: usize,
        ) -> std::io::Result<u64> {
            let mut buf = vec![0; chunk];
            let mut checksum = crate::util::Checksum::new();
            let mut offset = 0;
            while offset < total {
                let len = chunk.min((total - offset) as usize);
                pattern.fill(offset, &mut buf[..len]);
                writer.write_all(&buf[..len]).await?;
                checksum.update(&buf[..len]);
                offset += len as u64;
            }
            Ok(checksum.finish())
        }

        /// [`write_pattern`], then a flush.
        pub(crate) async fn send(
            pattern: &crate::util::Pattern,
            mut writer: impl AsyncWrite + Unpin,
            total: u64,
            chunk: usize,
        ) -> std::io::Result<u64> {
            let checksum = write_pattern(pattern, &mut writer, total, chunk).await?;
            writer.flush().await?;
            Ok(checksum)
        }

        /// The output of `future`, which must end within 30 s: a step that
        /// hangs fails its test at once, naming `step`, instead of leaving
        /// the watchdog to end the whole test process without saying where.
        ///
        /// A step that was done but whose task was never woken (a lost
        /// wake-up) is polled again only when the time runs out; it then
        /// fails too, saying so, rather than passing 30 s late (`timeout`
        /// would poll the step first and hand its output back).
        pub(crate) async fn within<T>(
            step: &str,
            future: impl std::future::Future<Output = T>,
        ) -> T {
            within_limit(step, std::time::Duration::from_secs(30), future).await
        }

        /// [`within`], with a limit of `limit`.
        pub(crate) async fn within_limit<T>(
            step: &str,
            limit: std::time::Duration,
            future: impl std::future::Future<Output = T>,
        ) -> T {
            use std::future::Future as _;
            let mut future = std::pin::pin!(future);
            let mut time_out = std::pin::pin!(sleep(limit));
            std::future::poll_fn(|cx| {
                if time_out.as_mut().poll(cx).is_pending() {
                    return future.as_mut().poll(cx);
                }
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(_) => {
                        panic!("{step}: done, but its task was not woken for {limit:?}")
                    }
                    std::task::Poll::Pending => panic!("{step}: not done after {limit:?}"),
                }
            })
            .await
        }

        /// Reads `reader` to the end and returns the byte count and checksum.
        pub(crate) async fn receive_all(
            mut reader: impl AsyncRead + Unpin,
        ) -> std::io::Result<(u64, u64)> {
            let mut buf = vec![0; 1 << 16];
            let mut checksum = crate::util::Checksum::new();
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

        /// Writes `chunk` (and flushes) until that fails, and returns the
        /// error: the first writes after the peer left may still be accepted
        /// by the OS or, on Windows, by the stream's write buffer.
        pub(crate) async fn write_until_error(
            mut writer: impl AsyncWrite + Unpin,
            chunk: &[u8],
        ) -> std::io::Error {
            let started = std::time::Instant::now();
            loop {
                if let Err(error) = writer.write_all(chunk).await {
                    return error;
                }
                if let Err(error) = writer.flush().await {
                    return error;
                }
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "writes never failed"
                );
            }
        }

        /// Streams 1 MiB of a pattern from `writer` (in 3000-byte writes,
        /// pausing now and then, then dropped) to `reader`, which reads with a
        /// 200 µs timeout that drops many a read midway; checks that every
        /// byte arrives, in order, and that reads were dropped.
        pub(crate) async fn check_that_dropped_reads_lose_no_byte(
            mut writer: impl AsyncWrite + Unpin + Send + 'static,
            mut reader: impl AsyncRead + Unpin,
        ) {
            let total: u64 = 1 << 20;
            let pattern = crate::util::Pattern::new(9);
            let writing = spawn(async move {
                let mut buf = vec![0; 3000];
                let mut offset = 0;
                while offset < total {
                    let len = buf.len().min((total - offset) as usize);
                    pattern.fill(offset, &mut buf[..len]);
                    writer.write_all(&buf[..len]).await.unwrap();
                    offset += len as u64;
                    if offset % 30000 == 0 {
                        sleep(std::time::Duration::from_millis(1)).await;
                    }
                }
            });
            let mut checksum = crate::util::Checksum::new();
            let (mut received, mut cancelled) = (0, 0);
            let mut buf = vec![0; 5000];
            loop {
                match timeout(std::time::Duration::from_micros(200), reader.read(&mut buf)).await {
                    Some(read) => match read.unwrap() {
                        0 => break,
                        n => {
                            checksum.update(&buf[..n]);
                            received += n as u64;
                        }
                    },
                    None => cancelled += 1,
                }
            }
            writing.await;
            assert_eq!(
                (received, checksum.finish()),
                (total, crate::util::Pattern::new(9).checksum(total))
            );
            assert!(cancelled > 0, "no read was ever cancelled");
        }

        /// Runs `future` while the same task counts 10 ms sleeps: a future
        /// that blocks its thread while it waits lets no tick through.
        pub(crate) async fn ticks_while<T>(
            future: impl std::future::Future<Output = T>,
        ) -> (T, u32) {
            let mut ticks = 0;
            let output = super::or(future, async {
                loop {
                    sleep(std::time::Duration::from_millis(10)).await;
                    ticks += 1;
                }
            })
            .await;
            (output, ticks)
        }
    };
}

pub(crate) use common;

/// Opens a suite's instantiation module: binds `rt` to the runtime `$rt` and
/// `SCHEDULER` to its scheduler `$scheduler`, and defines the helpers every
/// test of the module uses under the test's full name (`module::test`, which
/// a child process needs to find it): `full_name`, `watchdog` (fires after
/// `$limit`), `run` (the body on the scheduler, under the watchdog),
/// `child_command` and `skip`.
macro_rules! suite_support {
    ($rt:ident, $scheduler:ident, $limit:expr) => {
        #[allow(unused_imports, reason = "each suite uses a different subset")]
        use crate::runtime::$rt::{self as rt, AsyncReadExt as _, AsyncWriteExt as _};

        const SCHEDULER: rt::Scheduler = rt::Scheduler::$scheduler;

        /// The name libtest knows `test` of this module by.
        fn full_name(test: &str) -> String {
            crate::util::test_path(module_path!(), test)
        }

        fn watchdog(test: &str) -> crate::util::Watchdog {
            crate::util::watchdog(&full_name(test), $limit)
        }

        /// Runs the body of `test` on this module's scheduler, under a watchdog.
        fn run(test: &str, body: impl std::future::Future<Output = ()> + Send + 'static) {
            let _watchdog = watchdog(test);
            rt::run(SCHEDULER, body);
        }

        #[allow(dead_code, reason = "each suite uses a different subset")]
        fn child_command(test: &str) -> std::process::Command {
            crate::util::child_command(&full_name(test))
        }

        #[allow(dead_code, reason = "each suite uses a different subset")]
        fn skip(test: &str, why: &str) {
            crate::util::skip(&full_name(test), why);
        }
    };
}

pub(crate) use suite_support;

/// Instantiates the suite macro `$suite` once per runtime and scheduler, each
/// in a module of its own whose name test filters can use:
/// `tokio_current_thread`, `tokio_multi_thread`, `smol_block_on` and
/// `smol_executor`. `$suite` takes the runtime, the scheduler and the other
/// runtime (for tests that need both front ends).
macro_rules! on_every_scheduler {
    ($suite:ident) => {
        #[cfg(feature = "tokio")]
        mod tokio_current_thread {
            $suite!(tokio, CurrentThread, smol);
        }

        #[cfg(feature = "tokio")]
        mod tokio_multi_thread {
            $suite!(tokio, MultiThread, smol);
        }

        #[cfg(feature = "smol")]
        mod smol_block_on {
            $suite!(smol, BlockOn, tokio);
        }

        #[cfg(feature = "smol")]
        mod smol_executor {
            $suite!(smol, Executor, tokio);
        }
    };
}

pub(crate) use on_every_scheduler;
