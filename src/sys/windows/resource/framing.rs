//! What a resource stream keeps and decides, whatever does its I/O: the
//! reader's place in the incoming frames and the peer's process. The
//! blocking stream (`resource_stream`) and the async one (`aio`) drive it
//! with their own reads and writes.
//!
//! To send handles, the sender duplicates them into copies of its own and
//! announces the copies' values, with an event of its own, in a `HANDLES`
//! record followed by the bytes they ride with. The receiver duplicates the
//! values out of the sender's process (opened when the stream was made, so
//! a reused process id cannot stand in), or declines them, and then signals
//! the event; the sender's copies are closed then (see `release`), or when
//! the receiver's process ends, never before: a value closed early could be
//! reused for another handle, which the receiver would then take.

use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use std::ptr;
use std::sync::{Mutex, MutexGuard};
use std::task::{Poll, ready};

use windows_sys::Win32::Foundation::{DUPLICATE_SAME_ACCESS, DuplicateHandle, HANDLE};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, PROCESS_ACCESS_RIGHTS, PROCESS_DUP_HANDLE, PROCESS_SYNCHRONIZE,
    SetEvent,
};

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
    /// Reading the payload of a `HANDLES` frame into `bytes`.
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
    /// How many of the caller's bytes it carries.
    pub(crate) len: usize,
    /// The copies announced and the event the receiver signals.
    copies: Option<(Vec<OwnedHandle>, OwnedHandle)>,
}

/// A process opened with some access, or why it could not be.
type Opened = Result<OwnedHandle, (io::ErrorKind, String)>;

#[derive(Debug)]
pub(crate) struct Framing {
    /// The peer's process, to duplicate the handles it sends out of.
    peer_to_take_from: Opened,
    /// The peer's process, to learn when it ends.
    peer_to_wait_for: Opened,
    reader: Mutex<Reader>,
}

impl Framing {
    /// For a stream whose peer is process `pid`; `peer_alive` must say
    /// whether the connection is still whole right after the process was
    /// opened, which proves it the peer and not a later user of its id.
    pub(crate) fn new(pid: u32, peer_alive: impl FnOnce() -> bool) -> Self {
        let mut take = open_process(pid, PROCESS_DUP_HANDLE, "take the handles it sends");
        let mut wait = open_process(
            pid,
            PROCESS_SYNCHRONIZE,
            "learn when it has taken handles sent",
        );
        if !peer_alive() {
            let gone = || {
                Err((
                    io::ErrorKind::BrokenPipe,
                    "the peer had closed before its process could be opened".to_owned(),
                ))
            };
            take = gone();
            wait = gone();
        }
        Self {
            peer_to_take_from: take,
            peer_to_wait_for: wait,
            reader: Mutex::default(),
        }
    }

    // --- Sending ---------------------------------------------------------------

    /// The frames for `bytes` with `handles` (duplicated now into copies
    /// of ours); `None` if there are no bytes.
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
        // One allocation for a frame of bytes alone (a bell of a
        // shared-memory channel, say): the header and the bytes.
        let mut out = Vec::with_capacity(frames::HEADER + chunk.len());
        let mut copies = None;
        if !handles.is_empty() {
            if let Err((kind, message)) = &self.peer_to_wait_for {
                return Err(io::Error::new(*kind, message.clone()));
            }
            let copied = handles
                .iter()
                .map(|handle| handle.try_clone_to_owned())
                .collect::<io::Result<Vec<_>>>()?;
            let taken = OwnedHandle::from(crate::sys::windows::overlapped::Event::new()?);
            let values: Vec<u64> = copied
                .iter()
                .map(|copy| copy.as_raw_handle() as u64)
                .collect();
            out.extend_from_slice(&frames::record(taken.as_raw_handle() as u64, &values));
            copies = Some((copied, taken));
        }
        out.extend_from_slice(&frames::header(frames::DATA, chunk.len()));
        out.extend_from_slice(chunk);
        Ok(Some(Outgoing {
            frames: out,
            len: chunk.len(),
            copies,
        }))
    }

    /// After `outgoing` was written, or some of it: its copies are closed
    /// once the receiver has taken them or its process ends.
    pub(crate) fn sent(&self, outgoing: Outgoing) -> io::Result<()> {
        let Some((copies, taken)) = outgoing.copies else {
            return Ok(());
        };
        let receiver = match &self.peer_to_wait_for {
            Ok(process) => process.try_clone()?,
            Err((kind, message)) => return Err(io::Error::new(*kind, message.clone())),
        };
        super::release::when_taken(copies, taken, receiver)
    }

    // --- Receiving -------------------------------------------------------------

    /// Reads the next bytes into `buf` with `read` (one read of the
    /// underlying pipe per call; `Pending` keeps every bit of progress),
    /// handling the frames before them: the handles of a record are
    /// duplicated into `out` (or declined if `out` is `None`), and the
    /// sender is told either way. Ready with 0 at the end.
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
                    let record = frames::parse_record(&payload)?;
                    let came = out.is_some().then(|| self.duplicate_out(&record.values));
                    self.signal_taken(record.taken);
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

    /// Signals the sender's event `value`: its copies may go. If the event
    /// cannot be taken, the sender learns it from this process's end.
    fn signal_taken(&self, value: u64) {
        let Ok(peer) = &self.peer_to_take_from else {
            return;
        };
        if let Ok(event) = duplicate_from(peer, value) {
            // SAFETY: `event` is an open handle; a handle that is no event
            // (a confused peer) makes the call fail, harmlessly.
            unsafe { SetEvent(event.as_raw_handle()) };
        }
    }

    /// Duplicates each value out of the peer's process; on any failure,
    /// closes those duplicated and says why.
    fn duplicate_out(&self, values: &[u64]) -> Result<Vec<OwnedHandle>, io::Error> {
        let peer = match &self.peer_to_take_from {
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

/// Opens process `pid` with `access`, or says why not (`purpose` says
/// what for).
fn open_process(pid: u32, access: PROCESS_ACCESS_RIGHTS, purpose: &str) -> Opened {
    // SAFETY: OpenProcess has no memory preconditions.
    let process = unsafe { OpenProcess(access, 0, pid) };
    if process.is_null() {
        let error = io::Error::last_os_error();
        return Err((
            error.kind(),
            format!("cannot open the peer's process (pid {pid}) to {purpose}: {error}"),
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
    crate::sys::windows::error::cvt(ok)?;
    // SAFETY: DuplicateHandle succeeded, so `copy` is a new handle we own.
    Ok(unsafe { OwnedHandle::from_raw_handle(copy) })
}
