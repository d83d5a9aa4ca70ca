//! Async unnamed pipes on Windows.
//!
//! `CreatePipe` makes handles that cannot do overlapped I/O, so an async
//! unnamed pipe is a named pipe nobody else can find or open: a unique,
//! unguessable name, one instance only (claimed with
//! `FILE_FLAG_FIRST_PIPE_INSTANCE`), the current-user-only descriptor, one
//! direction, and the client end opened at once by this process (which is
//! checked). Neither end is inheritable.
//!
//! Every type and function names the runtime `X` it serves, as the Unix
//! backend's do (`sys::unix::reactor`), although the core is the same for
//! all: the portable front end is then one generic type per end on every OS.

use std::collections::hash_map::RandomState;
use std::ffi::OsString;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, IoSlice};
use std::marker::PhantomData;
use std::os::windows::io::{AsHandle, OwnedHandle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use super::{Reactor, Stream};
use crate::sys::ExpectedServer;
use crate::sys::windows::named_pipe::{
    self, ClientConfig, Direction, ImpersonationLevel, ServerConfig,
};
use crate::sys::windows::pipe as blocking;
use crate::sys::windows::pipe_path;

/// The buffer size of each pipe, as for `CreatePipe` in `sys::pipe`.
const BUFFER_SIZE: u32 = 64 * 1024;

/// The async read end of an unnamed pipe.
#[derive(Debug)]
pub(crate) struct Receiver<X>(Stream, PhantomData<fn() -> X>);

/// The async write end of an unnamed pipe.
#[derive(Debug)]
pub(crate) struct Sender<X>(Stream, PhantomData<fn() -> X>);

impl<X: Reactor> Receiver<X> {
    fn new(stream: Stream) -> Self {
        Self(stream, PhantomData)
    }

    pub(crate) fn as_borrowed(&self) -> std::os::windows::io::BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl<X: Reactor> Sender<X> {
    fn new(stream: Stream) -> Self {
        Self(stream, PhantomData)
    }

    pub(crate) fn as_borrowed(&self) -> std::os::windows::io::BorrowedHandle<'_> {
        self.0.as_borrowed()
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored(cx, bufs)
    }

    /// Ready once every write has been handed to the pipe.
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }
}

/// A pipe name no other pipe has and nobody can guess:
/// `\\.\pipe\localipc-anon-<pid>-<counter>-<random>`.
fn unique_path() -> io::Result<pipe_path::PipePath> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // std seeds every RandomState from the OS's random source.
    let random = RandomState::new().build_hasher().finish();
    let path = format!(
        r"\\.\pipe\localipc-anon-{}-{}-{random:016x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    pipe_path::local(&OsString::from(path))
}

/// Creates the pair: the server end (overlapped, carrying data in
/// `direction`) and the client end (overlapped or not).
fn pair(direction: Direction, client_overlapped: bool) -> io::Result<(OwnedHandle, OwnedHandle)> {
    let path = unique_path()?;
    let server_config = ServerConfig {
        path: path.clone(),
        messages: false,
        direction,
        max_instances: Some(1),
        in_buffer: BUFFER_SIZE,
        out_buffer: BUFFER_SIZE,
        reject_remote: true,
        inheritable: false,
        security: None,
    };
    let server = server_config.create_instance(true)?;
    let client_config = ClientConfig {
        path,
        direction,
        timeout: None,
        impersonation: ImpersonationLevel::Identification,
        inheritable: false,
        // The pipe is this process's own; the client-id check below
        // is what tells that nobody else opened it.
        expected_server: ExpectedServer::AnyUser,
    };
    let client = named_pipe::open_client(&client_config, client_overlapped)?.ok_or_else(|| {
        io::Error::other("another client took the single instance of a fresh anonymous pipe")
    })?;
    // The one instance is ours now; make sure the client that got it is too.
    if named_pipe::client_process_id(server.as_handle())? != std::process::id() {
        return Err(io::Error::other(
            "another process opened a fresh anonymous pipe before its owner",
        ));
    }
    Ok((server, client))
}

/// An async pipe: both ends overlapped.
pub(crate) fn pipe<X: Reactor>() -> io::Result<(Sender<X>, Receiver<X>)> {
    X::check_context()?;
    let (server, client) = pair(Direction::ClientToServer, true)?;
    let sender = Stream::new(client, false, false, None)?;
    let receiver = Stream::new(server, true, false, None)?;
    Ok((Sender::new(sender), Receiver::new(receiver)))
}

/// An async sender and a blocking receiver (a synchronous handle, which can
/// be handed to a child process).
pub(crate) fn pipe_with_blocking_receiver<X: Reactor>()
-> io::Result<(Sender<X>, blocking::Receiver)> {
    X::check_context()?;
    let (server, client) = pair(Direction::ServerToClient, false)?;
    let sender = Stream::new(server, true, false, None)?;
    Ok((Sender::new(sender), blocking::Receiver::from_owned(client)))
}

/// A blocking sender (a synchronous handle, which can be handed to a child
/// process) and an async receiver.
pub(crate) fn pipe_with_blocking_sender<X: Reactor>() -> io::Result<(blocking::Sender, Receiver<X>)>
{
    X::check_context()?;
    let (server, client) = pair(Direction::ClientToServer, false)?;
    let receiver = Stream::new(server, true, false, None)?;
    Ok((
        blocking::Sender::from_owned(client),
        Receiver::new(receiver),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread;
    use std::time::Duration;

    use super::*;

    /// A runtime whose ends can be made anywhere: the core needs none.
    #[derive(Debug)]
    struct AnyThread;

    impl Reactor for AnyThread {
        fn check_context() -> io::Result<()> {
            Ok(())
        }
    }

    /// Blocks the thread on `poll` with a waker that unparks it: the core
    /// needs no runtime.
    fn block_on<T>(mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>) -> T {
        struct Unpark(thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(value) = poll(&mut cx) {
                return value;
            }
            thread::park_timeout(Duration::from_secs(1));
        }
    }

    fn read_all(receiver: &Receiver<AnyThread>) -> Vec<u8> {
        let mut all = Vec::new();
        let mut buf = [0; 10_000];
        loop {
            let n = block_on(|cx| receiver.poll_read(cx, &mut buf)).unwrap();
            if n == 0 {
                return all;
            }
            all.extend_from_slice(&buf[..n]);
        }
    }

    fn data() -> Vec<u8> {
        (0..300_000u32).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn an_async_pipe_carries_bytes_to_the_end() {
        let (sender, receiver) = pipe::<AnyThread>().unwrap();
        let expected = data();
        let writer = thread::spawn({
            let data = expected.clone();
            move || {
                let mut rest = &data[..];
                while !rest.is_empty() {
                    let n = block_on(|cx| sender.poll_write(cx, rest)).unwrap();
                    rest = &rest[n..];
                }
                block_on(|cx| sender.poll_flush(cx)).unwrap();
            }
        });
        assert!(read_all(&receiver) == expected);
        writer.join().unwrap();
    }

    #[test]
    fn an_async_sender_feeds_a_blocking_receiver() {
        let (sender, receiver) = pipe_with_blocking_receiver::<AnyThread>().unwrap();
        let expected = data();
        let (done, finished) = mpsc::channel();
        let reader = thread::spawn(move || {
            let mut all = Vec::new();
            let mut buf = [0; 4096];
            loop {
                let n = receiver.read(&mut buf).unwrap();
                if n == 0 {
                    done.send(()).unwrap();
                    return all;
                }
                all.extend_from_slice(&buf[..n]);
            }
        });
        let bufs = [
            IoSlice::new(&expected[..100]),
            IoSlice::new(&expected[100..]),
        ];
        let mut written = block_on(|cx| sender.poll_write_vectored(cx, &bufs)).unwrap();
        while written < expected.len() {
            written += block_on(|cx| sender.poll_write(cx, &expected[written..])).unwrap();
        }
        drop(sender);
        finished.recv_timeout(Duration::from_secs(30)).unwrap();
        assert!(reader.join().unwrap() == expected);
    }

    #[test]
    fn a_blocking_sender_feeds_an_async_receiver() {
        let (sender, receiver) = pipe_with_blocking_sender::<AnyThread>().unwrap();
        let expected = data();
        let writer = thread::spawn({
            let data = expected.clone();
            move || {
                let mut rest = &data[..];
                while !rest.is_empty() {
                    rest = &rest[sender.write(rest).unwrap()..];
                }
            }
        });
        assert!(read_all(&receiver) == expected);
        writer.join().unwrap();
    }

    #[test]
    fn a_write_after_the_receiver_is_gone_is_broken_pipe() {
        let (sender, receiver) = pipe::<AnyThread>().unwrap();
        drop(receiver);
        let result = block_on(|cx| sender.poll_write(cx, b"x"))
            .and_then(|_| block_on(|cx| sender.poll_flush(cx)));
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }
}
