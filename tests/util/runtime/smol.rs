//! smol's side of the binding layer (see `runtime`), over `futures-io`.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::sync::{Arc, LazyLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// Splits a stream into a reading and a writing half for two tasks.
pub(crate) use ::smol::io::split;
pub(crate) use ::smol::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
pub(crate) use localipc::local_socket::smol as local_socket;
#[cfg(unix)]
pub(crate) use localipc::os::unix::fifo::smol as fifo;
#[cfg(windows)]
pub(crate) use localipc::os::windows::named_pipe::smol as named_pipe;
pub(crate) use localipc::pipe::smol as pipe;
pub(crate) use localipc::shm::smol as shm;

super::common!();

/// The threads of the multi-threaded scheduler and of a multi-threaded
/// [`Runtime`].
const THREADS: usize = 4;

/// The schedulers every smol test runs on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scheduler {
    /// `smol::block_on` in this thread; tasks go to smol's global executor.
    BlockOn,
    /// A task of a four-thread `smol::Executor`; its tasks go there too.
    Executor,
}

thread_local! {
    static ON_POOL: Cell<bool> = const { Cell::new(false) };
}

/// The executor of [`Scheduler::Executor`], shared by every test.
static POOL: LazyLock<::smol::Executor<'static>> = LazyLock::new(|| {
    for _ in 0..THREADS {
        std::thread::spawn(|| {
            ON_POOL.set(true);
            ::smol::block_on(POOL.run(std::future::pending::<()>()));
        });
    }
    ::smol::Executor::new()
});

/// Runs `test` to completion on `scheduler`. A panic on the shared pool is
/// raised again in this thread with its message: the pool's threads print
/// into whichever test's output first started them, so the failing test's
/// own report would say nothing.
pub(crate) fn run(scheduler: Scheduler, test: impl Future<Output = ()> + Send + 'static) {
    use ::smol::future::FutureExt as _;
    match scheduler {
        Scheduler::BlockOn => ::smol::block_on(test),
        Scheduler::Executor => {
            let test = std::panic::AssertUnwindSafe(test).catch_unwind();
            if let Err(panic) = ::smol::block_on(POOL.spawn(test)) {
                let message = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("a panic without a message");
                panic!("on the executor's pool: {message}");
            }
        }
    }
}

/// Runs `future` to completion in this thread: how a child process runs
/// what it does.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    ::smol::block_on(future)
}

/// An executor that a test owns, drives with `block_on` and drops with the
/// tasks it still holds: run by `block_on` alone for
/// [`Scheduler::BlockOn`], by four threads of its own as well for
/// [`Scheduler::Executor`].
pub(crate) struct Runtime {
    executor: Arc<::smol::Executor<'static>>,
    stop: Option<::smol::channel::Sender<()>>,
    runners: Vec<JoinHandle<()>>,
}

impl Runtime {
    pub(crate) fn new(scheduler: Scheduler) -> Self {
        let executor = Arc::new(::smol::Executor::new());
        let (stop, stopped) = ::smol::channel::bounded::<()>(1);
        let threads = match scheduler {
            Scheduler::BlockOn => 0,
            Scheduler::Executor => THREADS,
        };
        let runners = (0..threads)
            .map(|_| {
                let executor = Arc::clone(&executor);
                let stopped = stopped.clone();
                std::thread::spawn(move || {
                    ::smol::block_on(executor.run(async {
                        let _ = stopped.recv().await;
                    }));
                })
            })
            .collect();
        Self {
            executor,
            stop: Some(stop),
            runners,
        }
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        ::smol::block_on(self.executor.run(future))
    }

    /// Spawns a task that nobody awaits: it lives until it ends or the
    /// runtime is dropped.
    pub(crate) fn spawn_detached(&self, future: impl Future<Output = ()> + Send + 'static) {
        self.executor.spawn(future).detach();
    }
}

impl Drop for Runtime {
    /// Stops the runner threads; the executor, and every task it still
    /// holds, goes with the last reference, which is this one.
    fn drop(&mut self) {
        drop(self.stop.take());
        for runner in self.runners.drain(..) {
            runner.join().unwrap();
        }
        assert_eq!(Arc::strong_count(&self.executor), 1);
    }
}

/// Spawns on the executor the caller runs on: the pool from the pool's
/// threads, smol's global executor otherwise.
pub(crate) fn spawn<T: Send + 'static>(
    future: impl Future<Output = T> + Send + 'static,
) -> Task<T> {
    if ON_POOL.get() {
        POOL.spawn(future)
    } else {
        ::smol::spawn(future)
    }
}

/// A spawned task: awaiting it gives its output, dropping it cancels it.
pub(crate) type Task<T> = ::smol::Task<T>;

pub(crate) async fn sleep(duration: Duration) {
    ::smol::Timer::after(duration).await;
}

/// Runs `future` for at most `limit`: `None` if the time ran out first (the
/// future is then dropped).
pub(crate) async fn timeout<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    super::or(async { Some(future.await) }, async {
        sleep(limit).await;
        None
    })
    .await
}

/// Runs blocking `work` on a thread of its own and waits for it.
pub(crate) async fn unblock<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    ::smol::unblock(work).await
}

/// Ends the writing direction (`AsyncWriteExt::close`).
pub(crate) async fn shutdown(writer: &mut (impl AsyncWrite + Unpin)) -> io::Result<()> {
    writer.close().await
}
