//! Handles with bytes over a byte-mode pipe: the blocking resource stream.
//!
//! Every byte goes in a frame (see `frames`). To send handles, the sender
//! duplicates them into copies of its own, announces the copies' values in
//! a `HANDLES` record followed by the bytes they ride with, and keeps the
//! copies until the receiver acknowledges the record (or the stream is
//! dropped). The receiver duplicates the values out of the sender's process
//! (opened when the stream was made, so a reused process id cannot stand
//! in), or declines them, and acknowledges either way. Acknowledgements the
//! receiver cannot write at once (another thread is writing) are queued and
//! written after that thread's frame, so a reader never waits for a writer.

use std::collections::HashMap;
use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use windows_sys::Win32::Foundation::{DUPLICATE_SAME_ACCESS, DuplicateHandle, HANDLE};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcess, PROCESS_DUP_HANDLE};

use super::frames::{self, Header};
use super::local_socket::Stream;
use crate::error::ResourcesLost;
use crate::sys::Credentials;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where the reader is in the incoming frames.
#[derive(Debug, Default)]
enum Stage {
    /// Reading a header into `bytes`.
    #[default]
    Header,
    /// Reading the payload of a `HANDLES` or `ACK` frame into `bytes`.
    Payload(Header),
    /// Reading the bytes of a `DATA` frame: this many are left. `resources`
    /// came with them and go with the first of them (`None`: none came, or
    /// they were declined).
    Data {
        left: usize,
        resources: Option<Result<Vec<OwnedHandle>, io::Error>>,
    },
    /// A `HANDLES` record was handled; the header of the `DATA` frame with
    /// its bytes comes next.
    Announced(Option<Result<Vec<OwnedHandle>, io::Error>>),
}

#[derive(Debug, Default)]
struct Reader {
    stage: Stage,
    bytes: Vec<u8>,
}

/// A byte-mode pipe stream whose bytes travel in frames, with handles.
#[derive(Debug)]
pub(crate) struct ResourceStream {
    stream: Stream,
    /// The peer's process, opened for `PROCESS_DUP_HANDLE`, or why not.
    peer: Result<OwnedHandle, (io::ErrorKind, String)>,
    reader: Mutex<Reader>,
    /// Held while a frame is written, so that frames never interleave.
    writer: Mutex<()>,
    /// Acknowledgements owed to the peer, written by the next writer.
    owed_acks: Mutex<Vec<u64>>,
    /// Our copies of handles sent, by record id, until acknowledged.
    sent: Mutex<HashMap<u64, Vec<OwnedHandle>>>,
    next_record: AtomicU64,
}

impl ResourceStream {
    pub(crate) fn new(stream: Stream) -> io::Result<Self> {
        let pid = stream.peer_credentials()?.pid.unwrap_or(0);
        let mut peer = open_for_duplication(pid);
        // The pipe still being whole proves the peer alive, so the process
        // just opened is the peer and not a later user of its id.
        if peer.is_ok() && stream.as_named_pipe().peek_len().is_err() {
            peer = Err((
                io::ErrorKind::BrokenPipe,
                "the peer had closed before its process could be opened".to_owned(),
            ));
        }
        Ok(Self {
            stream,
            peer,
            reader: Mutex::default(),
            writer: Mutex::default(),
            owed_acks: Mutex::default(),
            sent: Mutex::default(),
            next_record: AtomicU64::new(1),
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

    // --- Sending ---------------------------------------------------------------

    pub(crate) fn send_with(
        &self,
        bytes: &[u8],
        handles: &[BorrowedHandle<'_>],
    ) -> io::Result<usize> {
        crate::sys::check_resources(bytes, handles.len())?;
        if bytes.is_empty() {
            return Ok(0);
        }
        let chunk = &bytes[..bytes.len().min(frames::MAX_DATA)];
        let _writing = lock(&self.writer);
        self.collect_acks_waiting()?;
        let mut frame = Vec::new();
        let mut record = None;
        if !handles.is_empty() {
            let copies = handles
                .iter()
                .map(|handle| duplicate_into_self(*handle))
                .collect::<io::Result<Vec<_>>>()?;
            let values: Vec<u64> = copies
                .iter()
                .map(|copy| copy.as_raw_handle() as u64)
                .collect();
            let id = self.next_record.fetch_add(1, Ordering::Relaxed);
            frame.extend_from_slice(&frames::record(id, &values));
            lock(&self.sent).insert(id, copies);
            record = Some(id);
        }
        frame.extend_from_slice(&frames::header(frames::DATA, chunk.len()));
        frame.extend_from_slice(chunk);
        let written = self.write_all(&frame);
        if written.is_err() {
            // Never announced whole: our copies go.
            if let Some(id) = record {
                lock(&self.sent).remove(&id);
            }
        }
        written?;
        self.write_owed_acks()?;
        Ok(chunk.len())
    }

    fn write_all(&self, mut frame: &[u8]) -> io::Result<()> {
        while !frame.is_empty() {
            let n = self.stream.write(frame)?;
            frame = &frame[n..];
        }
        Ok(())
    }

    /// Writes the acknowledgements owed; the caller holds the writer lock.
    fn write_owed_acks(&self) -> io::Result<()> {
        let owed = std::mem::take(&mut *lock(&self.owed_acks));
        for id in owed {
            self.write_all(&frames::ack(id))?;
        }
        Ok(())
    }

    /// Acknowledges record `id`: at once if no other thread is writing,
    /// else by that thread after its frame.
    fn acknowledge(&self, id: u64) -> io::Result<()> {
        lock(&self.owed_acks).push(id);
        match self.writer.try_lock() {
            Ok(_writing) => self.write_owed_acks(),
            Err(TryLockError::Poisoned(poisoned)) => {
                let _writing = poisoned.into_inner();
                self.write_owed_acks()
            }
            Err(TryLockError::WouldBlock) => Ok(()),
        }
    }

    /// Takes acknowledgements that wait at the head of the incoming bytes,
    /// without reading anything else, so that a sender that never reads
    /// still gets its copies back; skipped while a reader is at work.
    fn collect_acks_waiting(&self) -> io::Result<()> {
        let Ok(mut reader) = self.reader.try_lock() else {
            return Ok(());
        };
        if !matches!(reader.stage, Stage::Header) || !reader.bytes.is_empty() {
            return Ok(());
        }
        let mut peeked = [0; frames::HEADER + 8];
        loop {
            let pipe = self.stream.as_named_pipe();
            if pipe.peek(&mut peeked)? < peeked.len() {
                return Ok(());
            }
            let header: [u8; frames::HEADER] =
                peeked[..frames::HEADER].try_into().expect("8 bytes");
            match frames::parse_header(header) {
                Ok(Header {
                    kind: frames::ACK, ..
                }) => {}
                _ => return Ok(()),
            }
            let mut frame = [0; frames::HEADER + 8];
            let mut have = 0;
            while have < frame.len() {
                have += pipe.read(&mut frame[have..])?;
            }
            self.release(frames::parse_ack(&frame[frames::HEADER..])?);
            reader.stage = Stage::Header;
        }
    }

    fn release(&self, id: u64) {
        // An id we did not send (a confused peer) releases nothing.
        lock(&self.sent).remove(&id);
    }

    // --- Receiving -------------------------------------------------------------

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

    /// Reads the next bytes, handling the frames before them; resources go
    /// to `out`, or are declined if there is none.
    fn receive(&self, buf: &mut [u8], out: Option<&mut Vec<OwnedHandle>>) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut guard = lock(&self.reader);
        let reader = &mut *guard;
        loop {
            match std::mem::take(&mut reader.stage) {
                Stage::Data { left, resources } => {
                    let want = buf.len().min(left);
                    let n = match self.stream.read(&mut buf[..want]) {
                        Ok(0) => return Err(cut_short()),
                        Ok(n) => n,
                        Err(error) => {
                            reader.stage = Stage::Data { left, resources };
                            return Err(error);
                        }
                    };
                    if n < left {
                        reader.stage = Stage::Data {
                            left: left - n,
                            resources: None,
                        };
                    }
                    return match (resources, out) {
                        (Some(Ok(handles)), Some(out)) => {
                            out.extend(handles);
                            Ok(n)
                        }
                        (Some(Err(error)), Some(_)) => Err(lost_with(error, n)),
                        // Nothing came, or a plain read declined what came
                        // (dropped here, so closed).
                        _ => Ok(n),
                    };
                }
                Stage::Header => {
                    let header = match self.fill(&mut reader.bytes, frames::HEADER) {
                        Ok(Some(header)) => {
                            frames::parse_header(header.try_into().expect("8 bytes"))?
                        }
                        Ok(None) => return Ok(0),
                        Err(error) => return Err(error),
                    };
                    reader.bytes.clear();
                    reader.stage = match header.kind {
                        frames::DATA => Stage::Data {
                            left: header.len,
                            resources: None,
                        },
                        _ => Stage::Payload(header),
                    };
                }
                Stage::Payload(header) => {
                    match self.fill(&mut reader.bytes, header.len) {
                        Ok(Some(_)) => {}
                        Ok(None) => return Err(cut_short()),
                        Err(error) => {
                            reader.stage = Stage::Payload(header);
                            return Err(error);
                        }
                    }
                    let payload = std::mem::take(&mut reader.bytes);
                    if header.kind == frames::ACK {
                        self.release(frames::parse_ack(&payload)?);
                        continue;
                    }
                    let record = frames::parse_record(&payload)?;
                    let resources = out.is_some().then(|| self.duplicate_out(&record.values));
                    self.acknowledge(record.id)?;
                    reader.stage = Stage::Announced(resources);
                }
                Stage::Announced(resources) => {
                    let header = match self.fill(&mut reader.bytes, frames::HEADER) {
                        Ok(Some(header)) => {
                            frames::parse_header(header.try_into().expect("8 bytes"))?
                        }
                        Ok(None) => return Err(cut_short()),
                        Err(error) => {
                            reader.stage = Stage::Announced(resources);
                            return Err(error);
                        }
                    };
                    reader.bytes.clear();
                    if header.kind != frames::DATA {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "the peer sent handles without the bytes they ride with",
                        ));
                    }
                    reader.stage = Stage::Data {
                        left: header.len,
                        resources,
                    };
                }
            }
        }
    }

    /// Reads into `bytes` until it holds `len` bytes: `Some` of them, or
    /// `None` if the stream ended before the first one. Progress survives
    /// a timeout or `WouldBlock` in between.
    fn fill<'a>(&self, bytes: &'a mut Vec<u8>, len: usize) -> io::Result<Option<&'a [u8]>> {
        while bytes.len() < len {
            let have = bytes.len();
            bytes.resize(len, 0);
            let read = self.stream.read(&mut bytes[have..]);
            let n = match read {
                Ok(n) => n,
                Err(error) => {
                    bytes.truncate(have);
                    return Err(error);
                }
            };
            bytes.truncate(have + n);
            if n == 0 {
                return if have == 0 {
                    Ok(None)
                } else {
                    Err(cut_short())
                };
            }
        }
        Ok(Some(&bytes[..len]))
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

/// A copy of `handle` in this process, owned by the caller.
fn duplicate_into_self(handle: BorrowedHandle<'_>) -> io::Result<OwnedHandle> {
    handle.try_clone_to_owned()
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
