//! Tokio's reactor for the Unix async front end (see `reactor.rs`):
//! descriptors registered through [`AsyncFd`].

use std::io;
use std::task::{Context, Poll, ready};

use tokio::io::unix::AsyncFd;

use super::reactor::{OwnsFd, Reactor};

/// Tokio's reactor: the current runtime's, found when a type is created.
#[derive(Debug)]
#[allow(unreachable_pub, reason = "named by the public runtime::Tokio")]
pub struct Tokio;

impl Reactor for Tokio {
    fn check_context() -> io::Result<()> {
        crate::tokio_context::require()
    }

    type Io<T: OwnsFd> = AsyncFd<T>;

    fn register<T: OwnsFd>(io: T) -> io::Result<AsyncFd<T>> {
        crate::tokio_context::require()?;
        // SAFETY: `OwnsFd` types own an open descriptor and report that same
        // one for as long as the `AsyncFd` holds them.
        unsafe { AsyncFd::register(io) }.map_err(io::Error::from)
    }

    fn get<T: OwnsFd>(io: &AsyncFd<T>) -> &T {
        io.get_ref()
    }

    fn into_inner<T: OwnsFd>(io: AsyncFd<T>) -> io::Result<T> {
        Ok(io.into_inner())
    }

    fn poll_read_with<T: OwnsFd, R>(
        io: &AsyncFd<T>,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let mut guard = ready!(io.poll_read_ready(cx))?;
            // `try_io` clears the readiness Tokio cached when `op` would block.
            if let Ok(result) = guard.try_io(|inner| op(inner.get_ref())) {
                return Poll::Ready(result);
            }
        }
    }

    fn poll_write_with<T: OwnsFd, R>(
        io: &AsyncFd<T>,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let mut guard = ready!(io.poll_write_ready(cx))?;
            if let Ok(result) = guard.try_io(|inner| op(inner.get_ref())) {
                return Poll::Ready(result);
            }
        }
    }
}
