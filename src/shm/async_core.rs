//! The async channel, written once for every runtime: the wait protocol
//! ([`Wait`]) driven by parking the task until the socket brings bells (each
//! runtime's async resource stream, through [`BellSocket`]).

use std::io;
use std::task::{Context, Poll, Wake, Waker};

use super::ring::{Rings, Want};
use super::wait::{self, Look, Wait, Woke};

#[cfg(not(localipc_loom))]
use std::sync::{Arc, Mutex, MutexGuard};

#[cfg(localipc_loom)]
use loom::sync::{Arc, Mutex, MutexGuard};

/// What the async channel needs of its runtime's socket.
pub(crate) trait BellSocket {
    /// Reads bells; `Ok(0)` is the end of the socket (the peer is gone).
    fn poll_bells(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;

    /// Sends a bell at once, without asking the runtime (whose readiness
    /// may say "not now" for reasons of its own while the socket has room).
    /// Dropped only if the socket already holds bells the peer has not
    /// read: then the peer wakes anyway.
    fn ring(&self);
}

const READING: usize = 0;
const WRITING: usize = 1;

/// After this many wake-ups that brought no bytes in one poll, the task
/// yields: a peer that rings without end cannot hold the executor.
const WAKE_UPS_PER_POLL: u32 = 16;

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

    /// Registers the task of `slot` to be woken with the socket.
    fn park(&self, slot: usize, cx: &Context<'_>) {
        let mut slots = self.slots();
        if !slots[slot]
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            slots[slot] = Some(cx.waker().clone());
        }
    }

    fn wake_slot(&self, slot: usize) {
        let waker = self.slots()[slot].take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn wake_all(&self) {
        let [read, write] = std::mem::take(&mut *self.slots());
        for waker in [read, write].into_iter().flatten() {
            waker.wake();
        }
    }
}

/// The socket's waker: wakes both directions' tasks.
struct SocketWaker(Arc<Waiters>);

impl Wake for SocketWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.wake_all();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.wake_all();
    }
}

/// The state of one end, shared by both runtimes' streams.
pub(crate) struct AsyncChannel {
    rings: Rings,
    peer_gone: bool,
    write_shut: bool,
    /// The waits of a read and of a write; kept between polls, so that a
    /// wait that ends withdraws its announcement.
    waits: [Wait; 2],
    waiters: Arc<Waiters>,
    /// A waker of `waiters`, made once.
    socket_waker: Waker,
}

impl AsyncChannel {
    pub(crate) fn new(rings: Rings) -> Self {
        let waiters = Arc::new(Waiters::default());
        let socket_waker = Waker::from(std::sync::Arc::new(SocketWaker(Arc::clone(&waiters))));
        Self {
            rings,
            peer_gone: false,
            write_shut: false,
            waits: [Wait::new(Want::Bytes), Wait::new(Want::Room)],
            waiters,
            socket_waker,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.rings.capacity()
    }

    /// Cancel safe: a poll that returns `Pending` took no byte.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        socket: &impl BellSocket,
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_wait(READING, cx, socket, |rings, peer_gone, wait| {
            wait.read(rings, peer_gone, buf)
        })
    }

    /// Cancel safe: a poll that returns `Pending` wrote no byte.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
        socket: &impl BellSocket,
    ) -> Poll<io::Result<usize>> {
        if self.write_shut {
            return Poll::Ready(Err(wait::write_shut_error()));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_wait(WRITING, cx, socket, |rings, peer_gone, wait| {
            wait.write(rings, peer_gone, buf)
        })
    }

    /// Ends this side's writing: the peer reads what was written, then the
    /// end.
    pub(crate) fn shutdown(&mut self, socket: &impl BellSocket) {
        if !self.write_shut {
            self.write_shut = true;
            if self.rings.close_writing() {
                socket.ring();
            }
        }
    }

    /// Runs the protocol for `slot` with `look` until it moves bytes, ends
    /// or fails (`Ready`), or must sleep (`Pending`, the task registered to
    /// be woken by the socket). The task's waker is registered before the
    /// look that precedes any announcement or sleep of this poll: a bell
    /// taken by the other direction's task wakes this one through it.
    fn poll_wait(
        &mut self,
        slot: usize,
        cx: &mut Context<'_>,
        socket: &impl BellSocket,
        mut look: impl FnMut(&mut Rings, bool, &mut Wait) -> io::Result<Look>,
    ) -> Poll<io::Result<usize>> {
        let mut parked = false;
        let mut wake_ups = 0;
        loop {
            let step = look(&mut self.rings, self.peer_gone, &mut self.waits[slot]);
            match step {
                Err(error) => return Poll::Ready(Err(error)),
                Ok(Look::Done(moved)) => {
                    if moved.wake_peer {
                        socket.ring();
                    }
                    return Poll::Ready(Ok(moved.bytes));
                }
                Ok(_) if !parked => {
                    self.waiters.park(slot, cx);
                    parked = true;
                }
                Ok(Look::Announce) => self.waits[slot].announce(&mut self.rings),
                Ok(Look::Sleep) => {
                    if wake_ups == WAKE_UPS_PER_POLL {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    wake_ups += 1;
                    match std::task::ready!(self.poll_socket(slot, socket)) {
                        Ok(woke) => {
                            if woke == Woke::End {
                                self.peer_gone = true;
                            }
                            self.waits[slot].woke();
                        }
                        Err(error) => {
                            self.waits[slot].withdraw(&self.rings);
                            return Poll::Ready(Err(error));
                        }
                    }
                }
            }
        }
    }

    /// Takes bells from the socket: `Ready` when some came or the socket
    /// ended, `Pending` (with the socket's waker registered) when none are
    /// there.
    fn poll_socket(&mut self, slot: usize, socket: &impl BellSocket) -> Poll<io::Result<Woke>> {
        let mut cx = Context::from_waker(&self.socket_waker);
        let mut bells = [0; super::blocking::BELLS];
        let taken = std::task::ready!(socket.poll_bells(&mut cx, &mut bells));
        // The bells taken may have been for the other direction's waiter.
        // The protocol does not lean on this (polls of one channel are
        // serialized, and the socket's waker wakes both directions: the
        // models pass without it), but it costs one lock per wake-up and
        // keeps a reactor that drops a registration when another poll takes
        // the bytes from losing the other direction's wake-up.
        self.waiters.wake_slot(1 - slot);
        Poll::Ready(wait::woke(taken))
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
