//! Timeouts as the milliseconds that Win32 waits take.

use std::time::Duration;

use windows_sys::Win32::System::Threading::INFINITE;

/// The timeout value meaning "no timeout".
pub(super) const NO_TIMEOUT: u32 = INFINITE;

/// Milliseconds for a wait, rounded up so a short timeout never becomes zero
/// (a zero wait means "poll"), and capped below `INFINITE`.
pub(crate) fn wait_millis(duration: Duration) -> u32 {
    let millis = duration.as_nanos().div_ceil(1_000_000);
    u32::try_from(millis)
        .unwrap_or(INFINITE - 1)
        .clamp(1, INFINITE - 1)
}

pub(super) fn millis_to_timeout(millis: u32) -> Option<Duration> {
    (millis != NO_TIMEOUT).then(|| Duration::from_millis(u64::from(millis)))
}
