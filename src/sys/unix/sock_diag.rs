//! Who holds an abstract name: Linux's `sock_diag` netlink interface lists
//! listening Unix sockets with their names, types and owners (the owner
//! since Linux 5.3), without connecting to them.
//!
//! Best effort, for error messages only: any failure, or an answer that
//! does not parse, is `None`. The kernel's answer is parsed with every
//! length checked, never trusted.

use std::time::Duration;

use rustix::net::{AddressFamily, SocketType};

use super::socket_name::{Address, Resolved};

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const TCP_LISTEN: u32 = 10;
const UDIAG_SHOW_NAME: u32 = 0x1;
const UDIAG_SHOW_UID: u32 = 0x40;
const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_UID: u16 = 7;
const NLMSG_HEADER_LEN: usize = 16;
const UNIX_DIAG_MSG_LEN: usize = 16;

/// A socket that listens on an abstract name, as the kernel describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Listening {
    /// Its type: `SOCK_STREAM` for a stream listener, `SOCK_SEQPACKET` for
    /// a message listener.
    pub(crate) socket_type: SocketType,
    /// The uid that owns it, if the kernel says (Linux 5.3 and later).
    pub(crate) uid: Option<u32>,
}

/// The socket that listens on the abstract name `resolved`, if the kernel
/// says. (localipc's placeholders, which hold a name for the other socket
/// type, are bound but never listen, so they are not it.)
pub(crate) fn abstract_name_listener(resolved: &Resolved) -> Option<Listening> {
    let Address::Abstract(name) = &resolved.address else {
        return None;
    };
    let mut wanted = Vec::with_capacity(name.len() + 1);
    wanted.push(0);
    wanted.extend_from_slice(name);

    let socket = rustix::net::socket(
        AddressFamily::NETLINK,
        SocketType::DGRAM,
        Some(rustix::net::netlink::SOCK_DIAG),
    )
    .ok()?;
    rustix::net::sockopt::set_socket_timeout(
        &socket,
        rustix::net::sockopt::Timeout::Recv,
        Some(Duration::from_secs(1)),
    )
    .ok()?;
    rustix::net::send(&socket, &request(), rustix::net::SendFlags::empty()).ok()?;

    let mut buffer = vec![0_u8; 32 * 1024];
    // A dump ends with NLMSG_DONE; bound the number of reads all the same.
    for _ in 0..4096 {
        let (len, _) =
            rustix::net::recv(&socket, &mut buffer[..], rustix::net::RecvFlags::empty()).ok()?;
        match find_listener(buffer.get(..len)?, &wanted) {
            Found::Listener(listening) => return Some(listening),
            Found::End => return None,
            Found::More => {}
        }
    }
    None
}

/// A dump request for listening Unix sockets, with names and owners.
fn request() -> [u8; NLMSG_HEADER_LEN + 24] {
    let mut message = [0_u8; NLMSG_HEADER_LEN + 24];
    let len = message.len() as u32;
    message[0..4].copy_from_slice(&len.to_ne_bytes());
    message[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    message[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    // Sequence number and port id stay zero.
    let body = &mut message[NLMSG_HEADER_LEN..];
    body[0] = libc::AF_UNIX as u8;
    body[4..8].copy_from_slice(&(1_u32 << TCP_LISTEN).to_ne_bytes());
    body[12..16].copy_from_slice(&(UDIAG_SHOW_NAME | UDIAG_SHOW_UID).to_ne_bytes());
    message
}

#[derive(Debug, PartialEq, Eq)]
enum Found {
    Listener(Listening),
    /// The dump is over (or failed).
    End,
    /// Read on.
    More,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Looks through one datagram of the dump for the socket named `wanted`.
fn find_listener(mut datagram: &[u8], wanted: &[u8]) -> Found {
    while datagram.len() >= NLMSG_HEADER_LEN {
        let (Some(len), Some(kind)) = (u32_at(datagram, 0), u16_at(datagram, 4)) else {
            return Found::End;
        };
        let len = len as usize;
        if len < NLMSG_HEADER_LEN || len > datagram.len() {
            return Found::End;
        }
        match kind {
            NLMSG_DONE | NLMSG_ERROR => return Found::End,
            SOCK_DIAG_BY_FAMILY => {
                if let Some(listening) = listener_if_named(&datagram[NLMSG_HEADER_LEN..len], wanted)
                {
                    return Found::Listener(listening);
                }
            }
            _ => {}
        }
        let next = len.next_multiple_of(4).min(datagram.len());
        datagram = &datagram[next..];
    }
    Found::More
}

/// The socket one `unix_diag_msg` and its attributes describe, if its name
/// is `wanted`. The message opens with the family, then the type, as bytes.
fn listener_if_named(message: &[u8], wanted: &[u8]) -> Option<Listening> {
    let socket_type = SocketType::from_raw(u32::from(*message.get(1)?));
    let mut attributes = message.get(UNIX_DIAG_MSG_LEN..)?;
    let (mut name, mut uid) = (None, None);
    while attributes.len() >= 4 {
        let len = usize::from(u16_at(attributes, 0)?);
        let kind = u16_at(attributes, 2)?;
        if len < 4 || len > attributes.len() {
            break;
        }
        let payload = &attributes[4..len];
        match kind {
            UNIX_DIAG_NAME => name = Some(payload),
            UNIX_DIAG_UID => uid = u32_at(payload, 0),
            _ => {}
        }
        let next = len.next_multiple_of(4).min(attributes.len());
        attributes = &attributes[next..];
    }
    (name? == wanted).then_some(Listening { socket_type, uid })
}

#[cfg(test)]
mod tests {
    use rustix::net::SocketType;

    use super::{Found, Listening, find_listener};

    fn attribute(kind: u16, payload: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(4 + payload.len() as u16).to_ne_bytes());
        bytes.extend_from_slice(&kind.to_ne_bytes());
        bytes.extend_from_slice(payload);
        while bytes.len() % 4 != 0 {
            bytes.push(0);
        }
        bytes
    }

    fn message(name: &[u8], uid: u32) -> Vec<u8> {
        let mut body = vec![0_u8; 16];
        body[0] = libc::AF_UNIX as u8;
        body[1] = libc::SOCK_SEQPACKET as u8;
        body.extend(attribute(0, name));
        body.extend(attribute(7, &uid.to_ne_bytes()));
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(16 + body.len() as u32).to_ne_bytes());
        bytes.extend_from_slice(&20_u16.to_ne_bytes());
        bytes.extend_from_slice(&[0; 10]);
        bytes.extend(body);
        bytes
    }

    #[test]
    fn the_listener_of_the_wanted_name_is_found_among_others_with_its_type() {
        let mut datagram = message(b"\0other", 1);
        datagram.extend(message(b"\0wanted", 65534));
        assert_eq!(
            find_listener(&datagram, b"\0wanted"),
            Found::Listener(Listening {
                socket_type: SocketType::SEQPACKET,
                uid: Some(65534)
            })
        );
        assert_eq!(find_listener(&datagram, b"\0missing"), Found::More);
    }

    #[test]
    fn truncated_or_lying_lengths_end_the_search_without_panicking() {
        let datagram = message(b"\0wanted", 7);
        for cut in 0..datagram.len() {
            let _ = find_listener(&datagram[..cut], b"\0wanted");
        }
        let mut lying = datagram.clone();
        lying[0..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(find_listener(&lying, b"\0wanted"), Found::End);
        let mut lying_attribute = datagram;
        lying_attribute[32..34].copy_from_slice(&u16::MAX.to_ne_bytes());
        assert_eq!(find_listener(&lying_attribute, b"\0wanted"), Found::More);
    }
}
