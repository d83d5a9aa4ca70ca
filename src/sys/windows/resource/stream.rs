//! Handles with bytes over a byte-mode pipe: the blocking resource stream,
//! `framing` driven by blocking reads and writes. Frames are written whole
//! under a lock, so they never interleave.
//!
//! A send or a receive may take several reads or writes of the pipe (a
//! frame that comes in pieces, a reader that drains slowly): the stream's
//! timeout bounds the whole call, from its start, never each of them, so a
//! peer cannot stretch a call by trickling.

use std::io;
use std::os::windows::io::{BorrowedHandle, OwnedHandle};
use std::sync::{Mutex, MutexGuard};
use std::task::Poll;
use std::time::Duration;

use super::framing::Framing;
use crate::sys::Credentials;
use crate::sys::windows::local_socket::socket::Stream;
use crate::sys::windows::named_pipe;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A byte-mode pipe stream whose bytes travel in frames, with handles.
#[derive(Debug)]
pub(crate) struct ResourceStream {
    stream: Stream,
    framing: Framing,
    /// Held while frames are written; whether a send timed out inside a
    /// frame, which ended this stream's sending (the peer must never take
    /// the rest of a frame for the start of the next).
    writer: Mutex<bool>,
}

impl ResourceStream {
    pub(crate) fn new(stream: Stream) -> io::Result<Self> {
        let pid = stream.peer_credentials()?.pid.unwrap_or(0);
        let framing = Framing::new(pid, || named_pipe::is_connected(stream.as_borrowed()));
        Ok(Self {
            stream,
            framing,
            writer: Mutex::default(),
        })
    }

    pub(crate) fn as_borrowed(&self) -> BorrowedHandle<'_> {
        self.stream.as_borrowed()
    }

    pub(crate) fn peer_credentials(&self) -> io::Result<Credentials> {
        self.stream.peer_credentials()
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.stream.set_read_timeout(timeout)
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.stream.set_write_timeout(timeout)
    }

    pub(crate) fn send_with(
        &self,
        bytes: &[u8],
        handles: &[BorrowedHandle<'_>],
    ) -> io::Result<usize> {
        let Some(outgoing) = self.framing.prepare(bytes, handles)? else {
            return Ok(0);
        };
        let len = outgoing.len;
        let mut cut = lock(&self.writer);
        if *cut {
            return Err(cut_error());
        }
        let pipe = self.stream.pipe();
        let deadline = pipe.write_deadline();
        let mut frames = &outgoing.frames[..];
        let mut result = Ok(len);
        while !frames.is_empty() {
            match pipe.write_by(frames, deadline) {
                Ok(n) => frames = &frames[n..],
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        if frames.len() == outgoing.frames.len() {
            // Nothing went: the copies can go at once.
            return result;
        }
        if let Err(error) = &result {
            if error.kind() == io::ErrorKind::TimedOut {
                *cut = true;
                result = Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the send timed out inside a frame; this stream can no longer send",
                ));
            }
        }
        // Some went: the receiver may take the copies, so they wait for it.
        self.framing.sent(outgoing)?;
        result
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.receive(buf, None)
    }

    /// Writes bytes on the pipe itself, outside any frame: for a protocol
    /// that leaves the frames behind once both sides agree (a shared-memory
    /// channel's bells after its set-up). Never mixed with frames in flight:
    /// it takes the writers' lock.
    pub(crate) fn write_raw(&self, bytes: &[u8]) -> io::Result<usize> {
        let cut = lock(&self.writer);
        if *cut {
            return Err(cut_error());
        }
        self.stream.write(bytes)
    }

    /// Reads bytes off the pipe itself, outside any frame (see
    /// [`write_raw`](Self::write_raw)): whatever the peer sends, handles
    /// it announces included, is only bytes here.
    pub(crate) fn read_raw(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }

    pub(crate) fn recv_with(
        &self,
        buf: &mut [u8],
        handles: &mut Vec<OwnedHandle>,
    ) -> io::Result<usize> {
        self.receive(buf, Some(handles))
    }

    /// One receive: its reads (the frames before the bytes, the bytes)
    /// share the read timeout.
    fn receive(&self, buf: &mut [u8], out: Option<&mut Vec<OwnedHandle>>) -> io::Result<usize> {
        let pipe = self.stream.pipe();
        let deadline = pipe.read_deadline();
        let received = self.framing.poll_receive(buf, out, &mut |buf| {
            Poll::Ready(pipe.read_by(buf, deadline))
        });
        let Poll::Ready(received) = received else {
            unreachable!("blocking reads are always ready");
        };
        received
    }
}

fn cut_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "an earlier send timed out inside a frame, which ended this stream's sending",
    )
}
