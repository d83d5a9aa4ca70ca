//! ipc-channel's bytes channel in the message family: every write of a job
//! is one message (`IpcBytesSender::send`), every read one message
//! (`IpcBytesReceiver::recv`), as the family's other contenders.
//!
//! # Setting up
//!
//! The measured side makes an `IpcOneShotServer` and starts the peer with
//! its name; the peer makes two bytes channels, one per direction, and
//! sends the measured side its ends (the sender towards the peer and the
//! receiver of the peer's answers) through the server, which is how
//! ipc-channel connects two processes. The peer then answers the job over
//! its own ends with the engine's code for whole messages, as the family's
//! `SOCK_SEQPACKET` peer does; only the transport differs (ipc-channel
//! speaks to ipc-channel).

use std::io;
use std::time::Duration;

use ipc_channel::IpcError;
use ipc_channel::ipc::{self, IpcBytesReceiver, IpcBytesSender, IpcOneShotServer, IpcSender};
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::Contender;
use localipc_bench_engine::job::Job;
use localipc_bench_engine::link::with_listening_peer;
use localipc_bench_engine::measure::{self, Measurement};
use localipc_bench_engine::message::Messages;
use localipc_bench_engine::peer::{Answer, Transport};

/// The row, with the version the lock file builds (a test checks it).
pub(crate) const NAME: &str = "ipc-channel 0.23.1 bytes channel";
/// The peer transport's kind.
pub(crate) const KIND: &str = "ipc-channel";

/// For the report's notes.
pub(crate) const NOTE: &str = "ipc-channel (message family): its bytes channel, one IpcBytesSender::send per write and one IpcBytesReceiver::recv per read (which returns a fresh Vec, copied into the job's buffer), one channel per direction, set up through an IpcOneShotServer; its peer is this binary answering over ipc-channel with the same code as the family's other peers.";

/// What one message side hands the other through the one-shot server: the
/// sender towards the peer and the receiver of the peer's answers.
type Ends = (IpcBytesSender, IpcBytesReceiver);

pub(crate) fn contender() -> Contender {
    Contender { name: NAME, run }
}

fn run(context: &Context, job: Job) -> io::Result<Measurement> {
    let (server, name) = IpcOneShotServer::<Ends>::new()?;
    let transport = Transport::Custom {
        kind: KIND.to_owned(),
        address: name,
    };
    with_listening_peer(context, transport, job, || {
        let (_, (to_peer, from_peer)) = server.accept().map_err(ipc_error)?;
        measure::messages(
            Channel {
                sender: to_peer,
                receiver: from_peer,
            },
            job,
        )
    })
}

/// The peer: connects to the measured side's server at `address`, hands it
/// its ends and answers.
pub(crate) fn serve(address: &str, answer: Answer) -> io::Result<Option<Duration>> {
    answer.say_ready()?;
    let server = IpcSender::<Ends>::connect(address.to_owned())?;
    let (to_measured, from_peer) = ipc::bytes_channel()?;
    let (to_peer, at_peer) = ipc::bytes_channel()?;
    // The ends sent are moved into the message: the peer keeps none of them,
    // so each direction ends when its one sender goes.
    server.send((to_peer, from_peer)).map_err(ipc_error)?;
    drop(server);
    answer.over_messages(Channel {
        sender: to_measured,
        receiver: at_peer,
    })
}

/// One side's two ends, as whole messages.
#[derive(Debug)]
struct Channel {
    sender: IpcBytesSender,
    receiver: IpcBytesReceiver,
}

impl Messages for Channel {
    fn send_message(&mut self, message: &[u8]) -> io::Result<()> {
        self.sender.send(message)
    }

    fn recv_message(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.receiver.recv() {
            Ok(message) if message.len() <= buf.len() => {
                buf[..message.len()].copy_from_slice(&message);
                Ok(message.len())
            }
            Ok(message) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a message of {} bytes for a buffer of {}",
                    message.len(),
                    buf.len()
                ),
            )),
            // Every sender of the channel is gone: the end of the stream.
            Err(IpcError::Disconnected) => Ok(0),
            Err(error) => Err(ipc_error(error)),
        }
    }
}

fn ipc_error(error: IpcError) -> io::Error {
    match error {
        IpcError::Io(error) => error,
        error => io::Error::other(format!("ipc-channel: {error}")),
    }
}
