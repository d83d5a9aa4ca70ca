//! Tokio's side of the binding layer (see `runtime`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Splits a stream into a reading and a writing half for two tasks.
pub(crate) use ::tokio::io::split;
pub(crate) use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
pub(crate) use localipc::local_socket::tokio as local_socket;
#[cfg(unix)]
pub(crate) use localipc::os::unix::fifo::tokio as fifo;
#[cfg(windows)]
pub(crate) use localipc::os::windows::named_pipe::tokio as named_pipe;
pub(crate) use localipc::pipe::tokio as pipe;
pub(crate) use localipc::shm::tokio as shm;

super::common!();

/// The schedulers every Tokio test runs on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scheduler {
    /// A current-thread runtime: the test and its tasks share this thread.
    CurrentThread,
    /// A multi-thread runtime with two workers; the test is one of its tasks.
    MultiThread,
}

/// Runs `test` to completion on a fresh runtime of the kind `scheduler`.
pub(crate) fn run(scheduler: Scheduler, test: impl Future<Output = ()> + Send + 'static) {
    let runtime = Runtime::new(scheduler);
    match scheduler {
        Scheduler::CurrentThread => runtime.block_on(test),
        Scheduler::MultiThread => runtime.block_on(async { spawn(test).await }),
    }
}

/// Runs `future` to completion in this thread, on a current-thread runtime
/// made for it: how a child process runs what it does.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    Runtime::new(Scheduler::CurrentThread).block_on(future)
}

/// A runtime that a test owns, drives with `block_on` and drops with the
/// tasks it still holds; I/O and timers enabled.
pub(crate) struct Runtime(::tokio::runtime::Runtime);

impl Runtime {
    pub(crate) fn new(scheduler: Scheduler) -> Self {
        let mut builder = match scheduler {
            Scheduler::CurrentThread => ::tokio::runtime::Builder::new_current_thread(),
            Scheduler::MultiThread => {
                let mut builder = ::tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(2);
                builder
            }
        };
        Self(builder.enable_all().build().unwrap())
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    /// Spawns a task that nobody awaits: it lives until it ends or the
    /// runtime is dropped.
    pub(crate) fn spawn_detached(&self, future: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.spawn(future));
    }
}

/// Spawns `future` on the current runtime.
pub(crate) fn spawn<T: Send + 'static>(
    future: impl Future<Output = T> + Send + 'static,
) -> Task<T> {
    Task(::tokio::spawn(future))
}

/// A spawned task, as smol's `Task`: awaiting it gives its output (or
/// resumes its panic) and dropping it cancels it.
pub(crate) struct Task<T>(::tokio::task::JoinHandle<T>);

impl<T> Task<T> {
    pub(crate) fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl<T> Future for Task<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx).map(|joined| match joined {
            Ok(output) => output,
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(error) => panic!("task ended without an output: {error}"),
            },
        })
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) async fn sleep(duration: Duration) {
    ::tokio::time::sleep(duration).await;
}

/// Runs `future` for at most `limit`: `None` if the time ran out first (the
/// future is then dropped).
pub(crate) async fn timeout<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    ::tokio::time::timeout(limit, future).await.ok()
}

/// Runs blocking `work` on a thread of its own and waits for it.
pub(crate) async fn unblock<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match ::tokio::task::spawn_blocking(work).await {
        Ok(output) => output,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// Ends the writing direction (`AsyncWriteExt::shutdown`).
pub(crate) async fn shutdown(writer: &mut (impl AsyncWrite + Unpin)) -> io::Result<()> {
    writer.shutdown().await
}
