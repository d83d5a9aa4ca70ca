//! Windows-only APIs: security descriptors for the pipes localipc creates.
//!
//! See [`security`] for who may open a pipe by default and how to change it.

pub mod security;
