//! Windows-only APIs: the full named-pipe API, security descriptors for the
//! pipes localipc creates, and unnamed pipes with a chosen descriptor.
//!
//! See [`security`] for who may open a pipe by default and how to change it.

pub mod named_pipe;
pub mod security;
