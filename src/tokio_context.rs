//! The one rule of the Tokio front end that the OS does not decide: async
//! objects are created inside a Tokio runtime. On Unix they must be, to
//! register with its reactor; on Windows they would work anywhere, but the
//! rule is the same so that code behaves the same on every OS.

use std::io;

/// `Ok` inside a Tokio runtime; the front end's error outside one.
pub(crate) fn require() -> io::Result<()> {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => Ok(()),
        Err(_) => Err(io::Error::other(
            "no Tokio runtime here: create async localipc objects inside a Tokio runtime",
        )),
    }
}
