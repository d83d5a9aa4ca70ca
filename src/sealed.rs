//! The supertrait that keeps this crate's extension traits closed to outside
//! implementations, so that methods can be added to them without breaking anyone.

/// Implemented only by this crate's own types.
#[allow(
    unreachable_pub,
    reason = "must be nameable in public supertrait bounds"
)]
pub trait Sealed {}

impl Sealed for crate::pipe::Sender {}
impl Sealed for crate::pipe::Receiver {}
impl Sealed for crate::local_socket::Listener {}
impl Sealed for crate::local_socket::ListenerOptions {}
impl Sealed for crate::local_socket::Stream {}
impl Sealed for crate::local_socket::ResourceStream {}
#[cfg(message_sockets)]
impl Sealed for crate::local_socket::MessageSocket {}
impl Sealed for crate::identity::User {}
impl Sealed for crate::identity::Group {}
