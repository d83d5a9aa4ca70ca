//! Handles with bytes over a byte-mode pipe: the blocking resource stream,
//! `framing` driven by blocking reads and writes. Frames are written whole
//! under a lock, so they never interleave; acknowledgements owed are
//! written at once when no other thread is writing, else with that thread's
//! next frame, so a reader never waits for a writer.

use std::io;
use std::os::windows::io::{BorrowedHandle, OwnedHandle};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::task::Poll;
use std::time::Duration;

use super::framing::Framing;
use super::local_socket::Stream;
use crate::sys::Credentials;

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
    /// Held while frames are written.
    writer: Mutex<()>,
}

impl ResourceStream {
    pub(crate) fn new(stream: Stream) -> io::Result<Self> {
        let pid = stream.peer_credentials()?.pid.unwrap_or(0);
        let framing = Framing::new(pid, || stream.as_named_pipe().peek_len().is_ok());
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
        let _writing = lock(&self.writer);
        let pipe = self.stream.as_named_pipe();
        self.framing
            .collect_waiting_acks(|buf| pipe.peek(buf), |buf| pipe.read(buf))?;
        let Some(outgoing) = self.framing.prepare(bytes, handles)? else {
            return Ok(0);
        };
        if let Err(error) = self.write_all(&outgoing.frames) {
            self.framing.abandon(&outgoing);
            return Err(error);
        }
        Ok(outgoing.len)
    }

    fn write_all(&self, mut frames: &[u8]) -> io::Result<()> {
        while !frames.is_empty() {
            let n = self.stream.write(frames)?;
            frames = &frames[n..];
        }
        Ok(())
    }

    /// Writes the acknowledgements owed, unless another thread is writing
    /// (it then writes them with its next frame).
    fn write_owed_acks(&self) -> io::Result<()> {
        if !self.framing.owes_acks() {
            return Ok(());
        }
        let _writing = match self.writer.try_lock() {
            Ok(writing) => writing,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        let acks = self.framing.owed_ack_frames();
        self.write_all(&acks)
            .inspect_err(|_| self.framing.still_owe(&acks))
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.receive(buf, None)
    }

    pub(crate) fn recv_with(
        &self,
        buf: &mut [u8],
        handles: &mut Vec<OwnedHandle>,
    ) -> io::Result<usize> {
        self.receive(buf, Some(handles))
    }

    fn receive(&self, buf: &mut [u8], out: Option<&mut Vec<OwnedHandle>>) -> io::Result<usize> {
        let received = self
            .framing
            .poll_receive(buf, out, &mut |buf| Poll::Ready(self.stream.read(buf)));
        let Poll::Ready(received) = received else {
            unreachable!("blocking reads are always ready");
        };
        // A failed acknowledgement stays owed; the bytes are still good.
        let _ = self.write_owed_acks();
        received
    }
}
