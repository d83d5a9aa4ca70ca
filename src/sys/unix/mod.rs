//! The Unix backend: rustix for system calls, libc only where rustix has no
//! wrapper (`sigaction`, `mkfifo` on Apple targets, peer credentials outside
//! Linux).

pub(crate) mod activation;
mod credentials;
mod deadline;
pub(crate) mod fifo;
pub(crate) mod handoff;
pub(crate) mod identity;
pub(crate) mod local_socket;
#[cfg(messages_framed)]
mod message_framed;
#[cfg(message_sockets)]
pub(crate) mod message_socket;
pub(crate) mod pipe;
#[cfg(async_front_end)]
pub(crate) mod reactor;
mod refusal;
pub(crate) mod scm_rights;
pub(crate) mod shm;
mod sigpipe;
pub(crate) mod single_instance;
#[cfg(feature = "smol")]
pub(crate) mod smol;
#[cfg(linux_like)]
mod sock_diag;
mod socket;
mod socket_fd;
mod socket_file;
mod socket_io;
pub(crate) mod socket_name;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;
