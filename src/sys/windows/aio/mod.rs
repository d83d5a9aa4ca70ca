//! The runtime-independent overlapped core behind the Tokio and smol front
//! ends on Windows.
//!
//! Pipe handles are overlapped. Each stream direction has one operation slot
//! (an event, an `OVERLAPPED` and a buffer owned by the core, never the
//! caller's) and one Win32 thread-pool wait that wakes the task waiting on
//! that direction when the slot's event is signalled. Nothing here knows a
//! runtime: a future is woken through its `Waker`, whatever executor made it.
//!
//! * Reads go into the core's buffer and are copied out, so a dropped read
//!   future leaves the kernel writing into memory the core still owns; the
//!   next read collects what it brought. Message boundaries are kept
//!   (`ERROR_MORE_DATA` says a message goes on), so whole messages can be
//!   received.
//! * A write copies into the core's buffer, starts one `WriteFile` and is
//!   done as soon as it is started; the next write or flush waits for it and
//!   reports its error.
//! * Dropping a stream cancels a pending read and waits for the cancellation
//!   to land. A pending write is not cancelled (its data was reported as
//!   written): its buffer and `OVERLAPPED` are handed to a one-shot
//!   thread-pool wait that frees them once the write ends, so the peer still
//!   gets the data and nobody waits for the peer.
//! * Handles are bound to one process-wide I/O completion port that nothing
//!   reads ([`bind_to_port`](port::bind_to_port)). That makes their I/O independent of the thread
//!   that started it: Windows cancels the pending I/O of a thread that exits
//!   unless the handle is bound to a port, and executor threads come and go.
//!   Every `OVERLAPPED` carries its event tagged with the low bit, so no
//!   completion packet is ever queued to that port.

pub(crate) mod listener;
pub(crate) mod local_socket;
pub(crate) mod notify;
pub(crate) mod pipe;
mod port;
pub(crate) mod resource_stream;
#[cfg_attr(
    not(feature = "tokio"),
    allow(dead_code, reason = "the smol named-pipe front end is still to come")
)]
pub(crate) mod stream;

pub(crate) use listener::{Listener, connect};
pub(crate) use stream::Stream;

/// A runtime the overlapped core serves. Nothing in the core depends on
/// it; it tells the front end's types apart and says where they can be
/// made.
pub(crate) trait Reactor: std::fmt::Debug + Send + Sync + 'static {
    /// Whether this runtime's types can be made here: Tokio's need a
    /// runtime with I/O enabled; async-io's can be made anywhere.
    fn check_context() -> std::io::Result<()>;
}

/// Tokio.
#[cfg(feature = "tokio")]
#[derive(Debug)]
#[allow(unreachable_pub, reason = "named by the public runtime::Tokio")]
pub struct Tokio;

#[cfg(feature = "tokio")]
impl Reactor for Tokio {
    fn check_context() -> std::io::Result<()> {
        crate::tokio_context::require()
    }
}

/// async-io (smol, async-std).
#[cfg(feature = "smol")]
#[derive(Debug)]
#[allow(unreachable_pub, reason = "named by the public runtime::Smol")]
pub struct AsyncIo;

#[cfg(feature = "smol")]
impl Reactor for AsyncIo {
    fn check_context() -> std::io::Result<()> {
        crate::smol_context::require()
    }
}
