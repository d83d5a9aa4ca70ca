//! Windows-only APIs: the full named-pipe API, security descriptors for the
//! pipes localipc creates, and unnamed pipes with a chosen descriptor.
//!
//! See [`security`] for who may open a pipe by default and how to change it.

pub mod identity;
pub mod local_socket;
pub mod named_pipe;
mod pipe;
pub mod security;

use std::io;

use crate::pipe::{Receiver, Sender};
use security::SecurityDescriptor;

/// Creates an unnamed pipe like [`pipe()`](crate::pipe::pipe), but with
/// `descriptor` as its security descriptor instead of the default
/// ([`SecurityDescriptor::current_user_only`]).
///
/// An unnamed pipe has no name to open it by; its descriptor decides who may
/// use handles to it that reach other processes (by duplication or
/// inheritance). Both ends are created non-inheritable.
///
/// # Errors
///
/// The OS error of `CreatePipe`.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use localipc::os::windows::{pipe_with_security, security::SecurityDescriptor};
///
/// let (mut tx, mut rx) = pipe_with_security(&SecurityDescriptor::current_user_only()?)?;
/// tx.write_all(b"guarded")?;
/// drop(tx);
/// let mut text = String::new();
/// rx.read_to_string(&mut text)?;
/// assert_eq!(text, "guarded");
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "CreatePipe")]
pub fn pipe_with_security(descriptor: &SecurityDescriptor) -> io::Result<(Sender, Receiver)> {
    let (sender, receiver) = crate::sys::pipe::pipe_with(descriptor.as_sys())?;
    Ok((Sender(sender), Receiver(receiver)))
}
