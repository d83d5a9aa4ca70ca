//! Single instances on smol, async-std or any other async-io user (feature `smol`): the types of
//! [`generic`] for this runtime, and [`start`].

use std::io;

use super::{SingleInstance, generic};
use crate::runtime::Smol;

/// What [`start`] found. See [`generic::Start`].
pub type Start = generic::Start<Smol>;
/// The primary instance. See [`generic::Primary`].
pub type Primary = generic::Primary<Smol>;
/// A running primary, found by a later start. See [`generic::Running`].
pub type Running = generic::Running<Smol>;
/// A start forwarded to the primary. See [`generic::Arrival`].
pub type Arrival = generic::Arrival<Smol>;

/// Becomes the primary, or finds the running one. See [`generic::start`].
///
/// # Errors
///
/// As for the blocking [`SingleInstance::start`].
pub async fn start(instance: &SingleInstance) -> io::Result<Start> {
    generic::start(instance).await
}
