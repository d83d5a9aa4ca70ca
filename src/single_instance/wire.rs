//! What a later start sends the primary, and the primary's answer: the one
//! encoding both front ends use, with no I/O of its own.
//!
//! A request is a header (the magic `lsi1` and the payload's length, a
//! little-endian `u32`) and the payload: the number of arguments, then each
//! argument and the working directory, each as a length and its bytes
//! (`u32`s, little-endian). Arguments and the directory are the OS's own
//! strings: bytes on Unix, UTF-16 code units (little-endian) on Windows, so
//! every `OsString` crosses whole and nothing the peer sends can be invalid.
//! An empty directory means none was sent. The answer is one byte, [`ACK`].

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

/// The first bytes of every request.
const MAGIC: [u8; 4] = *b"lsi1";

/// The bytes of a request's header.
pub(super) const HEADER_LEN: usize = 8;

/// The most a request's payload may hold: 1 MiB, far more than any command
/// line (Linux allows 2 MiB of arguments and environment together, Windows
/// 32,767 UTF-16 units).
pub(super) const MAX_PAYLOAD: usize = 1 << 20;

/// The primary's acknowledgement.
pub(super) const ACK: u8 = 0x06;

/// A forwarded start: its arguments and working directory.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Request {
    pub(super) args: Vec<OsString>,
    pub(super) cwd: Option<PathBuf>,
}

/// The whole request (header and payload) for `args` and `cwd`.
///
/// # Errors
///
/// `InvalidInput` if it would exceed [`MAX_PAYLOAD`].
pub(super) fn encode<I, S>(args: I, cwd: Option<&Path>) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut out = vec![0; HEADER_LEN + 4];
    let mut count: u32 = 0;
    for arg in args {
        push_string(&mut out, arg.as_ref());
        count = count.saturating_add(1);
    }
    push_string(&mut out, cwd.map_or(OsStr::new(""), Path::as_os_str));
    let payload = out.len() - HEADER_LEN;
    if payload > MAX_PAYLOAD {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the arguments to forward take {payload} bytes; a running instance accepts at \
                 most {MAX_PAYLOAD}"
            ),
        ));
    }
    out[..4].copy_from_slice(&MAGIC);
    out[4..8].copy_from_slice(&(payload as u32).to_le_bytes());
    out[8..12].copy_from_slice(&count.to_le_bytes());
    Ok(out)
}

/// The payload's length, from a request's header.
///
/// # Errors
///
/// `InvalidData` if the header is not a request's or announces more than
/// [`MAX_PAYLOAD`].
pub(super) fn payload_len(header: &[u8; HEADER_LEN]) -> io::Result<usize> {
    if header[..4] != MAGIC {
        return Err(invalid("it does not start like a forwarded start"));
    }
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if len > MAX_PAYLOAD {
        return Err(invalid(&format!(
            "it announces {len} bytes, more than the {MAX_PAYLOAD} accepted"
        )));
    }
    Ok(len)
}

/// The request in `payload`.
///
/// # Errors
///
/// `InvalidData` if it is not a well-formed payload.
pub(super) fn decode(payload: &[u8]) -> io::Result<Request> {
    let mut rest = payload;
    let count = take_u32(&mut rest)? as usize;
    // Each argument takes at least its length's four bytes, so a count the
    // payload cannot hold is refused before anything is allocated for it.
    if count > rest.len() / 4 {
        return Err(invalid("it counts more arguments than it holds"));
    }
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        args.push(take_string(&mut rest)?);
    }
    let cwd = take_string(&mut rest)?;
    if !rest.is_empty() {
        return Err(invalid("bytes follow its working directory"));
    }
    let cwd = (!cwd.is_empty()).then(|| PathBuf::from(cwd));
    Ok(Request { args, cwd })
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a later start sent a request that is not valid: {why}"),
    )
}

fn take_u32(rest: &mut &[u8]) -> io::Result<u32> {
    let Some((head, tail)) = rest.split_first_chunk::<4>() else {
        return Err(invalid("it ends in the middle of a length"));
    };
    *rest = tail;
    Ok(u32::from_le_bytes(*head))
}

fn take_string(rest: &mut &[u8]) -> io::Result<OsString> {
    let len = take_u32(rest)? as usize;
    if len > rest.len() {
        return Err(invalid("a string runs past its end"));
    }
    let (bytes, tail) = rest.split_at(len);
    *rest = tail;
    from_bytes(bytes)
}

fn push_string(out: &mut Vec<u8>, string: &OsStr) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    to_bytes(out, string);
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

#[cfg(unix)]
fn to_bytes(out: &mut Vec<u8>, string: &OsStr) {
    use std::os::unix::ffi::OsStrExt;
    out.extend_from_slice(string.as_bytes());
}

#[cfg(unix)]
fn from_bytes(bytes: &[u8]) -> io::Result<OsString> {
    use std::os::unix::ffi::OsStrExt;
    Ok(OsStr::from_bytes(bytes).to_owned())
}

#[cfg(windows)]
fn to_bytes(out: &mut Vec<u8>, string: &OsStr) {
    use std::os::windows::ffi::OsStrExt;
    for unit in string.encode_wide() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

#[cfg(windows)]
fn from_bytes(bytes: &[u8]) -> io::Result<OsString> {
    use std::os::windows::ffi::OsStringExt;
    if !bytes.len().is_multiple_of(2) {
        return Err(invalid("a string has an odd number of bytes"));
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|unit| u16::from_le_bytes([unit[0], unit[1]]))
        .collect();
    Ok(OsString::from_wide(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(args: &[&str], cwd: Option<&Path>) -> Request {
        let bytes = encode(args, cwd).unwrap();
        let header: [u8; HEADER_LEN] = bytes[..HEADER_LEN].try_into().unwrap();
        assert_eq!(payload_len(&header).unwrap(), bytes.len() - HEADER_LEN);
        decode(&bytes[HEADER_LEN..]).unwrap()
    }

    #[test]
    fn a_request_crosses_whole() {
        let request = round_trip(
            &["open", "", "ünïcödé file.txt"],
            Some(Path::new("/home/x")),
        );
        assert_eq!(request.args, ["open", "", "ünïcödé file.txt"]);
        assert_eq!(request.cwd.as_deref(), Some(Path::new("/home/x")));
        assert_eq!(round_trip(&[], None), Request::default());
    }

    #[test]
    fn a_request_over_the_limit_is_refused_by_the_sender() {
        let big = "x".repeat(MAX_PAYLOAD);
        let error = encode([big], None).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn malformed_requests_are_invalid_data_never_a_panic() {
        let mut header = [0u8; HEADER_LEN];
        assert_eq!(
            payload_len(&header).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        header[..4].copy_from_slice(&MAGIC);
        header[4..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            payload_len(&header).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        let good = encode(["a", "bc"], Some(Path::new("d"))).unwrap();
        let payload = &good[HEADER_LEN..];
        // Every truncation, and every payload with one byte changed to
        // 0xff, decodes to an error or a request, never a panic.
        for len in 0..payload.len() {
            assert!(decode(&payload[..len]).is_err(), "truncated to {len}");
        }
        for at in 0..payload.len() {
            let mut bent = payload.to_vec();
            bent[at] = 0xff;
            let _ = decode(&bent);
        }
        let mut trailing = payload.to_vec();
        trailing.push(0);
        assert!(decode(&trailing).is_err());
        // A count of four billion arguments in a few bytes allocates nothing.
        let huge_count = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        assert!(decode(&huge_count).is_err());
    }
}
