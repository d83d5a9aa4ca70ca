//! Passing handles over a byte-mode pipe (resource streams), in one place:
//!
//! * `frames`: the wire format (frame headers, handle records);
//! * `framing`: what a resource stream keeps and decides, whatever does
//!   its I/O;
//! * `release`: closing the sent copies of handles once the receiver has
//!   taken them;
//! * `stream`: the blocking resource stream.

mod frames;
pub(crate) mod framing;
mod release;
pub(super) mod stream;

pub(crate) use stream::ResourceStream;
