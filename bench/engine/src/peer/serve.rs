//! The peer process itself: plain blocking std and localipc code (and raw
//! `SOCK_SEQPACKET` sockets on Linux), the same for every contender of a
//! family.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use localipc::local_socket::{Listener, Name};
use localipc::pipe::{Receiver, Sender};

use super::answer::{Bytes, Split, WholeMessages, answer};
use super::process::{CPU, READY};
use super::{INPUT_VAR, OUTPUT_VAR, Spec, Transport};
use crate::job::Job;
use crate::message::LengthPrefixed;
use crate::watchdog;

/// How long a peer may live. Longer than the measured side's own bound, so
/// that side reports a hang first, with the better message.
const LIFETIME: Duration = Duration::from_secs(120);

/// The peer's `main`: `arguments` are those after the peer argument that
/// the binary gave [`Context::new`](crate::context::Context::new).
pub fn main(arguments: &[String]) -> ExitCode {
    main_with(arguments, None)
}

/// What serves a [`Transport::Custom`] peer: given the transport's `kind`
/// and `address`, it meets the measured side, says it is ready when the
/// measured side may connect, and answers the job over the connection with
/// [`Answer`], returning what the answer returns.
pub type CustomPeer = fn(kind: &str, address: &str, answer: Answer) -> io::Result<Option<Duration>>;

/// [`main`] for a binary that serves transports of its own: `custom`
/// serves every [`Transport::Custom`] (without it they are refused).
pub fn main_with(arguments: &[String], custom: Option<CustomPeer>) -> ExitCode {
    watchdog::start();
    watchdog::arm("serving", "peer", LIFETIME);
    match Spec::parse(arguments)
        .map_err(io::Error::other)
        .and_then(|spec| serve(spec, custom))
        .and_then(report_cpu)
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{} (peer): {error}", watchdog::program());
            ExitCode::FAILURE
        }
    }
}

/// Tells the measured side the CPU time of the peer's share of the timed
/// part: one line, `cpu` and the nanoseconds or `unknown`.
fn report_cpu(cpu: Option<Duration>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match cpu {
        Some(cpu) => writeln!(stdout, "{CPU} {}", cpu.as_nanos()),
        None => writeln!(stdout, "{CPU} unknown"),
    }?;
    stdout.flush()
}

/// Answers the job; returns the CPU time of the timed part (see
/// [`answer`]).
fn serve(spec: Spec, custom: Option<CustomPeer>) -> io::Result<Option<Duration>> {
    let Spec {
        transport,
        job,
        verify,
    } = spec;
    let task = Task {
        job,
        verify,
        length_prefixed: false,
    };
    match transport {
        Transport::Custom { kind, address } => match custom {
            Some(serve_custom) => serve_custom(&kind, &address, Answer(task)),
            None => Err(io::Error::other(format!(
                "this binary serves no custom transport ({kind:?})"
            ))),
        },
        transport => serve_on(transport, task),
    }
}

/// The peer's half of one job, handed to a [`CustomPeer`]: it answers the
/// job over the connection the hook made, with the code every other
/// transport's peer runs.
#[derive(Debug)]
pub struct Answer(Task);

impl Answer {
    /// The job to answer.
    #[must_use]
    pub fn job(&self) -> Job {
        self.0.job
    }

    /// Tells the measured side that the peer is ready for it to connect.
    /// Say it once, before the measured side needs the peer.
    ///
    /// # Errors
    ///
    /// If standard output cannot be written.
    pub fn say_ready(&self) -> io::Result<()> {
        say_ready()
    }

    /// Answers the job over a byte stream, read up to [`READ_BUFFER`](super::READ_BUFFER)
    /// at a time, whose reads return 0 once the measured side has closed
    /// its end. Returns the CPU time of the peer's share of the timed part.
    ///
    /// # Errors
    ///
    /// The stream's error, `UnexpectedEof` if it ends early, `InvalidData`
    /// if a byte is not what was sent (when checking) or more comes.
    pub fn over_stream(self, stream: impl Read + Write) -> io::Result<Option<Duration>> {
        self.0.over_duplex(stream)
    }

    /// Answers the job over whole messages (see
    /// [`message`](crate::message)). Returns as [`Answer::over_stream`].
    ///
    /// # Errors
    ///
    /// As [`Answer::over_stream`], and for a message of another length.
    pub fn over_messages(self, end: impl crate::message::Messages) -> io::Result<Option<Duration>> {
        answer(WholeMessages::new(end), self.0.job, self.0.verify)
    }
}

/// What the peer does with its connection.
#[derive(Clone, Copy, Debug)]
struct Task {
    job: Job,
    /// Whether to check every byte of a throughput transfer.
    verify: bool,
    /// Whether a stream carries messages, each behind its length.
    length_prefixed: bool,
}

impl Task {
    /// Answers over a byte stream, in bytes or in length-prefixed messages.
    fn over_stream(self, reader: impl Read, writer: impl Write) -> io::Result<Option<Duration>> {
        if self.length_prefixed {
            let messages = LengthPrefixed::new(reader, writer);
            answer(WholeMessages::new(messages), self.job, self.verify)
        } else {
            answer(Bytes::new(Split { reader, writer }), self.job, self.verify)
        }
    }

    /// Answers in bytes over one stream that reads and writes through
    /// `&mut self`.
    fn over_duplex(self, stream: impl Read + Write) -> io::Result<Option<Duration>> {
        if self.length_prefixed {
            return Err(io::Error::other(
                "length prefixes are not measured over shared memory",
            ));
        }
        answer(Bytes::new(stream), self.job, self.verify)
    }

    /// Answers over a connection that keeps message boundaries.
    #[cfg(any(target_os = "linux", target_os = "android", windows))]
    fn over_messages(self, end: impl crate::message::Messages) -> io::Result<Option<Duration>> {
        if self.length_prefixed {
            return Err(io::Error::other(
                "length prefixes are for streams, not for message transports",
            ));
        }
        answer(WholeMessages::new(end), self.job, self.verify)
    }
}

fn serve_on(transport: Transport, task: Task) -> io::Result<Option<Duration>> {
    match transport {
        #[cfg(unix)]
        Transport::StdSocketPath(path) => {
            let listener = std::os::unix::net::UnixListener::bind(path)?;
            serve_one(|| Ok(listener.accept()?.0), task)
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Transport::StdSocketAbstract(name) => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            use std::os::unix::net::{SocketAddr, UnixListener};

            let address = SocketAddr::from_abstract_name(name.as_bytes())?;
            let listener = UnixListener::bind_addr(&address)?;
            serve_one(|| Ok(listener.accept()?.0), task)
        }
        Transport::LocalSocketNamespaced(name) => {
            let listener = Listener::bind(&Name::namespaced(name)?)?;
            serve_one(|| listener.accept(), task)
        }
        Transport::LocalSocketPath(path) => {
            let listener = Listener::bind(&Name::path(path)?)?;
            serve_one(|| listener.accept(), task)
        }
        #[cfg(windows)]
        Transport::NamedPipe { path, messages } => {
            use localipc::os::windows::named_pipe::{ListenerOptions, PipeMode};

            let mode = if messages {
                PipeMode::Messages
            } else {
                PipeMode::Bytes
            };
            let listener = ListenerOptions::new(path).mode(mode).create()?;
            serve_one(|| listener.accept(), task)
        }
        Transport::Shm { name, spin } => {
            use localipc::shm::{ShmListener, ShmOptions};

            let listener = Listener::bind(&Name::namespaced(name)?)?;
            let listener = ShmListener::from_listener(listener, ShmOptions::new().spin(spin));
            say_ready()?;
            task.over_duplex(listener.accept()?)
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Transport::SeqpacketAbstract(name) => {
            let listener = crate::seqpacket::Listener::bind(&name)?;
            say_ready()?;
            task.over_messages(listener.accept()?)
        }
        #[cfg(any(target_os = "linux", target_os = "android", windows))]
        Transport::MessageSocketNamespaced(name) => {
            let listener = localipc::local_socket::MessageListener::bind(&Name::namespaced(name)?)?;
            say_ready()?;
            task.over_messages(listener.accept()?)
        }
        Transport::Custom { kind, .. } => Err(io::Error::other(format!(
            "the custom transport {kind:?} cannot be length-prefixed"
        ))),
        Transport::LengthPrefixed(inner) => serve_on(
            *inner,
            Task {
                length_prefixed: true,
                ..task
            },
        ),
        Transport::Pipe => {
            // SAFETY: the measured side set the variable with a `Handoff`, and
            // this is the only claim of it in this process.
            let input = unsafe { Receiver::from_handoff(INPUT_VAR) }?;
            // SAFETY: as for the input.
            let output = unsafe { Sender::from_handoff(OUTPUT_VAR) }?;
            task.over_stream(&input, &output)
        }
    }
}

/// Says the peer listens, then serves the one connection `accept` returns.
fn serve_one<S>(accept: impl FnOnce() -> io::Result<S>, task: Task) -> io::Result<Option<Duration>>
where
    for<'a> &'a S: Read + Write,
{
    say_ready()?;
    let stream = accept()?;
    task.over_stream(&stream, &stream)
}

/// Tells the measured side that the peer listens.
fn say_ready() -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(READY)?;
    stdout.flush()
}
