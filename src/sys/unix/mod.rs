//! The Unix backend: rustix for system calls, libc only where rustix has no
//! wrapper (`sigaction`, and `mkfifo` on Apple targets).

pub(crate) mod fifo;
pub(crate) mod handoff;
pub(crate) mod pipe;
mod sigpipe;
