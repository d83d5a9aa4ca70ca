//! Async unnamed pipes on Windows.
//!
//! `CreatePipe` makes handles that cannot do overlapped I/O, so an async
//! unnamed pipe is a named pipe nobody else can find or open: a unique,
//! unguessable name, one instance only (claimed with
//! `FILE_FLAG_FIRST_PIPE_INSTANCE`), the current-user-only descriptor, one
//! direction, and the client end opened at once by this process (which is
//! checked). Neither end is inheritable.

use std::collections::hash_map::RandomState;
use std::ffi::OsString;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, IoSlice};
use std::os::windows::io::{AsHandle, OwnedHandle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use windows_sys::Win32::Storage::FileSystem::SECURITY_IDENTIFICATION;

use super::Stream;
use crate::sys::windows::named_pipe::{self, ClientConfig, Direction, ServerConfig};
use crate::sys::windows::pipe as blocking;
use crate::sys::windows::pipe_path;

/// The buffer size of each pipe, as for `CreatePipe` in `sys::pipe`.
const BUFFER_SIZE: u32 = 64 * 1024;

/// The async read end of an unnamed pipe.
#[derive(Debug)]
pub(crate) struct Receiver(Stream);

/// The async write end of an unnamed pipe.
#[derive(Debug)]
pub(crate) struct Sender(Stream);

impl Receiver {
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl Sender {
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
        max_instances: 1,
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
        impersonation: SECURITY_IDENTIFICATION,
        inheritable: false,
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
pub(crate) fn pipe() -> io::Result<(Sender, Receiver)> {
    let (server, client) = pair(Direction::ClientToServer, true)?;
    let sender = Stream::new(client, false, false, None)?;
    let receiver = Stream::new(server, true, false, None)?;
    Ok((Sender(sender), Receiver(receiver)))
}

/// An async sender and a blocking receiver (a synchronous handle, which can
/// be handed to a child process).
pub(crate) fn pipe_with_blocking_receiver() -> io::Result<(Sender, blocking::Receiver)> {
    let (server, client) = pair(Direction::ServerToClient, false)?;
    let sender = Stream::new(server, true, false, None)?;
    Ok((Sender(sender), blocking::Receiver::from_owned(client)))
}

/// A blocking sender (a synchronous handle, which can be handed to a child
/// process) and an async receiver.
pub(crate) fn pipe_with_blocking_sender() -> io::Result<(blocking::Sender, Receiver)> {
    let (server, client) = pair(Direction::ClientToServer, false)?;
    let receiver = Stream::new(server, true, false, None)?;
    Ok((blocking::Sender::from_owned(client), Receiver(receiver)))
}
