//! The peer's half of a job, written once for the two ways a connection
//! carries it: a byte stream, or whole messages.

use std::io::{self, Read, Write};
use std::ops::Range;
use std::time::Duration;

use super::READ_BUFFER;
use crate::cpu;
use crate::job::Job;
use crate::measure::ACK;
use crate::message::Messages;
use crate::pattern;

/// What answering a job takes of a connection.
pub(super) trait Connection {
    /// Receives the stream bytes `range`, sent in writes of `write_size`,
    /// checking each against the pattern if `verify`.
    fn receive(&mut self, range: Range<u64>, write_size: usize, verify: bool) -> io::Result<()>;

    /// Sends the acknowledgement byte.
    fn acknowledge(&mut self) -> io::Result<()>;

    /// Receives a message of `message.len()` bytes into `message` and sends
    /// it back.
    fn echo(&mut self, message: &mut [u8]) -> io::Result<()>;

    /// Checks that the measured side sent nothing more and closed its end.
    fn expect_end(&mut self) -> io::Result<()>;
}

/// The peer's half of `job` over `connection`: for a throughput job, the
/// warm-up bytes, an acknowledgement, the timed bytes and another; for a
/// round-trip job, every message echoed. Then the end of the stream.
///
/// Returns the CPU time this process used over its share of the timed
/// part (from the first acknowledgement to the second, or over the timed
/// round trips), if the OS says.
pub(super) fn answer(
    mut connection: impl Connection,
    job: Job,
    verify: bool,
) -> io::Result<Option<Duration>> {
    let (started, ended) = match job {
        Job::Throughput {
            write_size,
            warm_bytes,
            total_bytes,
        } => {
            connection.receive(0..warm_bytes, write_size, verify)?;
            connection.acknowledge()?;
            let started = cpu::process_time();
            let timed = warm_bytes..warm_bytes + total_bytes;
            connection.receive(timed, write_size, verify)?;
            connection.acknowledge()?;
            (started, cpu::process_time())
        }
        Job::RoundTrip {
            message_size,
            warm,
            count,
        } => {
            let mut message = vec![0; message_size];
            for _ in 0..warm {
                connection.echo(&mut message)?;
            }
            let started = cpu::process_time();
            for _ in 0..count {
                connection.echo(&mut message)?;
            }
            (started, cpu::process_time())
        }
    };
    connection.expect_end()?;
    Ok(ended
        .zip(started)
        .map(|(ended, started)| ended.saturating_sub(started)))
}

/// A byte stream, read up to [`READ_BUFFER`] at a time whatever the size
/// of the measured side's writes.
pub(super) struct Bytes<S> {
    stream: S,
    buffer: Vec<u8>,
}

impl<S> Bytes<S> {
    pub(super) fn new(stream: S) -> Self {
        Self {
            stream,
            buffer: vec![0; READ_BUFFER],
        }
    }
}

/// A reader and a writer as one stream.
pub(super) struct Split<R, W> {
    pub(super) reader: R,
    pub(super) writer: W,
}

impl<R: Read, W> Read for Split<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl<R, W: Write> Write for Split<R, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

impl<S: Read + Write> Connection for Bytes<S> {
    fn receive(&mut self, range: Range<u64>, _: usize, verify: bool) -> io::Result<()> {
        let mut offset = range.start;
        while offset < range.end {
            let room = self.buffer.len();
            let want = usize::try_from(range.end - offset).map_or(room, |left| left.min(room));
            let got = self.stream.read(&mut self.buffer[..want])?;
            if got == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the stream ended at byte {offset} of {}", range.end),
                ));
            }
            if verify {
                check_pattern(&self.buffer[..got], offset)?;
            }
            offset += got as u64;
        }
        Ok(())
    }

    fn acknowledge(&mut self) -> io::Result<()> {
        self.stream.write_all(&[ACK])
    }

    fn echo(&mut self, message: &mut [u8]) -> io::Result<()> {
        self.stream.read_exact(message)?;
        self.stream.write_all(message)
    }

    fn expect_end(&mut self) -> io::Result<()> {
        match self.stream.read(&mut [0])? {
            0 => Ok(()),
            _ => Err(more_than_asked()),
        }
    }
}

/// A connection of whole messages: every write of the measured side is one
/// message, received whole straight into a buffer of its size, and the
/// acknowledgements and echoes are messages.
pub(super) struct WholeMessages<M> {
    end: M,
    buffer: Vec<u8>,
}

impl<M> WholeMessages<M> {
    pub(super) fn new(end: M) -> Self {
        Self {
            end,
            buffer: vec![0; READ_BUFFER],
        }
    }
}

impl<M: Messages> Connection for WholeMessages<M> {
    fn receive(&mut self, range: Range<u64>, write_size: usize, verify: bool) -> io::Result<()> {
        let message = &mut self.buffer[..write_size];
        let mut offset = range.start;
        while offset < range.end {
            self.end.recv_exact_message(message)?;
            if verify {
                check_pattern(message, offset)?;
            }
            offset += write_size as u64;
        }
        Ok(())
    }

    fn acknowledge(&mut self) -> io::Result<()> {
        self.end.send_message(&[ACK])
    }

    fn echo(&mut self, message: &mut [u8]) -> io::Result<()> {
        self.end.recv_exact_message(message)?;
        self.end.send_message(message)
    }

    fn expect_end(&mut self) -> io::Result<()> {
        match self.end.recv_message(&mut self.buffer)? {
            0 => Ok(()),
            _ => Err(more_than_asked()),
        }
    }
}

/// Checks that `data`, found at stream offset `offset`, is what was sent.
fn check_pattern(data: &[u8], offset: u64) -> io::Result<()> {
    match pattern::first_mismatch(data, offset) {
        None => Ok(()),
        Some(at) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("byte {at} of the stream differs from what was sent"),
        )),
    }
}

fn more_than_asked() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the measured side sent more than the job asked for",
    )
}
