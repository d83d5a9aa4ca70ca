//! Whether a pipe carries bytes or messages, and which way data flows.

use crate::sys::named_pipe as sys;

/// Whether a pipe carries a byte stream or discrete messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PipeMode {
    /// A byte stream, like a TCP connection (`PIPE_TYPE_BYTE`).
    #[default]
    Bytes,
    /// Discrete messages: each write is one message and reads never merge
    /// two (`PIPE_TYPE_MESSAGE`, read in `PIPE_READMODE_MESSAGE`).
    Messages,
}

/// Which way data flows through a pipe, named from the server's side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PipeDirection {
    /// Both ways (`PIPE_ACCESS_DUPLEX`).
    #[default]
    Duplex,
    /// Clients write, the server reads (`PIPE_ACCESS_INBOUND`).
    ClientToServer,
    /// The server writes, clients read (`PIPE_ACCESS_OUTBOUND`).
    ServerToClient,
}

impl PipeDirection {
    pub(super) fn to_sys(self) -> sys::Direction {
        match self {
            Self::Duplex => sys::Direction::Duplex,
            Self::ClientToServer => sys::Direction::ClientToServer,
            Self::ServerToClient => sys::Direction::ServerToClient,
        }
    }
}
