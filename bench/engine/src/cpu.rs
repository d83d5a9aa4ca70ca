//! The CPU time a process has used, user and system together, so a run can
//! show what a figure costs besides its wall-clock time (a spinning wait
//! buys latency with CPU time).
//!
//! Each process reads its own clock: the measured side around its timed
//! part, the peer around its share of the same part (see
//! [`peer`](crate::peer)), which it reports when it ends.

use std::time::Duration;

/// The CPU time this process has used so far, in every thread, user and
/// system time together; `None` where the OS does not say.
///
/// * **Unix:** `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, to the nanosecond.
/// * **Windows:** `GetProcessTimes`, kernel and user time in 100 ns units,
///   which Windows advances only at its clock tick (about 15.6 ms) and
///   Wine at its own; read a figure of a short part with that in mind.
pub fn process_time() -> Option<Duration> {
    imp::process_time()
}

#[cfg(all(unix, not(target_os = "netbsd")))]
mod imp {
    use std::time::Duration;

    use rustix::time::{ClockId, clock_gettime};

    pub(super) fn process_time() -> Option<Duration> {
        let now = clock_gettime(ClockId::ProcessCPUTime);
        let seconds = u64::try_from(now.tv_sec).ok()?;
        let nanos = u32::try_from(now.tv_nsec).ok()?;
        Some(Duration::new(seconds, nanos))
    }
}

#[cfg(windows)]
mod imp {
    use std::time::Duration;

    use windows_sys::Win32::Foundation::FILETIME;
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetProcessTimes};

    pub(super) fn process_time() -> Option<Duration> {
        let zero = FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        let (mut creation, mut exit, mut kernel, mut user) = (zero, zero, zero, zero);
        // SAFETY: no arguments; it returns a pseudo-handle, nothing to close.
        let process = unsafe { GetCurrentProcess() };
        // SAFETY: the pseudo-handle of the current process is always valid,
        // and the four pointers are to live, writable FILETIMEs.
        let done =
            unsafe { GetProcessTimes(process, &mut creation, &mut exit, &mut kernel, &mut user) };
        let ticks =
            |time: FILETIME| u64::from(time.dwHighDateTime) << 32 | u64::from(time.dwLowDateTime);
        (done != 0).then(|| Duration::from_nanos((ticks(kernel) + ticks(user)) * 100))
    }
}

#[cfg(not(any(all(unix, not(target_os = "netbsd")), windows)))]
mod imp {
    pub(super) fn process_time() -> Option<std::time::Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_shows_in_the_cpu_time() {
        let Some(before) = process_time() else {
            return;
        };
        let started = std::time::Instant::now();
        let mut spun = 0_u64;
        while started.elapsed() < Duration::from_millis(50) {
            spun = std::hint::black_box(spun + 1);
        }
        let used = process_time().expect("read once, read again") - before;
        // Windows advances the clock by ticks of about 15.6 ms.
        assert!(
            used >= Duration::from_millis(20),
            "{used:?} for 50 ms of work"
        );
    }
}
