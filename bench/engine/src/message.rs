//! Whole messages, for the message family: what its measured side and its
//! peer need of a connection that keeps message boundaries, and that
//! connection over the transports measured.
//!
//! A job over messages is the job over bytes with every write sent as one
//! message: a throughput job sends `write_size`-byte messages and the peer
//! acknowledges with a one-byte message; a round trip sends one message and
//! receives its echo, one message of the same size. No message is empty.
//!
//! * [`Messages`] (blocking) and [`AsyncMessages`] (awaited): send one
//!   message, receive one. The measured side's loop is the one of streams
//!   (see [`measure::messages`](crate::measure::messages)); the peer's is
//!   [`peer::main`](crate::peer::main)'s.
//! * [`LengthPrefixed`]: messages over a byte stream, each behind its length.
//! * localipc's `MessageSocket` (Linux, Android, Windows), a Windows named
//!   pipe in message mode, and (Linux) a raw `SOCK_SEQPACKET` socket
//!   (the `seqpacket` module) implement [`Messages`].

use std::future::Future;
use std::io::{self, BufRead, BufReader, IoSlice, Read, Write};

/// One end of a connection that carries whole messages.
pub trait Messages {
    /// Sends `message` as one message, all of it.
    ///
    /// # Errors
    ///
    /// The transport's error.
    fn send_message(&mut self, message: &[u8]) -> io::Result<()>;

    /// Receives the next message into `buf` and returns its length; 0 at
    /// the end of the stream.
    ///
    /// # Errors
    ///
    /// The transport's error, or an error if the message is longer than
    /// `buf`.
    fn recv_message(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Receives the next message, which must fill `buf` exactly.
    ///
    /// # Errors
    ///
    /// As [`Messages::recv_message`]; `UnexpectedEof` at the end of the
    /// stream, `InvalidData` for a message of another length.
    fn recv_exact_message(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let expected = buf.len();
        exactly(self.recv_message(buf)?, expected)
    }
}

/// [`Messages`] for an async connection, awaited on the caller's executor
/// (one thread: no `Send` bound).
pub trait AsyncMessages {
    /// Sends `message` as one message, all of it.
    ///
    /// # Errors
    ///
    /// The transport's error.
    fn send_message(&mut self, message: &[u8]) -> impl Future<Output = io::Result<()>>;

    /// Receives the next message into `buf` and returns its length; 0 at
    /// the end of the stream.
    ///
    /// # Errors
    ///
    /// The transport's error, or an error if the message is longer than
    /// `buf`.
    fn recv_message(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>>;

    /// Receives the next message, which must fill `buf` exactly.
    ///
    /// # Errors
    ///
    /// As [`Messages::recv_exact_message`].
    fn recv_exact_message(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<()>> {
        async move {
            let expected = buf.len();
            exactly(self.recv_message(buf).await?, expected)
        }
    }
}

/// Checks that a message of `received` bytes (0: the end of the stream)
/// is the `expected` one.
fn exactly(received: usize, expected: usize) -> io::Result<()> {
    match received {
        _ if received == expected => Ok(()),
        0 => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the stream ended where a message of {expected} bytes was expected"),
        )),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a message of {received} bytes came where one of {expected} was expected"),
        )),
    }
}

/// The error for a message of `len` bytes that a buffer of `room` cannot
/// hold.
pub(crate) fn too_long(len: usize, room: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a message of {len} bytes does not fit the buffer of {room}"),
    )
}

/// Messages over a byte stream, each a 4-byte little-endian length and
/// then its bytes: what a program without message sockets writes. A
/// message goes out in one vectored write, length and bytes together; the
/// reading side goes through a `BufReader` of std's default size, so a
/// small message and its length usually take one read, and most of a
/// large one is read straight into the caller's buffer.
#[derive(Debug)]
pub struct LengthPrefixed<R, W> {
    reader: BufReader<R>,
    writer: W,
}

impl<R: Read, W: Write> LengthPrefixed<R, W> {
    /// Messages read from `reader` and written to `writer` (often the two
    /// sides of one stream, such as `&stream` twice).
    pub fn new(reader: R, writer: W) -> Self {
        Self {
            reader: BufReader::new(reader),
            writer,
        }
    }
}

impl<R: Read, W: Write> Messages for LengthPrefixed<R, W> {
    fn send_message(&mut self, message: &[u8]) -> io::Result<()> {
        let len = u32::try_from(message.len()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a length prefix of 4 bytes cannot say 4 GiB or more",
            )
        })?;
        let prefix = len.to_le_bytes();
        let mut parts = [IoSlice::new(&prefix), IoSlice::new(message)];
        let mut parts = &mut parts[..];
        while !parts.is_empty() {
            match self.writer.write_vectored(parts) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => IoSlice::advance_slices(&mut parts, written),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    fn recv_message(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The stream may end between messages, not within one.
        if self.reader.fill_buf()?.is_empty() {
            return Ok(0);
        }
        let mut prefix = [0; 4];
        self.reader.read_exact(&mut prefix)?;
        let len = u32::from_le_bytes(prefix) as usize;
        let room = buf.len();
        let message = buf.get_mut(..len).ok_or_else(|| too_long(len, room))?;
        self.reader.read_exact(message)?;
        Ok(len)
    }
}

/// localipc's message socket: one message per `send`, one per `recv`.
#[cfg(any(target_os = "linux", target_os = "android", windows))]
impl Messages for localipc::local_socket::MessageSocket {
    fn send_message(&mut self, message: &[u8]) -> io::Result<()> {
        self.send(message)
    }

    fn recv_message(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf)
    }
}

/// A Windows named pipe in message mode (in byte mode it would carry bytes,
/// not messages): one message per `send`, one per `recv_into`.
#[cfg(windows)]
impl Messages for localipc::os::windows::named_pipe::Stream {
    fn send_message(&mut self, message: &[u8]) -> io::Result<()> {
        self.send(message)
    }

    fn recv_message(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.recv_into(buf)?.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both directions of a `LengthPrefixed` over in-memory bytes.
    fn framed(input: &[u8]) -> LengthPrefixed<&[u8], Vec<u8>> {
        LengthPrefixed::new(input, Vec::new())
    }

    #[test]
    fn a_length_prefixed_message_is_its_length_then_its_bytes() {
        let mut sender = framed(&[]);
        sender.send_message(b"one").unwrap();
        sender.send_message(&[7; 300]).unwrap();
        let sent = sender.writer;
        assert_eq!(&sent[..7], b"\x03\0\0\0one");
        assert_eq!(&sent[7..11], &300u32.to_le_bytes());

        let mut receiver = framed(&sent);
        let mut buf = [0; 300];
        receiver.recv_exact_message(&mut buf[..3]).unwrap();
        assert_eq!(&buf[..3], b"one");
        assert_eq!(receiver.recv_message(&mut buf).unwrap(), 300);
        assert!(buf.iter().all(|&byte| byte == 7));
        assert_eq!(receiver.recv_message(&mut buf).unwrap(), 0);
    }

    #[test]
    fn a_message_longer_than_the_buffer_is_an_error() {
        let mut receiver = framed(b"\x05\0\0\0hello");
        let error = receiver.recv_message(&mut [0; 4]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_message_of_another_length_or_the_end_is_not_the_one_expected() {
        let mut receiver = framed(b"\x02\0\0\0hi");
        let error = receiver.recv_exact_message(&mut [0; 3]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        let error = receiver.recv_exact_message(&mut [0; 3]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_stream_cut_within_a_message_is_an_error() {
        let mut receiver = framed(b"\x05\0\0\0hel");
        let error = receiver.recv_message(&mut [0; 8]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}
