//! What the smol front end needs to create async objects: nothing. async-io
//! runs one reactor per process, driven by whichever thread waits on it, so
//! there is no runtime to be inside of. This is the twin of `tokio_context`
//! for code written once for both front ends.

use std::io;

/// Always `Ok`: smol's objects can be created anywhere.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the same signature as tokio_context::require"
)]
pub(crate) fn require() -> io::Result<()> {
    Ok(())
}
