//! localipc with the HTTP and gRPC stacks: the runnable examples live in
//! `examples/` (`cargo run -p localipc-integrations --example http`, or
//! `--example grpc`); this library holds the migration guide.
//!
//! [`migrating_from_interprocess`] is the guide
//! `docs/migrating-from-interprocess.md`, included here so that its snippets
//! are compiled (and the self-contained ones run) as doc tests.

#[doc = include_str!("../../../docs/migrating-from-interprocess.md")]
pub mod migrating_from_interprocess {}
