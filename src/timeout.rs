//! Checks shared by every type that takes a timeout.

use std::io;
use std::time::Duration;

/// Refuses a zero timeout, as std's sockets do: zero would mean "poll", which
/// nonblocking mode already says.
pub(crate) fn check(timeout: Option<Duration>) -> io::Result<()> {
    if timeout == Some(Duration::ZERO) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a zero timeout is not allowed; use None or nonblocking mode",
        ));
    }
    Ok(())
}
