//! Waking a task when a kernel object is signalled, through a Win32
//! thread-pool wait: no runtime, no thread of our own.
//!
//! A [`Notifier`] owns one thread-pool wait object and a cell holding the
//! waker of the task to wake. [`Notifier::register`] stores the waker and, if
//! no wait is armed yet, arms one on the given handle; when the handle is
//! signalled the callback takes the waker out and wakes it. Thread-pool
//! waits fire once per arming, which is exactly one pending operation.
//! (Sleeps are the crate's timer's, `sys::timer`.)

use std::ffi::c_void;
use std::io;
use std::os::windows::io::RawHandle;
use std::ptr;
use std::sync::Mutex;
use std::task::Waker;

use windows_sys::Win32::System::Threading::{
    CloseThreadpoolWait, CreateThreadpoolWait, DisassociateCurrentThreadFromCallback,
    PTP_CALLBACK_INSTANCE, PTP_WAIT, SetThreadpoolWait, WaitForThreadpoolWaitCallbacks,
};

/// What the callback and the registering task share.
#[derive(Debug, Default)]
struct Cell {
    /// The task to wake, and whether a wait is armed.
    state: Mutex<(Option<Waker>, bool)>,
}

/// One thread-pool wait object and the waker it wakes.
#[derive(Debug)]
pub(crate) struct Notifier {
    wait: PTP_WAIT,
    /// A `Box<Cell>` turned into a pointer; freed in `Drop` once no callback
    /// can touch it any more.
    cell: *const Cell,
}

// SAFETY: the wait object may be used from any thread (the thread-pool API
// is thread safe), and the cell it points to is only reached through a Mutex.
unsafe impl Send for Notifier {}
// SAFETY: as for Send: every method takes `&self` and only touches the
// thread-safe wait object and the Mutex-guarded cell.
unsafe impl Sync for Notifier {}

unsafe extern "system" fn wake_callback(
    instance: PTP_CALLBACK_INSTANCE,
    context: *mut c_void,
    _wait: PTP_WAIT,
    _result: u32,
) {
    // SAFETY: `context` is the cell given to CreateThreadpoolWait; Notifier's
    // Drop waits for every callback still associated with the wait before it
    // frees the cell, and this callback stops touching it before it
    // disassociates itself below.
    let cell = unsafe { &*context.cast::<Cell>() };
    let waker = {
        let mut state = cell.state.lock().unwrap_or_else(|p| p.into_inner());
        state.1 = false;
        state.0.take()
    };
    // Waking may drop the last reference to the object that owns this
    // notifier, whose Drop waits for this callback: disassociating first makes
    // that wait not count this thread, so it cannot deadlock.
    // SAFETY: `instance` is this callback's own instance, valid during the call.
    unsafe { DisassociateCurrentThreadFromCallback(instance) };
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl Notifier {
    pub(crate) fn new() -> io::Result<Self> {
        let cell = Box::into_raw(Box::<Cell>::default());
        // SAFETY: the callback has the signature the API expects, the context
        // is the cell (live until Drop), and a null environment selects the
        // process's default pool.
        let wait = unsafe { CreateThreadpoolWait(Some(wake_callback), cell.cast(), ptr::null()) };
        if wait == 0 {
            let error = io::Error::last_os_error();
            // SAFETY: the cell came from Box::into_raw above and no wait
            // object refers to it.
            drop(unsafe { Box::from_raw(cell) });
            return Err(error);
        }
        Ok(Self { wait, cell })
    }

    fn cell(&self) -> &Cell {
        // SAFETY: the cell lives as long as self (freed in Drop).
        unsafe { &*self.cell }
    }

    /// Makes sure `waker` is woken once `handle` is signalled. The handle
    /// must stay open while a wait may be armed on it.
    pub(crate) fn register(&self, waker: &Waker, handle: RawHandle) {
        debug_assert!(self.wait != 0, "a closed notifier was registered");
        let mut state = self.cell().state.lock().unwrap_or_else(|p| p.into_inner());
        match &mut state.0 {
            Some(stored) if stored.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        if state.1 {
            return;
        }
        state.1 = true;
        // SAFETY: the wait object is live; the caller keeps `handle` open
        // while the wait is armed; a null due time waits without limit.
        unsafe { SetThreadpoolWait(self.wait, handle, ptr::null()) };
    }
}

impl Notifier {
    /// Stops waiting: no callback runs after this returns (but one that has
    /// already taken the waker may still be waking it).
    ///
    /// Under Wine 8, not quite: if the handle was signalled just before,
    /// Wine's wait thread may already be past its wait and queue the callback
    /// once it gets its lock, after this has returned (it checks only that
    /// the wait object still exists, not that it is still set); seen about
    /// once in 4,000 drops of a stream whose own cancellation signalled the
    /// event. So a caller that is about to signal the handle itself (by
    /// cancelling) closes the notifier first (`close`): Wine's
    /// wait thread ignores a signal for a closed wait object.
    pub(crate) fn disarm(&self) {
        // SAFETY: the wait object is live; a null handle disarms it.
        unsafe { SetThreadpoolWait(self.wait, ptr::null_mut(), ptr::null()) };
        // SAFETY: the wait object is live; pending callbacks are cancelled and
        // running ones (not disassociated yet) are waited for.
        unsafe { WaitForThreadpoolWaitCallbacks(self.wait, 1) };
        self.cell()
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1 = false;
    }
}

impl Notifier {
    /// Stops waiting for good and frees the wait object, now rather than when
    /// dropped: nothing may be registered afterwards.
    pub(crate) fn close(&mut self) {
        if self.wait == 0 {
            return;
        }
        self.disarm();
        // SAFETY: no callback of this wait can run any more (under Wine, see
        // `disarm`); it is not used again.
        unsafe { CloseThreadpoolWait(self.wait) };
        // SAFETY: the cell came from Box::into_raw in `new`, and no callback
        // can reach it any more (under Wine, see `disarm`).
        drop(unsafe { Box::from_raw(self.cell.cast_mut()) });
        self.wait = 0;
        self.cell = ptr::null();
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        self.close();
    }
}
