//! What a resource stream keeps and decides, whatever does its I/O: the
//! reader's place in the incoming frames, the handles sent and not yet
//! acknowledged, the acknowledgements owed, and the peer's process. The
//! blocking stream (`resource_stream`) and the async one (`aio`) drive it
//! with their own reads and writes.
//!
//! To send handles, the sender duplicates them into copies of its own,
//! announces the copies' values in a `HANDLES` record followed by the bytes
//! they ride with, and keeps the copies until the receiver acknowledges the
//! record (or the stream is dropped). The receiver duplicates the values
//! out of the sender's process (opened when the stream was made, so a
//! reused process id cannot stand in), or declines them, and owes an
//! acknowledgement either way.

use std::collections::HashMap;
use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Poll, ready};

use windows_sys::Win32::Foundation::{DUPLICATE_SAME_ACCESS, DuplicateHandle, HANDLE};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcess, PROCESS_DUP_HANDLE};

use super::frames::{self, Header};
use crate::error::ResourcesLost;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Handles that came with a record: taken, or why not; `None` if declined.
type Came = Option<Result<Vec<OwnedHandle>, io::Error>>;

/// Where the reader is in the incoming frames.
#[derive(Debug, Default)]
enum Stage {
    /// Reading a header into `bytes`.
    #[default]
    Header,
    /// Reading the payload of a `HANDLES` or `ACK` frame into `bytes`.
    Payload(Header),
    /// A `HANDLES` record was handled; the header of the `DATA` frame with
    /// its bytes comes next.
    Announced(Came),
    /// Reading the bytes of a `DATA` frame: this many are left; what came
    /// with them goes with the first of them.
    Data { left: usize, came: Came },
}

#[derive(Debug, Default)]
pub(crate) struct Reader {
    stage: Stage,
    bytes: Vec<u8>,
}

/// One `send_with`, ready to be written in one piece.
pub(crate) struct Outgoing {
    pub(crate) frames: Vec<u8>,
    /// The record whose copies wait for an acknowledgement.
    pub(crate) record: Option<u64>,
    /// How many of the caller's bytes it carries.
    pub(crate) len: usize,
}

#[derive(Debug)]
pub(crate) struct Framing {
    /// The peer's process, opened for `PROCESS_DUP_HANDLE`, or why not.
    peer: Result<OwnedHandle, (io::ErrorKind, String)>,
    reader: Mutex<Reader>,
    owed_acks: Mutex<Vec<u64>>,
    /// Our copies of handles sent, by record id, until acknowledged.
    sent: Mutex<HashMap<u64, Vec<OwnedHandle>>>,
    next_record: AtomicU64,
}

impl Framing {
    /// For a stream whose peer is process `pid`; `peer_alive` must say
    /// whether the connection is still whole right after the process was
    /// opened, which proves it the peer and not a later user of its id.
    pub(crate) fn new(pid: u32, peer_alive: impl FnOnce() -> bool) -> Self {
        let mut peer = open_for_duplication(pid);
        if peer.is_ok() && !peer_alive() {
            peer = Err((
                io::ErrorKind::BrokenPipe,
                "the peer had closed before its process could be opened".to_owned(),
            ));
        }
        Self {
            peer,
            reader: Mutex::default(),
            owed_acks: Mutex::default(),
            sent: Mutex::default(),
            next_record: AtomicU64::new(1),
        }
    }

    // --- Sending ---------------------------------------------------------------

    /// The frames for `bytes` with `handles` (duplicated now into copies
    /// that wait for the acknowledgement), preceded by the acknowledgements
    /// owed; `None` if there are no bytes.
    pub(crate) fn prepare(
        &self,
        bytes: &[u8],
        handles: &[BorrowedHandle<'_>],
    ) -> io::Result<Option<Outgoing>> {
        crate::sys::check_resources(bytes, handles.len())?;
        if bytes.is_empty() {
            return Ok(None);
        }
        let chunk = &bytes[..bytes.len().min(frames::MAX_DATA)];
        let mut out = self.owed_ack_frames();
        let mut record = None;
        if !handles.is_empty() {
            let copies = handles
                .iter()
                .map(|handle| handle.try_clone_to_owned())
                .collect::<io::Result<Vec<_>>>()?;
            let values: Vec<u64> = copies
                .iter()
                .map(|copy| copy.as_raw_handle() as u64)
                .collect();
            let id = self.next_record.fetch_add(1, Ordering::Relaxed);
            out.extend_from_slice(&frames::record(id, &values));
            lock(&self.sent).insert(id, copies);
            record = Some(id);
        }
        out.extend_from_slice(&frames::header(frames::DATA, chunk.len()));
        out.extend_from_slice(chunk);
        Ok(Some(Outgoing {
            frames: out,
            record,
            len: chunk.len(),
        }))
    }

    /// Closes the copies of a record that was never written whole.
    pub(crate) fn abandon(&self, outgoing: &Outgoing) {
        if let Some(id) = outgoing.record {
            lock(&self.sent).remove(&id);
        }
    }

    /// The frames of every acknowledgement owed, which the caller must
    /// write (they are no longer owed).
    pub(crate) fn owed_ack_frames(&self) -> Vec<u8> {
        let owed = std::mem::take(&mut *lock(&self.owed_acks));
        owed.into_iter().flat_map(frames::ack).collect()
    }

    /// Gives acknowledgements back that could not be written.
    pub(crate) fn still_owe(&self, frames_bytes: &[u8]) {
        let mut owed = lock(&self.owed_acks);
        for frame in frames_bytes.chunks_exact(frames::HEADER + 8) {
            if let Ok(id) = frames::parse_ack(&frame[frames::HEADER..]) {
                owed.push(id);
            }
        }
    }

    pub(crate) fn owes_acks(&self) -> bool {
        !lock(&self.owed_acks).is_empty()
    }

    fn release(&self, id: u64) {
        // An id we did not send (a confused peer) releases nothing.
        lock(&self.sent).remove(&id);
    }

    /// Takes the acknowledgements at the head of the incoming bytes and
    /// nothing else: `peek` shows the next bytes without taking them, `read`
    /// takes them. Skipped while a reader is at work. This lets a sender
    /// that never reads get its copies back.
    pub(crate) fn collect_waiting_acks(
        &self,
        mut peek: impl FnMut(&mut [u8]) -> io::Result<usize>,
        mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<()> {
        let Ok(reader) = self.reader.try_lock() else {
            return Ok(());
        };
        if !matches!(reader.stage, Stage::Header) || !reader.bytes.is_empty() {
            return Ok(());
        }
        let mut frame = [0; frames::HEADER + 8];
        while peek(&mut frame)? == frame.len() {
            let header: [u8; frames::HEADER] = frame[..frames::HEADER].try_into().expect("8 bytes");
            if !matches!(
                frames::parse_header(header),
                Ok(Header {
                    kind: frames::ACK,
                    ..
                })
            ) {
                break;
            }
            let mut have = 0;
            while have < frame.len() {
                match read(&mut frame[have..])? {
                    0 => return Err(cut_short()),
                    n => have += n,
                }
            }
            self.release(frames::parse_ack(&frame[frames::HEADER..])?);
        }
        Ok(())
    }

    // --- Receiving -------------------------------------------------------------

    /// Reads the next bytes into `buf` with `read` (one read of the
    /// underlying pipe per call; `Pending` keeps every bit of progress),
    /// handling the frames before them: acknowledgements received release
    /// copies, records are duplicated into `out` (or declined if `out` is
    /// `None`) and owe an acknowledgement. Ready with 0 at the end.
    pub(crate) fn poll_receive(
        &self,
        buf: &mut [u8],
        mut out: Option<&mut Vec<OwnedHandle>>,
        read: &mut dyn FnMut(&mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut guard = lock(&self.reader);
        let reader = &mut *guard;
        loop {
            match std::mem::take(&mut reader.stage) {
                Stage::Data { left, came } => {
                    let want = buf.len().min(left);
                    let n = match read(&mut buf[..want]) {
                        Poll::Ready(Ok(0)) => return Poll::Ready(Err(cut_short())),
                        Poll::Ready(Ok(n)) => n,
                        Poll::Ready(Err(error)) => {
                            reader.stage = Stage::Data { left, came };
                            return Poll::Ready(Err(error));
                        }
                        Poll::Pending => {
                            reader.stage = Stage::Data { left, came };
                            return Poll::Pending;
                        }
                    };
                    if n < left {
                        reader.stage = Stage::Data {
                            left: left - n,
                            came: None,
                        };
                    }
                    return Poll::Ready(match (came, out.as_deref_mut()) {
                        (Some(Ok(handles)), Some(out)) => {
                            out.extend(handles);
                            Ok(n)
                        }
                        (Some(Err(error)), Some(_)) => Err(lost_with(error, n)),
                        // Nothing came, or a plain read declined what came
                        // (dropped here, so closed).
                        _ => Ok(n),
                    });
                }
                Stage::Header => {
                    let header = match fill(&mut reader.bytes, frames::HEADER, read) {
                        Poll::Ready(Ok(Some(header))) => header,
                        Poll::Ready(Ok(None)) => return Poll::Ready(Ok(0)),
                        Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                        Poll::Pending => return Poll::Pending,
                    };
                    reader.bytes.clear();
                    reader.stage = match header.kind {
                        frames::DATA => Stage::Data {
                            left: header.len,
                            came: None,
                        },
                        _ => Stage::Payload(header),
                    };
                }
                Stage::Payload(header) => {
                    match fill_payload(&mut reader.bytes, header.len, read) {
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
                            return Poll::Ready(Err(cut_short()));
                        }
                        other => {
                            reader.stage = Stage::Payload(header);
                            return other.map_ok(|()| 0);
                        }
                    }
                    let payload = std::mem::take(&mut reader.bytes);
                    if header.kind == frames::ACK {
                        self.release(frames::parse_ack(&payload)?);
                        continue;
                    }
                    let record = frames::parse_record(&payload)?;
                    let came = out.is_some().then(|| self.duplicate_out(&record.values));
                    lock(&self.owed_acks).push(record.id);
                    reader.stage = Stage::Announced(came);
                }
                Stage::Announced(came) => {
                    let header = match fill(&mut reader.bytes, frames::HEADER, read) {
                        Poll::Ready(Ok(Some(header))) => header,
                        Poll::Ready(Ok(None)) => return Poll::Ready(Err(cut_short())),
                        other => {
                            reader.stage = Stage::Announced(came);
                            return other.map_ok(|_| 0);
                        }
                    };
                    reader.bytes.clear();
                    if header.kind != frames::DATA {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "the peer sent handles without the bytes they ride with",
                        )));
                    }
                    reader.stage = Stage::Data {
                        left: header.len,
                        came,
                    };
                }
            }
        }
    }

    /// Duplicates each value out of the peer's process; on any failure,
    /// closes those duplicated and says why.
    fn duplicate_out(&self, values: &[u64]) -> Result<Vec<OwnedHandle>, io::Error> {
        let peer = match &self.peer {
            Ok(peer) => peer,
            Err((kind, message)) => return Err(io::Error::new(*kind, message.clone())),
        };
        values
            .iter()
            .map(|&value| duplicate_from(peer, value))
            .collect()
    }
}

/// Reads into `bytes` until it holds a frame header, and checks it:
/// `None` if the stream ended before its first byte.
fn fill(
    bytes: &mut Vec<u8>,
    len: usize,
    read: &mut dyn FnMut(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<Option<Header>>> {
    let had_nothing = bytes.is_empty();
    match ready!(fill_payload(bytes, len, read)) {
        Ok(()) => {
            let header: [u8; frames::HEADER] = bytes[..frames::HEADER].try_into().expect("8 bytes");
            Poll::Ready(frames::parse_header(header).map(Some))
        }
        Err(error)
            if had_nothing && bytes.is_empty() && error.kind() == io::ErrorKind::UnexpectedEof =>
        {
            Poll::Ready(Ok(None))
        }
        Err(error) => Poll::Ready(Err(error)),
    }
}

/// Reads into `bytes` until it holds `len` bytes; progress survives
/// `Pending` and errors. The stream ending before is `UnexpectedEof` if
/// nothing was read, else a cut-short frame.
fn fill_payload(
    bytes: &mut Vec<u8>,
    len: usize,
    read: &mut dyn FnMut(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    while bytes.len() < len {
        let have = bytes.len();
        bytes.resize(len, 0);
        let result = read(&mut bytes[have..]);
        let n = match result {
            Poll::Ready(Ok(n)) => n,
            Poll::Ready(Err(error)) => {
                bytes.truncate(have);
                return Poll::Ready(Err(error));
            }
            Poll::Pending => {
                bytes.truncate(have);
                return Poll::Pending;
            }
        };
        bytes.truncate(have + n);
        if n == 0 {
            return Poll::Ready(Err(if have == 0 {
                io::ErrorKind::UnexpectedEof.into()
            } else {
                cut_short()
            }));
        }
    }
    Poll::Ready(Ok(()))
}

fn cut_short() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the peer closed in the middle of a resource-stream frame",
    )
}

/// The error of a receive whose handles could not be taken, with how many
/// bytes came with them.
fn lost_with(error: io::Error, bytes: usize) -> io::Error {
    let reason = match error.kind() {
        io::ErrorKind::PermissionDenied => {
            "this process may not duplicate handles out of the peer's (PROCESS_DUP_HANDLE)"
        }
        _ => "a handle could not be duplicated out of the peer's process",
    };
    ResourcesLost::error(error.kind(), bytes, reason)
}

/// Opens process `pid` for `PROCESS_DUP_HANDLE`, or says why not.
fn open_for_duplication(pid: u32) -> Result<OwnedHandle, (io::ErrorKind, String)> {
    // SAFETY: OpenProcess has no memory preconditions.
    let process = unsafe { OpenProcess(PROCESS_DUP_HANDLE, 0, pid) };
    if process.is_null() {
        let error = io::Error::last_os_error();
        return Err((
            error.kind(),
            format!(
                "cannot open the peer's process (pid {pid}) to take the handles it sends: {error}"
            ),
        ));
    }
    // SAFETY: OpenProcess succeeded, so `process` is a new handle we own.
    Ok(unsafe { OwnedHandle::from_raw_handle(process) })
}

/// Duplicates the handle `value` of the process `peer` into this one.
fn duplicate_from(peer: &OwnedHandle, value: u64) -> io::Result<OwnedHandle> {
    let mut copy: HANDLE = ptr::null_mut();
    // SAFETY: no preconditions; the pseudo handle needs no closing.
    let me = unsafe { GetCurrentProcess() };
    // SAFETY: `peer` is an open process handle with PROCESS_DUP_HANDLE and
    // `copy` is a live out-pointer. A value that is no handle of the peer's
    // makes the call fail cleanly.
    let ok = unsafe {
        DuplicateHandle(
            peer.as_raw_handle(),
            value as usize as HANDLE,
            me,
            &mut copy,
            0,
            0,
            DUPLICATE_SAME_ACCESS,
        )
    };
    super::cvt(ok)?;
    // SAFETY: DuplicateHandle succeeded, so `copy` is a new handle we own.
    Ok(unsafe { OwnedHandle::from_raw_handle(copy) })
}
