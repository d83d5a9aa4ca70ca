//! Single instances on Tokio (feature `tokio`): the types of
//! [`generic`] for this runtime, and [`start`].

use std::io;

use super::{SingleInstance, generic};
use crate::runtime::Tokio;

/// What [`start`] found. See [`generic::Start`].
pub type Start = generic::Start<Tokio>;
/// The primary instance. See [`generic::Primary`].
pub type Primary = generic::Primary<Tokio>;
/// A running primary, found by a later start. See [`generic::Running`].
pub type Running = generic::Running<Tokio>;
/// A start forwarded to the primary. See [`generic::Arrival`].
pub type Arrival = generic::Arrival<Tokio>;

/// Becomes the primary, or finds the running one. See [`generic::start`].
///
/// # Errors
///
/// As for the blocking [`SingleInstance::start`].
pub async fn start(instance: &SingleInstance) -> io::Result<Start> {
    generic::start(instance).await
}
