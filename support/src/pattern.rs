//! Checksummed byte streams: what one side sends, the other checks.

use std::io::{self, Read, Write};

/// A deterministic byte stream of a given length, generated word by word.
#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    seed: u64,
}

impl Pattern {
    /// The stream that `seed` names: equal seeds give equal streams.
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// Fills `buf` with the bytes at stream offsets `offset..offset + buf.len()`.
    pub fn fill(&self, offset: u64, buf: &mut [u8]) {
        let mut word_index = offset / 8;
        let skip = (offset % 8) as usize;
        let head = if skip == 0 {
            0
        } else {
            (8 - skip).min(buf.len())
        };
        let (first, rest) = buf.split_at_mut(head);
        if !first.is_empty() {
            let word = self.word(word_index).to_le_bytes();
            first.copy_from_slice(&word[skip..skip + first.len()]);
            word_index += 1;
        }
        for (i, chunk) in rest.chunks_mut(8).enumerate() {
            let word = self.word(word_index + i as u64).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    fn word(&self, index: u64) -> u64 {
        splitmix(self.seed ^ index)
    }

    /// Writes the first `total` bytes of the stream in `chunk`-byte writes and
    /// returns their checksum.
    ///
    /// # Errors
    ///
    /// The first error of a write or of the final flush.
    pub fn send(&self, mut writer: impl Write, total: u64, chunk: usize) -> io::Result<u64> {
        let mut buf = vec![0; chunk];
        let mut checksum = Checksum::new();
        let mut offset = 0;
        while offset < total {
            let len = chunk.min((total - offset) as usize);
            self.fill(offset, &mut buf[..len]);
            writer.write_all(&buf[..len])?;
            checksum.update(&buf[..len]);
            offset += len as u64;
        }
        writer.flush()?;
        Ok(checksum.finish())
    }

    /// The checksum of the first `total` bytes of the stream.
    pub fn checksum(&self, total: u64) -> u64 {
        self.send(io::sink(), total, 1 << 16)
            .expect("sink never fails")
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a over 64-bit little-endian words (the tail padded with zeros): fast
/// enough for 64 MiB in a debug build, sensitive to order and to every byte.
#[derive(Debug, Clone)]
pub struct Checksum {
    state: u64,
    pending: [u8; 8],
    pending_len: usize,
}

impl Default for Checksum {
    fn default() -> Self {
        Self::new()
    }
}

impl Checksum {
    /// The checksum of no bytes.
    pub fn new() -> Self {
        Self {
            state: 0xcbf2_9ce4_8422_2325,
            pending: [0; 8],
            pending_len: 0,
        }
    }

    /// Adds `bytes`: the result depends on the bytes, not on how they
    /// were cut into updates.
    pub fn update(&mut self, mut bytes: &[u8]) {
        if self.pending_len > 0 {
            let take = (8 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < 8 {
                return;
            }
            self.mix(u64::from_le_bytes(self.pending));
            self.pending_len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.mix(u64::from_le_bytes(word.try_into().unwrap()));
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn mix(&mut self, word: u64) {
        self.state = (self.state ^ word).wrapping_mul(0x0000_0100_0000_01b3);
    }

    /// The checksum of every byte added.
    pub fn finish(mut self) -> u64 {
        if self.pending_len > 0 {
            self.pending[self.pending_len..].fill(0);
            self.mix(u64::from_le_bytes(self.pending));
            self.mix(self.pending_len as u64);
        }
        self.state
    }
}

/// Reads `reader` to end of stream and returns the byte count and checksum.
///
/// # Errors
///
/// The first error of a read other than `Interrupted`.
pub fn receive_all(mut reader: impl Read) -> io::Result<(u64, u64)> {
    let mut buf = vec![0; 1 << 16];
    let mut checksum = Checksum::new();
    let mut total = 0;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok((total, checksum.finish())),
            Ok(n) => {
                checksum.update(&buf[..n]);
                total += n as u64;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}
