//! Local sockets on Windows: byte-mode, duplex named pipes.
//!
//! The sockets themselves are in `socket`, which message sockets and
//! resource streams import; this module adds what is built over them, so
//! that none of them imports the other back.

pub(crate) mod socket;

use std::io;

pub(crate) use socket::*;

use crate::sys::windows::message_socket::MessageSocket;
pub(crate) use crate::sys::windows::resource::ResourceStream;

impl Listener {
    /// Accepts a message socket (the listener is in message mode).
    pub(crate) fn accept_messages(&self) -> io::Result<MessageSocket> {
        self.0.accept().map(MessageSocket::new)
    }
}
