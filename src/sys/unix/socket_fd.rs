//! Creating a Unix domain socket to connect or bind, close-on-exec from its
//! first moment where the OS allows. Shared by `socket` (connect, bind) and
//! `socket_file` (the probe of a stale file, the staged bind), which import
//! it and not each other.

use std::io;
#[cfg(no_sock_cloexec)]
use std::os::fd::AsFd;
use std::os::fd::OwnedFd;

use rustix::net::{AddressFamily, SocketType};

/// A fresh close-on-exec Unix domain socket of type `kind`.
pub(crate) fn new_socket(kind: SocketType) -> io::Result<OwnedFd> {
    #[cfg(not(no_sock_cloexec))]
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        kind,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )?;
    #[cfg(no_sock_cloexec)]
    let fd = {
        let fd = rustix::net::socket(AddressFamily::UNIX, kind, None)?;
        super::pipe::set_inheritable(fd.as_fd(), false)?;
        fd
    };
    Ok(fd)
}
