//! The async channel, written once for every runtime: the rings, and the
//! socket polled for bells through a [`BellSocket`] (each runtime's async
//! resource stream).

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use super::ring::Rings;

/// What the async channel needs of its runtime's socket.
pub(crate) trait BellSocket {
    /// Reads bells; `Ok(0)` is the end of the socket (the peer is gone).
    fn poll_bells(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    /// Sends a bell without waiting. A send that would wait is dropped: the
    /// socket then holds bells the peer has not read yet.
    fn ring(&self, cx: &mut Context<'_>);
}

const READING: usize = 0;
const WRITING: usize = 1;

/// The wakers of a waiting read and a waiting write. The socket is polled
/// with one waker that wakes both, so that a read and a write waiting in
/// two tasks (after `split`) never replace each other's registration.
#[derive(Default)]
struct Waiters {
    slots: Mutex<[Option<Waker>; 2]>,
}

impl Waiters {
    fn slots(&self) -> MutexGuard<'_, [Option<Waker>; 2]> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn wake_slot(&self, slot: usize) {
        let waker = self.slots()[slot].take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Wake for Waiters {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let [read, write] = std::mem::take(&mut *self.slots());
        for waker in [read, write].into_iter().flatten() {
            waker.wake();
        }
    }
}

/// The state of one end, shared by both runtimes' streams.
pub(crate) struct AsyncChannel {
    rings: Rings,
    peer_gone: bool,
    write_shut: bool,
    waiters: Arc<Waiters>,
    /// A waker of `waiters`, made once.
    socket_waker: Waker,
}

impl AsyncChannel {
    pub(crate) fn new(rings: Rings) -> Self {
        let waiters = Arc::new(Waiters::default());
        let socket_waker = Waker::from(Arc::clone(&waiters));
        Self {
            rings,
            peer_gone: false,
            write_shut: false,
            waiters,
            socket_waker,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.rings.capacity()
    }

    fn park(&self, slot: usize, cx: &Context<'_>) {
        let mut slots = self.waiters.slots();
        if !slots[slot]
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            slots[slot] = Some(cx.waker().clone());
        }
    }

    /// Takes bells from the socket: `Ready` when some came or the socket
    /// ended (then the caller looks at the rings again), `Pending` (with
    /// the shared waker registered) when none are there.
    fn poll_socket(&mut self, slot: usize, socket: &impl BellSocket) -> Poll<io::Result<()>> {
        let mut cx = Context::from_waker(&self.socket_waker);
        let mut bells = [0; 64];
        let result = match socket.poll_bells(&mut cx, &mut bells) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(0)) => {
                self.peer_gone = true;
                Ok(())
            }
            Poll::Ready(Ok(_)) => Ok(()),
            Poll::Ready(Err(error))
                if matches!(
                    error.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) =>
            {
                self.peer_gone = true;
                Ok(())
            }
            Poll::Ready(Err(error)) => Err(error),
        };
        // The bells taken may have been for the other direction's waiter.
        self.waiters.wake_slot(1 - slot);
        Poll::Ready(result)
    }

    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        socket: &impl BellSocket,
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut armed = false;
        let mut announced = false;
        loop {
            let moved = self.rings.try_read(buf);
            if !matches!(moved, Ok(ref moved) if moved.bytes == 0) {
                if announced {
                    self.rings.disarm_read();
                }
                let moved = moved?;
                if moved.wake_peer {
                    socket.ring(cx);
                }
                return Poll::Ready(Ok(moved.bytes));
            }
            if self.peer_gone || self.rings.peer_closed_writing() {
                if announced {
                    self.rings.disarm_read();
                }
                // Everything the peer wrote before is visible now.
                let moved = self.rings.try_read(buf)?;
                if moved.wake_peer {
                    socket.ring(cx);
                }
                return Poll::Ready(Ok(moved.bytes));
            }
            if !armed {
                self.park(READING, cx);
                self.rings.arm_read();
                armed = true;
                announced = true;
                continue;
            }
            if self.poll_socket(READING, socket)?.is_pending() {
                return Poll::Pending;
            }
            // Announce the wait again: the bell may have taken it.
            armed = false;
        }
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
        socket: &impl BellSocket,
    ) -> Poll<io::Result<usize>> {
        if self.write_shut {
            return Poll::Ready(Err(super::stream::write_shut()));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut armed = false;
        let mut announced = false;
        loop {
            if self.peer_gone || self.rings.peer_closed_reading() {
                if announced {
                    self.rings.disarm_write();
                }
                return Poll::Ready(Err(super::stream::peer_gone()));
            }
            let moved = self.rings.try_write(buf);
            if !matches!(moved, Ok(ref moved) if moved.bytes == 0) {
                if announced {
                    self.rings.disarm_write();
                }
                let moved = moved?;
                if moved.wake_peer {
                    socket.ring(cx);
                }
                return Poll::Ready(Ok(moved.bytes));
            }
            if !armed {
                self.park(WRITING, cx);
                self.rings.arm_write();
                armed = true;
                announced = true;
                continue;
            }
            if self.poll_socket(WRITING, socket)?.is_pending() {
                return Poll::Pending;
            }
            armed = false;
        }
    }

    /// Ends this side's writing: the peer reads what was written, then the
    /// end.
    pub(crate) fn shutdown(&mut self, cx: &mut Context<'_>, socket: &impl BellSocket) {
        if !self.write_shut {
            self.write_shut = true;
            if self.rings.close_writing() {
                socket.ring(cx);
            }
        }
    }
}

impl Drop for AsyncChannel {
    fn drop(&mut self) {
        self.rings.close_writing();
        self.rings.close_reading();
    }
}

impl std::fmt::Debug for AsyncChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncChannel")
            .field("capacity", &self.rings.capacity())
            .field("peer_gone", &self.peer_gone)
            .finish()
    }
}
