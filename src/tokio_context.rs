//! The one rule of the Tokio front ends of the portable modules that the OS
//! does not decide: their async objects (local sockets, unnamed pipes,
//! FIFOs) are created inside a Tokio runtime. On Unix they must be, to
//! register with its reactor; on Windows they would work anywhere, but the
//! rule is the same so that code behaves the same on every OS. Windows'
//! own named pipes (`os::windows::named_pipe::tokio`), which exist on
//! Windows alone, are one runtime-neutral type shared with smol and need no
//! runtime.

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
