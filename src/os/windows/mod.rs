//! Windows-only APIs: the full named-pipe API.

pub mod named_pipe;
