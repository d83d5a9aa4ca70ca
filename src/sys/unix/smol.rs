//! async-io's reactor for the Unix async front end (see `reactor.rs`):
//! descriptors registered through [`Async`], which smol, async-std and every
//! other async-io user drive.
//!
//! # `IoSafe`
//!
//! async-io asks, through its unsafe `IoSafe` trait, that the I/O methods of
//! a registered type never drop or replace its descriptor. The types
//! registered here own their descriptor and do I/O only through `&self`
//! methods that read, write, accept or shut down; nothing but their `Drop`
//! closes the descriptor, and `Async` takes them back (`into_inner`) before
//! that can happen. This module never uses `Async::get_mut` or `Async`'s own
//! `Read`/`Write`-based trait implementations.

use std::io;
use std::task::{Context, Poll, ready};

use async_io::{Async, IoSafe};

use super::reactor::{OwnsFd, Reactor};

// SAFETY: as the module docs say, these types' I/O never drops or replaces
// their descriptor.
unsafe impl IoSafe for super::local_socket::Stream {}
// SAFETY: as above.
unsafe impl IoSafe for super::pipe::Sender {}
// SAFETY: as above.
unsafe impl IoSafe for super::pipe::Receiver {}

/// async-io's reactor: one per process, driven by whichever thread waits.
#[derive(Debug)]
#[allow(unreachable_pub, reason = "named by the public runtime::Smol")]
pub struct AsyncIo;

impl Reactor for AsyncIo {
    fn check_context() -> io::Result<()> {
        crate::smol_context::require()
    }

    type Io<T: OwnsFd> = Async<T>;

    fn register<T: OwnsFd>(io: T) -> io::Result<Async<T>> {
        Async::new_nonblocking(io)
    }

    fn get<T: OwnsFd>(io: &Async<T>) -> &T {
        io.get_ref()
    }

    fn into_inner<T: OwnsFd>(io: Async<T>) -> io::Result<T> {
        io.into_inner()
    }

    fn poll_read_with<T: OwnsFd, R>(
        io: &Async<T>,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        retry(io, cx, op, Async::poll_readable)
    }

    fn poll_write_with<T: OwnsFd, R>(
        io: &Async<T>,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        retry(io, cx, op, Async::poll_writable)
    }
}

/// Runs `op` until it stops failing with `WouldBlock`, waiting with
/// `ready` (readability or writability) in between.
fn retry<T: OwnsFd, R>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    mut op: impl FnMut(&T) -> io::Result<R>,
    ready: fn(&Async<T>, &mut Context<'_>) -> Poll<io::Result<()>>,
) -> Poll<io::Result<R>> {
    loop {
        match op(io.get_ref()) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            result => return Poll::Ready(result),
        }
        ready!(ready(io, cx))?;
    }
}
