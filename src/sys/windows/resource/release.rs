//! Closing the copies of handles a resource stream sent, once the receiver
//! has taken them: it signals an event that came with them. If the
//! receiver's process ends first (killed, or it never read the record), its
//! end is the signal instead. Two thread-pool waits watch the event and the
//! process; the first to fire closes the copies, so the sender neither
//! reads nor stays alive for it, and never closes a copy the receiver might
//! still duplicate (a value reused by then would hand over another handle).

use std::ffi::c_void;
use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::ptr;
use std::sync::atomic::{AtomicU8, Ordering};

use windows_sys::Win32::System::Threading::{
    CloseThreadpoolWait, CreateThreadpoolWait, PTP_CALLBACK_INSTANCE, PTP_WAIT, SetThreadpoolWait,
    WaitForThreadpoolWaitCallbacks,
};

/// `Pending::state`: a callback has claimed the clean-up.
const CLAIMED: u8 = 1;
/// `Pending::state`: both waits are armed (the arming thread is done).
const ARMED: u8 = 2;

/// What both waits' callbacks share; freed by the callback that claims it
/// (or, if that callback ran before both waits were armed, by the arming
/// thread).
struct Pending {
    /// Closed when the claiming callback frees this.
    #[allow(dead_code, reason = "held until the receiver has taken them")]
    copies: Vec<OwnedHandle>,
    /// `CLAIMED` is set by the first callback; the other then returns
    /// without touching anything but this. `ARMED` is set by the arming
    /// thread once both waits are armed: a callback that claims before then
    /// (the event can be signalled at once) leaves the clean-up to that
    /// thread, which would otherwise arm a wait the callback had closed.
    state: AtomicU8,
    /// The two wait objects: on `taken`, on `receiver`.
    waits: [PTP_WAIT; 2],
    /// Declared after `waits` is set and before the handles they watch
    /// close: the waits are closed before these go.
    taken: OwnedHandle,
    receiver: OwnedHandle,
}

/// Arranges for `copies` to be closed once `taken` (an event) is signalled
/// or the process `receiver` (a handle with `SYNCHRONIZE` access) ends.
pub(crate) fn when_taken(
    copies: Vec<OwnedHandle>,
    taken: OwnedHandle,
    receiver: OwnedHandle,
) -> io::Result<()> {
    let pending = Box::into_raw(Box::new(Pending {
        copies,
        state: AtomicU8::new(0),
        waits: [0; 2],
        taken,
        receiver,
    }));
    let mut waits: [PTP_WAIT; 2] = [0; 2];
    for slot in &mut waits {
        // SAFETY: the callback has the signature the API expects; the context
        // is `pending`, which lives until a callback claims and frees it; a
        // null environment selects the process's default pool.
        let wait = unsafe { CreateThreadpoolWait(Some(on_signal), pending.cast(), ptr::null()) };
        if wait == 0 {
            let error = io::Error::last_os_error();
            for created in waits.iter().filter(|wait| **wait != 0) {
                // SAFETY: created above, never armed.
                unsafe { CloseThreadpoolWait(*created) };
            }
            // SAFETY: no wait refers to `pending` any more; this frees it
            // and closes the copies at once (nothing was armed).
            drop(unsafe { Box::from_raw(pending) });
            return Err(error);
        }
        *slot = wait;
    }
    // SAFETY: no callback can run yet (nothing is armed), so this thread
    // alone touches `pending`.
    unsafe { (*pending).waits = waits };
    // SAFETY: as above; `pending` is live.
    let taken = unsafe { (*pending).taken.as_raw_handle() };
    // SAFETY: as above.
    let receiver = unsafe { (*pending).receiver.as_raw_handle() };
    // SAFETY: both wait objects are live; the handles stay open until the
    // claiming callback has closed both waits.
    unsafe { SetThreadpoolWait(waits[0], taken, ptr::null()) };
    // SAFETY: as above.
    unsafe { SetThreadpoolWait(waits[1], receiver, ptr::null()) };
    // SAFETY: `pending` is live: a callback that claims before `ARMED` is
    // set leaves it alone.
    let state = unsafe { &(*pending).state };
    if state.fetch_or(ARMED, Ordering::AcqRel) & CLAIMED != 0 {
        // A callback claimed before both waits were armed and returned at
        // once: the clean-up is this thread's.
        for wait in waits {
            // SAFETY: both waits are live (no callback closes one without
            // `ARMED`); disarmed, then waited for, no callback runs later.
            unsafe { SetThreadpoolWait(wait, ptr::null_mut(), ptr::null()) };
            // SAFETY: as above; this thread is not a callback of `wait`.
            unsafe { WaitForThreadpoolWaitCallbacks(wait, 1) };
            // SAFETY: no callback of `wait` can run any more.
            unsafe { CloseThreadpoolWait(wait) };
        }
        // SAFETY: no callback can use `pending` any more; it came from
        // Box::into_raw.
        drop(unsafe { Box::from_raw(pending) });
    }
    Ok(())
}

unsafe extern "system" fn on_signal(
    _instance: PTP_CALLBACK_INSTANCE,
    context: *mut c_void,
    wait: PTP_WAIT,
    _result: u32,
) {
    let pending = context.cast::<Pending>();
    // SAFETY: `pending` lives until the claiming callback frees it, and that
    // one first waits for this callback (if it is the other) to return.
    let state = unsafe { &(*pending).state };
    let before = state.fetch_or(CLAIMED, Ordering::AcqRel);
    if before & CLAIMED != 0 || before & ARMED == 0 {
        // The other callback claimed, or the arming thread is not done and
        // will clean up when it is (it waits for this callback first).
        return;
    }
    // SAFETY: claimed: this callback alone uses `pending` from here on.
    let waits = unsafe { (*pending).waits };
    let other = if waits[0] == wait { waits[1] } else { waits[0] };
    // SAFETY: `other` is live; disarming it and waiting for its callbacks
    // (which return at once, seeing the claim) makes sure none runs later.
    unsafe { SetThreadpoolWait(other, ptr::null_mut(), ptr::null()) };
    // SAFETY: as above; this waits for callbacks of `other`, not this one.
    unsafe { WaitForThreadpoolWaitCallbacks(other, 1) };
    // SAFETY: no callback of `other` can run any more.
    unsafe { CloseThreadpoolWait(other) };
    // SAFETY: closing the wait of a running callback is allowed: it is
    // freed once this callback returns.
    unsafe { CloseThreadpoolWait(wait) };
    // SAFETY: `pending` came from Box::into_raw and nothing else uses it:
    // this frees it, closing the copies, the event and the process handle.
    drop(unsafe { Box::from_raw(pending) });
}
