//! The frames a resource stream sends over a byte-mode pipe on Windows, and
//! their checks. Every byte a `ResourceStream` writes is inside a frame, so
//! the announcement of handles is never confused with the user's bytes.
//!
//! A frame is an 8-byte header, `kind` (1 byte), three zero bytes and the
//! payload's length (`u32`, little-endian), then the payload:
//!
//! | kind | payload |
//! | --- | --- |
//! | `DATA` (1) | the user's bytes, 1 to [`MAX_DATA`] |
//! | `HANDLES` (2) | the value of an event to signal once done (`u64`), a count (`u32`, 1 to 253), then that many handle values (`u64` each), all in the sender's process; always followed by a `DATA` frame, the bytes they ride with |
//!
//! The peer is untrusted: a header is checked before its length is used,
//! and a payload's length must be exactly what its kind implies.

use std::io;

pub(crate) const HEADER: usize = 8;
pub(crate) const DATA: u8 = 1;
pub(crate) const HANDLES: u8 = 2;
/// The most user bytes in one frame.
pub(crate) const MAX_DATA: usize = 1 << 20;
/// The most handles in one record.
pub(crate) const MAX_HANDLES: usize = 253;
/// The longest payload of a `HANDLES` frame.
pub(crate) const MAX_RECORD: usize = 12 + 8 * MAX_HANDLES;

/// A checked frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) kind: u8,
    pub(crate) len: usize,
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the peer sent a malformed resource-stream frame ({why}); is it a ResourceStream?"),
    )
}

/// Reads and checks a header.
pub(crate) fn parse_header(bytes: [u8; HEADER]) -> io::Result<Header> {
    let [kind, a, b, c, l0, l1, l2, l3] = bytes;
    if (a, b, c) != (0, 0, 0) {
        return Err(invalid("reserved bytes are not zero"));
    }
    let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
    let fits = match kind {
        DATA => (1..=MAX_DATA).contains(&len),
        HANDLES => (12 + 8..=MAX_RECORD).contains(&len) && (len - 12).is_multiple_of(8),
        _ => return Err(invalid("unknown frame kind")),
    };
    if !fits {
        return Err(invalid("a length that does not fit its kind"));
    }
    Ok(Header { kind, len })
}

/// Writes a header.
pub(crate) fn header(kind: u8, len: usize) -> [u8; HEADER] {
    let len = u32::try_from(len).expect("frame lengths are checked to fit u32");
    let [l0, l1, l2, l3] = len.to_le_bytes();
    [kind, 0, 0, 0, l0, l1, l2, l3]
}

/// A `HANDLES` record: the event to signal and the handle values.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) taken: u64,
    pub(crate) values: Vec<u64>,
}

/// Reads and checks the payload of a `HANDLES` frame (whose header was
/// checked).
pub(crate) fn parse_record(payload: &[u8]) -> io::Result<Record> {
    let taken = u64_at(payload, 0)?;
    let count = u32::from_le_bytes(
        payload
            .get(8..12)
            .ok_or_else(|| invalid("short record"))?
            .try_into()
            .map_err(|_| invalid("short record"))?,
    ) as usize;
    if count == 0 || count > MAX_HANDLES || payload.len() != 12 + 8 * count {
        return Err(invalid("a handle count that does not match the record"));
    }
    let values = (0..count)
        .map(|i| u64_at(payload, 12 + 8 * i))
        .collect::<io::Result<_>>()?;
    Ok(Record { taken, values })
}

/// Writes a `HANDLES` frame, header included.
pub(crate) fn record(taken: u64, values: &[u64]) -> Vec<u8> {
    let len = 12 + 8 * values.len();
    let mut frame = Vec::with_capacity(HEADER + len);
    frame.extend_from_slice(&header(HANDLES, len));
    frame.extend_from_slice(&taken.to_le_bytes());
    let count = u32::try_from(values.len()).expect("at most MAX_HANDLES values");
    frame.extend_from_slice(&count.to_le_bytes());
    for value in values {
        frame.extend_from_slice(&value.to_le_bytes());
    }
    frame
}

fn u64_at(bytes: &[u8], at: usize) -> io::Result<u64> {
    let field = bytes
        .get(at..at + 8)
        .ok_or_else(|| invalid("a field past the end of its frame"))?;
    Ok(u64::from_le_bytes(
        field.try_into().map_err(|_| invalid("short field"))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_back_as_written() {
        let frame = record(7, &[1, 2, 0xffff_ffff_ffff]);
        let header_bytes: [u8; HEADER] = frame[..HEADER].try_into().unwrap();
        let parsed = parse_header(header_bytes).unwrap();
        assert_eq!(
            parsed,
            Header {
                kind: HANDLES,
                len: frame.len() - HEADER
            }
        );
        let record = parse_record(&frame[HEADER..]).unwrap();
        assert_eq!(
            record,
            Record {
                taken: 7,
                values: vec![1, 2, 0xffff_ffff_ffff]
            }
        );
    }

    #[test]
    fn bad_headers_and_records_are_invalid_data_not_panics() {
        let bad = [
            [0, 0, 0, 0, 1, 0, 0, 0],             // unknown kind
            [DATA, 1, 0, 0, 1, 0, 0, 0],          // reserved byte set
            [DATA, 0, 0, 0, 0, 0, 0, 0],          // empty data
            [DATA, 0, 0, 0, 1, 0, 0x10, 0],       // data too long
            [3, 0, 0, 0, 8, 0, 0, 0],             // a kind not in use
            [HANDLES, 0, 0, 0, 12, 0, 0, 0],      // no handle
            [HANDLES, 0, 0, 0, 21, 0, 0, 0],      // not a whole handle
            [HANDLES, 0, 0, 0, 0xff, 0xff, 0, 0], // too many
        ];
        for header in bad {
            let error = parse_header(header).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{header:?}");
        }
        // A record whose count disagrees with its length.
        let mut frame = record(1, &[5, 6]);
        frame[HEADER + 8] = 3;
        assert!(parse_record(&frame[HEADER..]).is_err());
        for cut in 0..frame.len() - HEADER {
            let _ = parse_record(&frame[HEADER..HEADER + cut]);
        }
    }
}
