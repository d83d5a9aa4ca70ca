//! What a server instance or a client end of a named pipe is created with.

use std::time::Duration;

use windows_sys::Win32::Storage::FileSystem::{
    SECURITY_ANONYMOUS, SECURITY_DELEGATION, SECURITY_IDENTIFICATION, SECURITY_IMPERSONATION,
};

use crate::sys::ExpectedServer;
use crate::sys::windows::pipe_path::PipePath;
use crate::sys::windows::security::SecurityDescriptor;

/// Which way data flows, from the server's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Duplex,
    ClientToServer,
    ServerToClient,
}

/// Everything needed to create server instances of one pipe.
#[derive(Debug)]
pub(crate) struct ServerConfig {
    pub(crate) path: PipePath,
    pub(crate) messages: bool,
    pub(crate) direction: Direction,
    /// 1 to 254; `None` for no limit.
    pub(crate) max_instances: Option<u8>,
    pub(crate) in_buffer: u32,
    pub(crate) out_buffer: u32,
    pub(crate) reject_remote: bool,
    pub(crate) inheritable: bool,
    /// The descriptor for every instance; `None` for the current-user-only default.
    pub(crate) security: Option<SecurityDescriptor>,
}

/// How far a server may act as its client (the `SECURITY_*` quality of
/// service flags of `CreateFileW`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImpersonationLevel {
    Anonymous,
    Identification,
    Impersonation,
    Delegation,
}

impl ImpersonationLevel {
    pub(super) fn flags(self) -> u32 {
        match self {
            Self::Anonymous => SECURITY_ANONYMOUS,
            Self::Identification => SECURITY_IDENTIFICATION,
            Self::Impersonation => SECURITY_IMPERSONATION,
            Self::Delegation => SECURITY_DELEGATION,
        }
    }
}

/// Everything needed to open the client end of a pipe.
#[derive(Debug)]
pub(crate) struct ClientConfig {
    pub(crate) path: PipePath,
    pub(crate) direction: Direction,
    pub(crate) timeout: Option<Duration>,
    pub(crate) impersonation: ImpersonationLevel,
    pub(crate) inheritable: bool,
    /// Whom the client agrees to talk to, checked once connected (see
    /// `server_check`); `AnyUser` checks nothing.
    pub(crate) expected_server: ExpectedServer,
}
