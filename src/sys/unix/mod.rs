//! The Unix backend: rustix for system calls, libc only where rustix has no
//! wrapper (`sigaction`, `mkfifo` on Apple targets, peer credentials outside
//! Linux).

mod credentials;
pub(crate) mod fifo;
pub(crate) mod handoff;
pub(crate) mod identity;
pub(crate) mod local_socket;
pub(crate) mod pipe;
#[cfg(any(feature = "tokio", feature = "smol"))]
mod reactor;
mod sigpipe;
#[cfg(feature = "smol")]
pub(crate) mod smol;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod sock_diag;
mod socket_file;
pub(crate) mod socket_name;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;
