//! The Windows backend: windows-sys, nothing else.

#[cfg(async_front_end)]
pub(crate) mod aio;
mod error;
pub(crate) mod handoff;
pub(crate) mod identity;
pub(crate) mod local_socket;
pub(crate) mod message_socket;
pub(crate) mod named_pipe;
pub(crate) mod overlapped;
pub(crate) mod pipe;
pub(crate) mod pipe_path;
mod resource;
pub(crate) mod security;
pub(crate) mod shm;
pub(crate) mod single_instance;
mod vectored;

#[cfg(async_front_end)]
pub(crate) use aio as reactor;
#[cfg(feature = "smol")]
pub(crate) use aio as smol;
#[cfg(feature = "tokio")]
pub(crate) use aio as tokio;
