//! The bytes of a throughput transfer: byte `i` of the stream is `i mod 251`.
//!
//! 251 is prime, so no write size lines up with the period: a chunk lost,
//! repeated or reordered shows as a mismatch at the peer.

/// The length of the pattern's period.
const PERIOD: usize = 251;

/// The byte at `offset` in the stream.
fn byte_at(offset: u64) -> u8 {
    (offset % PERIOD as u64) as u8
}

/// Hands out the next write of a stream without allocating: one buffer one
/// period longer than a write holds every alignment of the pattern.
#[derive(Debug)]
pub(crate) struct Source {
    buffer: Vec<u8>,
    write_size: usize,
}

impl Source {
    pub(crate) fn new(write_size: usize) -> Self {
        let buffer = (0..(write_size + PERIOD) as u64).map(byte_at).collect();
        Self { buffer, write_size }
    }

    /// The `write_size` bytes that start at `offset` in the stream.
    pub(crate) fn chunk(&self, offset: u64) -> &[u8] {
        let start = (offset % PERIOD as u64) as usize;
        &self.buffer[start..start + self.write_size]
    }
}

/// The offset of the first byte of `data`, which should have started at
/// stream offset `offset`, that differs from the pattern.
pub(crate) fn first_mismatch(data: &[u8], offset: u64) -> Option<u64> {
    (offset..)
        .zip(data)
        .find(|&(at, &byte)| byte != byte_at(at))
        .map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_chunks_continue_the_pattern() {
        let source = Source::new(1000);
        assert_eq!(first_mismatch(source.chunk(0), 0), None);
        assert_eq!(first_mismatch(source.chunk(1000), 1000), None);
        assert_eq!(first_mismatch(source.chunk(250_000), 250_000), None);
    }

    #[test]
    fn a_repeated_chunk_is_caught() {
        let source = Source::new(4096);
        assert_eq!(first_mismatch(source.chunk(0), 4096), Some(4096));
    }
}
