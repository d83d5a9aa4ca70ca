//! The message-socket family: whole messages, each write of a job one
//! message, and the peer's acknowledgements and echoes messages too (see
//! the engine's `message` module). Linux, Android and Windows, where
//! localipc has message sockets.
//!
//! * **Linux:** the baseline is what a program without message sockets
//!   does, std's `UnixStream` with every message behind its 4-byte
//!   little-endian length; then a raw `SOCK_SEQPACKET` socket (rustix,
//!   one `send(2)` and one `recv(2)` per message), and localipc's blocking,
//!   Tokio and smol `MessageSocket`s (`SOCK_SEQPACKET` too).
//! * **Windows:** the baseline is a named pipe in message mode through
//!   `localipc::os::windows::named_pipe`, then localipc's blocking, Tokio
//!   and smol `MessageSocket`s (message-mode pipes too).
//!
//! # The peer
//!
//! Every contender but the Linux baseline meets the same peer: on Linux a
//! raw `SOCK_SEQPACKET` listener on a fresh abstract name, which receives
//! each message with one `recv(2)` straight into its buffer, so the peer
//! never sets the pace with more than the least a message costs (localipc's
//! own receive first asks a message's size: that is the measured side's
//! cost, not the peer's); on Windows a blocking localipc `MessageListener`
//! on a fresh namespaced name, whose pipe the baseline opens by its path.
//! A `SOCK_SEQPACKET` client cannot reach a stream listener, so the Linux
//! baseline's peer is std's `UnixListener` on an abstract name speaking the
//! same length-prefixed messages; the peer's answer is one piece of code
//! over either connection. Only the measured side's library differs.

use std::io;

use localipc::local_socket::{self, Name};
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::{Contender, Family};
use localipc_bench_engine::job::Job;
use localipc_bench_engine::link;
use localipc_bench_engine::measure::{self, Measurement};
use localipc_bench_engine::message::AsyncMessages;

use crate::measure::{in_futures, in_tokio};

/// The family's key in the JSON output.
pub(crate) const KEY: &str = "messages";

/// How the family's figures read, for the reports' notes.
pub(crate) const NOTE: &str = if cfg!(windows) {
    "Message sockets: every 64 KiB or 4 KiB write is one message (messages per second: MiB/s × 16 or × 256), and the peer acknowledges and echoes with messages. The baseline is a named pipe in message mode (localipc's named_pipe module); the peer is a blocking localipc MessageListener for every contender."
} else {
    "Message sockets: every 64 KiB or 4 KiB write is one message (messages per second: MiB/s × 16 or × 256), and the peer acknowledges and echoes with messages. The baseline frames each message with a 4-byte little-endian length on a std UnixStream (one vectored write per message, reads through a BufReader); every other contender meets a peer on a raw SOCK_SEQPACKET socket that receives each message with one recv(2)."
};

/// The raw transport's row, which the targets hold the blocking
/// `MessageSocket` to.
#[cfg(not(windows))]
pub(crate) const RAW: &str = "raw SOCK_SEQPACKET";
#[cfg(windows)]
pub(crate) const RAW: &str = "named pipe, message mode";
/// The blocking `MessageSocket`'s row.
pub(crate) const LOCALIPC_BLOCKING: &str = "localipc MessageSocket";

pub(crate) fn family() -> Family {
    Family {
        name: "Message sockets",
        key: KEY,
        compared: true,
        contenders: vec![
            #[cfg(not(windows))]
            Contender {
                name: "std UnixStream, length-prefixed",
                run: length_prefixed_std_stream,
            },
            Contender {
                name: RAW,
                run: link::raw_messages,
            },
            Contender {
                name: LOCALIPC_BLOCKING,
                run: link::message_socket,
            },
            Contender {
                name: "localipc tokio MessageSocket",
                run: localipc_tokio,
            },
            Contender {
                name: "localipc smol MessageSocket",
                run: localipc_smol,
            },
        ],
    }
}

#[cfg(not(windows))]
fn length_prefixed_std_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixStream};

    use localipc_bench_engine::link::at_unique_name;
    use localipc_bench_engine::message::LengthPrefixed;
    use localipc_bench_engine::peer::Transport;

    let listen_at = |name| Transport::LengthPrefixed(Box::new(Transport::StdSocketAbstract(name)));
    at_unique_name(context, listen_at, job, |name| {
        let stream = UnixStream::connect_addr(&SocketAddr::from_abstract_name(name)?)?;
        measure::messages(LengthPrefixed::new(&stream, &stream), job)
    })
}

/// A contender `$run` for each of localipc's async message sockets
/// (Tokio's and smol's have the same methods): connected inside the
/// executor `$executor` runs it on, whose reactor it registers with, and
/// measured through `$wrapper`, the socket as the engine's `AsyncMessages`.
macro_rules! async_message_sockets {
    ($($run:ident: $wrapper:ident($socket:ty) in $executor:ident),* $(,)?) => {$(
        fn $run(context: &Context, job: Job) -> io::Result<Measurement> {
            link::at_message_peer(context, job, |name| {
                let name = Name::namespaced(name)?;
                $executor(async {
                    let socket = <$socket>::connect(&name).await?;
                    measure::async_messages($wrapper(socket), job).await
                })
            })
        }

        #[doc = concat!("A `", stringify!($socket), "` measured.")]
        struct $wrapper($socket);

        impl AsyncMessages for $wrapper {
            async fn send_message(&mut self, message: &[u8]) -> io::Result<()> {
                self.0.send(message).await
            }

            async fn recv_message(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0.recv(buf).await
            }
        }
    )*};
}

async_message_sockets!(
    localipc_tokio: OnTokio(local_socket::tokio::MessageSocket) in in_tokio,
    localipc_smol: OnSmol(local_socket::smol::MessageSocket) in in_futures,
);
