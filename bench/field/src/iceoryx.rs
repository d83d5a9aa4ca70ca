//! iceoryx2 in the shared-memory family, used as its docs recommend for
//! moving bytes between two processes: a publish-subscribe service of byte
//! slices per direction (measured side to peer, peer to measured side).
//!
//! * **Writing** one write of a job: `Publisher::loan_slice_uninit` of the
//!   write's length, `write_from_slice`, `send`.
//! * **Reading**: the subscriber busy-polls `receive`, yielding the CPU
//!   (`sched_yield(2)`, through `std::thread::yield_now`) after each empty
//!   poll so that a peer on the same CPU can run, copies the payload out
//!   into the reader's buffer and keeps the rest of a sample the buffer
//!   could not take for the next read. (A longer spin before yielding costs
//!   each hand-over between processes sharing a CPU the whole spin.)
//! * **Configuration**: iceoryx2's defaults (`Config::default()`), not a
//!   config file, so every machine runs the same settings.
//! * **Sizes**: each slice is at most the job's write (or message) size
//!   (`initial_max_slice_len`, static allocation); the measured side's
//!   subscriber buffer holds [`WINDOW`] ÷ the write size samples for a
//!   throughput job (32 of 64 KiB, 512 of 4 KiB), and 2 where at most one
//!   sample is in flight (round trips, acknowledgements). No history, no
//!   safe overflow, and a publisher that retries until a full buffer has
//!   room (`BackpressureStrategy::RetryUntilDelivered`): nothing is lost or
//!   overwritten, so every byte arrives, in order.
//! * **A handshake** before the job, one 1-byte sample each way, so that
//!   both subscribers are attached before any data is sent: a publisher
//!   whose subscriber has not attached yet drops a sample once the buffer
//!   is full instead of retrying (see [`Channel::handshake`]). A sample that
//!   still reaches no subscriber is an error.
//! * **The end of the stream** is an empty sample, which a side sends when
//!   it is dropped; a read that finds it returns 0, as a closed stream's.
//!
//! The adapter is a `Read + Write` stream, so the engine's measured side
//! (`measure::duplex`) and its peer answer (`Answer::over_stream`) run over
//! it unchanged. The peer creates both services, with the job's sizes, and
//! says it is ready; the measured side opens them.

use std::io::{self, Read, Write};
use std::time::Duration;

use iceoryx2::port::publisher::Publisher;
use iceoryx2::port::subscriber::Subscriber;
use iceoryx2::prelude::*;
use iceoryx2::sample::Sample;
use iceoryx2::service::port_factory::publish_subscribe::PortFactory;
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::Contender;
use localipc_bench_engine::job::Job;
use localipc_bench_engine::link::with_listening_peer;
use localipc_bench_engine::measure::{self, Measurement};
use localipc_bench_engine::peer::{Answer, Transport};

/// The row, with the version the lock file builds (a test checks it).
pub(crate) const NAME: &str = "iceoryx2 0.10.0 pub-sub (busy poll)";
/// The peer transport's kind.
pub(crate) const KIND: &str = "iceoryx2";

/// The bytes in flight towards the peer in a throughput job: the
/// subscriber's buffer holds this many bytes of samples.
const WINDOW: usize = 2 * 1024 * 1024;

/// The handshake's one byte.
const HELLO: u8 = 0x5a;

/// For the report's notes.
pub(crate) fn note() -> String {
    format!(
        "iceoryx2 (shared-memory family): a publish-subscribe service of byte slices per direction, with a 1-byte sample each way before the job so both subscribers are attached (a publisher drops samples, rather than retrying, into a full buffer whose subscriber has not attached yet); each write is loan_slice_uninit + write_from_slice + send of one sample, each read busy-polls receive (yielding the CPU after every empty poll, so a peer on the same CPU can run) and copies the payload out. iceoryx2's default configuration, no config file. Subscriber buffers of {} KiB ÷ the write size samples for throughput (2 for round trips and acknowledgements), slices at most the write size, no history, no safe overflow, publishers retrying until delivered. Its peer is this binary answering over iceoryx2 with the same code as the family's other peers.",
        WINDOW / 1024
    )
}

pub(crate) fn contender() -> Contender {
    Contender { name: NAME, run }
}

fn run(context: &Context, job: Job) -> io::Result<Measurement> {
    let name = context.unique_name();
    let transport = Transport::Custom {
        kind: KIND.to_owned(),
        address: name.clone(),
    };
    with_listening_peer(context, transport, job, || {
        let channel = Channel::new(&name, job, Side::Measured)?;
        channel.handshake(Side::Measured)?;
        measure::duplex(channel, job)
    })
}

/// The peer: creates the services named after `address`, says it is ready
/// and answers over them.
pub(crate) fn serve(address: &str, answer: Answer) -> io::Result<Option<Duration>> {
    let channel = Channel::new(address, answer.job(), Side::Peer)?;
    answer.say_ready()?;
    channel.handshake(Side::Peer)?;
    answer.over_stream(channel)
}

/// Which end of the channel this process is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// Opens the services, writes the job's bytes.
    Measured,
    /// Creates the services, answers.
    Peer,
}

/// The sizes of one direction's service.
#[derive(Clone, Copy, Debug)]
struct Shape {
    /// The longest slice, in bytes.
    slice: usize,
    /// The subscriber's buffer, in samples.
    slots: usize,
}

impl Shape {
    /// The shapes of the service to the peer and of the one from it.
    fn of(job: Job) -> (Self, Self) {
        match job {
            Job::Throughput { write_size, .. } => (
                Self {
                    slice: write_size,
                    slots: (WINDOW / write_size).max(2),
                },
                // One acknowledgement byte at a time.
                Self { slice: 1, slots: 2 },
            ),
            Job::RoundTrip { message_size, .. } => {
                let one_in_flight = Self {
                    slice: message_size,
                    slots: 2,
                };
                (one_in_flight, one_in_flight)
            }
        }
    }
}

type Bytes = [u8];

/// One process's end: a publisher towards the other process, a subscriber
/// of what it sends. Fields drop in order: the ports before their services
/// and the node.
#[derive(Debug)]
struct Channel {
    publisher: Publisher<ipc::Service, Bytes, ()>,
    subscriber: Subscriber<ipc::Service, Bytes, ()>,
    /// The sample a read left bytes of, and how far it got.
    pending: Option<(Sample<ipc::Service, Bytes, ()>, usize)>,
    /// Whether the end-of-stream sample has been read.
    ended: bool,
    _services: [PortFactory<ipc::Service, Bytes, ()>; 2],
    _node: Node<ipc::Service>,
}

impl Channel {
    fn new(name: &str, job: Job, side: Side) -> io::Result<Self> {
        let node = NodeBuilder::new()
            .config(&Config::default())
            // The bench's own watchdog and signals stay as they are.
            .signal_handling_mode(SignalHandlingMode::Disabled)
            .create::<ipc::Service>()
            .map_err(|error| failed("creating a node", error))?;
        let (to_peer, from_peer) = Shape::of(job);
        let to_peer_service = service(&node, &format!("{name}/to-peer"), to_peer, side)?;
        let from_peer_service = service(&node, &format!("{name}/from-peer"), from_peer, side)?;
        let ((outgoing, out_shape), (incoming, in_shape)) = match side {
            Side::Measured => ((&to_peer_service, to_peer), (&from_peer_service, from_peer)),
            Side::Peer => ((&from_peer_service, from_peer), (&to_peer_service, to_peer)),
        };
        let subscriber = incoming
            .subscriber_builder()
            .buffer_size(in_shape.slots)
            .create()
            .map_err(|error| failed("creating a subscriber", error))?;
        let publisher = outgoing
            .publisher_builder()
            .initial_max_slice_len(out_shape.slice)
            .allocation_strategy(AllocationStrategy::Static)
            .max_loaned_samples(1)
            .backpressure_strategy(BackpressureStrategy::RetryUntilDelivered)
            .create()
            .map_err(|error| failed("creating a publisher", error))?;
        Ok(Self {
            publisher,
            subscriber,
            pending: None,
            ended: false,
            _services: [to_peer_service, from_peer_service],
            _node: node,
        })
    }

    /// Before the job, one 1-byte sample each way (the measured side
    /// first), read by the adapter and never seen by the engine: once a
    /// side has received, its subscriber is attached to the connection its
    /// peer's publisher sends on. Without it a publisher can fill a
    /// connection whose subscriber has not attached yet (a subscriber
    /// attaches in `receive`, so a peer on the same CPU may not have run
    /// since the measured side's publisher appeared), and iceoryx2's
    /// `RetryUntilDelivered` does not retry then: `send` drops the sample
    /// and returns 0 recipients (`NoConnectedReceiverAndBufferIsFull`,
    /// ignored in `Sender::deliver_offset_to_connection_impl`). That lost
    /// 64 KiB writes of a full run's pinned 64 KiB job, and both sides then
    /// waited forever, the measured side for the acknowledgement, the peer
    /// for the rest of the bytes. Untimed: before `measure::duplex` starts
    /// its clock and before the peer answers.
    fn handshake(&self, side: Side) -> io::Result<()> {
        let hello = |channel: &Self| channel.send(&[HELLO]);
        let heard = |channel: &Self| match channel.next_sample()?.payload() {
            [HELLO] => Ok(()),
            other => Err(io::Error::other(format!(
                "iceoryx2: handshake: expected [{HELLO}], got {} bytes",
                other.len()
            ))),
        };
        match side {
            Side::Measured => {
                hello(self)?;
                heard(self)
            }
            Side::Peer => {
                heard(self)?;
                hello(self)
            }
        }
    }

    /// The next sample, busy-polled.
    fn next_sample(&self) -> io::Result<Sample<ipc::Service, Bytes, ()>> {
        loop {
            match self.subscriber.receive() {
                Ok(Some(sample)) => return Ok(sample),
                Ok(None) => std::thread::yield_now(),
                Err(error) => return Err(failed("receiving", error)),
            }
        }
    }

    /// Sends `bytes` as one sample.
    fn send(&self, bytes: &[u8]) -> io::Result<()> {
        let sample = self
            .publisher
            .loan_slice_uninit(bytes.len())
            .map_err(|error| failed("loaning a sample", error))?;
        let delivered_to = sample
            .write_from_slice(bytes)
            .send()
            .map_err(|error| failed("sending", error))?;
        // `send` drops a sample silently (0 recipients) rather than
        // retrying when the subscriber's buffer is full and the subscriber
        // has not attached to the connection yet; after the handshake that
        // cannot happen, so a lost sample is an error, not a hang. (The
        // end-of-stream sample may find the other side already gone.)
        if delivered_to == 0 && !bytes.is_empty() {
            return Err(failed("sending", "the sample reached no subscriber"));
        }
        Ok(())
    }
}

/// The service `name` with the sizes of `shape`: created by the peer,
/// opened by the measured side with the same settings.
fn service(
    node: &Node<ipc::Service>,
    name: &str,
    shape: Shape,
    side: Side,
) -> io::Result<PortFactory<ipc::Service, Bytes, ()>> {
    let name = ServiceName::new(name).map_err(|error| failed("naming a service", error))?;
    let builder = node
        .service_builder(&name)
        .publish_subscribe::<Bytes>()
        .history_size(0)
        .enable_safe_overflow(false)
        .subscriber_max_buffer_size(shape.slots)
        .subscriber_max_borrowed_samples(1)
        .max_publishers(1)
        .max_subscribers(1)
        .max_nodes(2);
    match side {
        Side::Peer => builder
            .create()
            .map_err(|error| failed("creating a service", error)),
        Side::Measured => builder
            .open()
            .map_err(|error| failed("opening a service", error)),
    }
}

impl Write for Channel {
    /// Sends one sample of as much of `buf` as a slice holds.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len().min(self.publisher.initial_max_slice_len());
        if len > 0 {
            self.send(&buf[..len])?;
        }
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for Channel {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.ended {
            return Ok(0);
        }
        let (sample, offset) = match self.pending.take() {
            Some(pending) => pending,
            None => (self.next_sample()?, 0),
        };
        let payload = &sample.payload()[offset..];
        if payload.is_empty() {
            self.ended = true;
            return Ok(0);
        }
        let copied = payload.len().min(buf.len());
        buf[..copied].copy_from_slice(&payload[..copied]);
        if copied < payload.len() {
            self.pending = Some((sample, offset + copied));
        }
        Ok(copied)
    }
}

impl Drop for Channel {
    /// Ends the stream: an empty sample.
    fn drop(&mut self) {
        let _ = self.send(&[]);
    }
}

/// An iceoryx2 error as an I/O error, saying what failed.
fn failed(what: &str, error: impl std::fmt::Debug) -> io::Error {
    io::Error::other(format!("iceoryx2: {what}: {error:?}"))
}
