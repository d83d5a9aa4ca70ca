//! Waiting for the peer to read: `FlushFileBuffers`, which has no
//! overlapped form, run on a thread-pool thread and cancellable.

use std::ffi::c_void;
use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::ptr;
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::time::{Duration, Instant};

use windows_sys::Win32::Storage::FileSystem::FlushFileBuffers;
use windows_sys::Win32::System::IO::CancelSynchronousIo;
use windows_sys::Win32::System::Threading::{
    GetCurrentThread, PTP_CALLBACK_INSTANCE, TrySubmitThreadpoolCallback,
};

use super::block::{HandleValue, duplicate, lock};
use crate::sys::windows::error::{cvt, normalise_write_error};

/// One `FlushFileBuffers` call running on a thread-pool thread.
#[derive(Debug, Default)]
pub(super) struct FlushJob {
    pub(super) state: Mutex<FlushState>,
}

#[derive(Debug, Default)]
pub(super) struct FlushState {
    /// A duplicate of the pipe handle, closed as soon as the call returns.
    pipe: Option<OwnedHandle>,
    /// The worker thread while it is in the call, for CancelSynchronousIo.
    thread: Option<OwnedHandle>,
    pub(super) result: Option<io::Result<()>>,
    cancelled: bool,
    pub(super) waker: Option<Waker>,
}

impl FlushJob {
    pub(super) fn start(pipe: OwnedHandle) -> io::Result<Arc<Self>> {
        let job = Arc::new(Self {
            state: Mutex::new(FlushState {
                pipe: Some(pipe),
                ..FlushState::default()
            }),
        });
        let context = Arc::into_raw(Arc::clone(&job));
        // SAFETY: the callback has the expected signature and takes over the
        // reference counted into `context`; a null environment is the default pool.
        let submitted = unsafe {
            TrySubmitThreadpoolCallback(
                Some(flush_callback),
                context.cast_mut().cast(),
                ptr::null(),
            )
        };
        if submitted == 0 {
            let error = io::Error::last_os_error();
            // SAFETY: the callback was not queued, so the reference is still ours.
            drop(unsafe { Arc::from_raw(context) });
            return Err(error);
        }
        Ok(job)
    }

    /// Makes the call return now (or never start), so that the duplicate
    /// handle does not keep the pipe open for as long as the peer does not read.
    fn cancel(&self) {
        let give_up = Instant::now() + Duration::from_secs(1);
        loop {
            let mut state = lock(&self.state);
            state.cancelled = true;
            let Some(thread) = &state.thread else {
                // Not started (it will see `cancelled`) or already done.
                return;
            };
            // SAFETY: `thread` is an open handle to the worker thread, held
            // while that thread is inside (or about to enter) the call.
            if unsafe { CancelSynchronousIo(thread.as_raw_handle()) } != 0 {
                return;
            }
            drop(state);
            // The worker is between publishing its thread and entering the
            // call (or has just left it): a few instructions. Try again.
            if Instant::now() > give_up {
                return;
            }
            std::thread::yield_now();
        }
    }
}

fn current_thread() -> io::Result<OwnedHandle> {
    // SAFETY: returns the current-thread pseudo handle; no preconditions.
    duplicate(HandleValue(unsafe { GetCurrentThread() }))
}

unsafe extern "system" fn flush_callback(_instance: PTP_CALLBACK_INSTANCE, context: *mut c_void) {
    // SAFETY: `context` is the reference counted into it by FlushJob::start,
    // handed to this one callback.
    let job = unsafe { Arc::from_raw(context.cast_const().cast::<FlushJob>()) };
    let pipe = {
        let mut state = lock(&job.state);
        if state.cancelled {
            state.pipe = None;
            state.result = Some(Err(io::Error::from(io::ErrorKind::Interrupted)));
            return;
        }
        state.thread = current_thread().ok();
        state
            .pipe
            .as_ref()
            .map(|pipe| HandleValue(pipe.as_raw_handle()))
            .expect("the duplicate is held until the call returns")
    };
    // SAFETY: the duplicate handle stays open until the state is updated
    // below (nobody else takes it).
    let result = cvt(unsafe { FlushFileBuffers(pipe.0) }).map_err(normalise_write_error);
    let waker = {
        let mut state = lock(&job.state);
        state.thread = None;
        state.pipe = None;
        state.result = Some(result);
        state.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The flush in progress, if any: kept across polls, so a dropped flush
/// future leaves it running for the next flush to collect.
#[derive(Debug, Default)]
pub(super) struct FlushSlot(pub(super) Mutex<Option<Arc<FlushJob>>>);

impl Drop for FlushSlot {
    fn drop(&mut self) {
        if let Some(job) = self.0.get_mut().unwrap_or_else(|p| p.into_inner()).take() {
            job.cancel();
        }
    }
}
