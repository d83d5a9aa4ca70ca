//! The link of one measurement: a peer listening on a fresh socket name or
//! path, or a fresh pair of pipes (or FIFOs) with the peer on their other
//! ends, and the measured side run against it.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use localipc::local_socket::Name;
use localipc::pipe::{Receiver, Sender};
use localipc::shm::{ShmOptions, Spin};

use crate::context::Context;
use crate::job::Job;
use crate::measure::{self, Measurement};
use crate::peer::{Peer, Transport};

/// Starts a peer that listens on `transport`, runs `measure` (which
/// connects to it and drops its stream when done) and concludes with the
/// peer.
///
/// # Errors
///
/// The measurement's error, or the peer's.
pub fn with_listening_peer(
    context: &Context,
    transport: Transport,
    job: Job,
    measure: impl FnOnce() -> io::Result<Measurement>,
) -> io::Result<Measurement> {
    let peer = Peer::listen(context, transport, job)?;
    peer.conclude(measure())
}

/// [`with_listening_peer`] on a fresh name (see
/// [`Context::unique_name`]), which `listen_at` turns into the peer's
/// transport and `measure` connects to.
///
/// # Errors
///
/// As [`with_listening_peer`].
pub fn at_unique_name(
    context: &Context,
    listen_at: fn(String) -> Transport,
    job: Job,
    measure: impl FnOnce(&str) -> io::Result<Measurement>,
) -> io::Result<Measurement> {
    let name = context.unique_name();
    with_listening_peer(context, listen_at(name.clone()), job, || measure(&name))
}

/// [`with_listening_peer`] on a fresh socket path, which `listen_at` turns
/// into the peer's transport and `measure` connects to: a socket file in
/// the scratch directory on Unix (removed afterwards), a `\\.\pipe\` path on
/// Windows.
///
/// # Errors
///
/// As [`with_listening_peer`].
pub fn at_socket_path(
    context: &Context,
    listen_at: fn(PathBuf) -> Transport,
    job: Job,
    measure: impl FnOnce(&Path) -> io::Result<Measurement>,
) -> io::Result<Measurement> {
    #[cfg(unix)]
    let path = context.scratch_path("sock");
    #[cfg(windows)]
    let path = PathBuf::from(format!(r"\\.\pipe\{}-path", context.unique_name()));
    let measured = with_listening_peer(context, listen_at(path.clone()), job, || measure(&path));
    // std's listener leaves its file behind; the scratch directory goes at
    // the end anyway, so a failure here costs nothing.
    #[cfg(unix)]
    let _ = std::fs::remove_file(&path);
    measured
}

/// std's `UnixStream` at both ends (the peer's is std's `UnixListener` on a
/// fresh socket file): the baseline a local socket or shared memory is
/// held to on Unix.
///
/// # Errors
///
/// As [`with_listening_peer`].
#[cfg(unix)]
pub fn std_unix_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    at_socket_path(context, Transport::StdSocketPath, job, |path| {
        let stream = std::os::unix::net::UnixStream::connect(path)?;
        measure::blocking(&stream, &stream, job)
    })
}

/// A shared-memory channel with the default capacity and `spin` at both
/// ends: a `ShmStream` to the peer's `ShmListener` on a fresh namespaced
/// name (the peer is given the same spin, as a program that chose one would
/// run both ends).
///
/// # Errors
///
/// As [`with_listening_peer`].
pub fn shm_channel(context: &Context, job: Job, spin: Spin) -> io::Result<Measurement> {
    let name = context.unique_name();
    let transport = Transport::Shm {
        name: name.clone(),
        spin,
    };
    with_listening_peer(context, transport, job, || {
        let stream = ShmOptions::new()
            .spin(spin)
            .connect(&Name::namespaced(name)?)?;
        measure::duplex(stream, job)
    })
}

/// The transport of the peer every message-socket contender meets: a raw
/// `SOCK_SEQPACKET` listener on an abstract name (Linux, Android), which
/// receives each message with one `recv(2)` straight into its buffer so it
/// never sets the pace; a blocking localipc `MessageListener` on a
/// namespaced name (Windows).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const MESSAGE_PEER: fn(String) -> Transport = Transport::SeqpacketAbstract;
/// The transport of the peer every message-socket contender meets: a raw
/// `SOCK_SEQPACKET` listener on an abstract name (Linux, Android); a
/// blocking localipc `MessageListener` on a namespaced name (Windows).
#[cfg(windows)]
pub const MESSAGE_PEER: fn(String) -> Transport = Transport::MessageSocketNamespaced;

/// [`at_unique_name`] with the [`MESSAGE_PEER`]: `measure` connects to the
/// fresh name it is given.
///
/// # Errors
///
/// As [`with_listening_peer`].
#[cfg(any(target_os = "linux", target_os = "android", windows))]
pub fn at_message_peer(
    context: &Context,
    job: Job,
    measure: impl FnOnce(&str) -> io::Result<Measurement>,
) -> io::Result<Measurement> {
    at_unique_name(context, MESSAGE_PEER, job, measure)
}

/// The raw message transport under localipc's `MessageSocket`, measured
/// in whole messages against the [`MESSAGE_PEER`]: a `SOCK_SEQPACKET`
/// socket through rustix (see [`seqpacket`](crate::seqpacket)), one
/// `send(2)` and one `recv(2)` per message.
///
/// # Errors
///
/// As [`with_listening_peer`].
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn raw_messages(context: &Context, job: Job) -> io::Result<Measurement> {
    use crate::seqpacket::Seqpacket;

    at_message_peer(context, job, |name| {
        measure::messages(Seqpacket::connect(name)?, job)
    })
}

/// The raw message transport under localipc's `MessageSocket`, measured
/// in whole messages against the [`MESSAGE_PEER`]: a named pipe in message
/// mode, opened by its path through `localipc::os::windows::named_pipe`.
///
/// # Errors
///
/// As [`with_listening_peer`].
#[cfg(windows)]
pub fn raw_messages(context: &Context, job: Job) -> io::Result<Measurement> {
    use localipc::os::windows::named_pipe::ConnectOptions;

    at_message_peer(context, job, |name| {
        let pipe = ConnectOptions::new(format!(r"\\.\pipe\{name}")).connect()?;
        measure::messages(pipe, job)
    })
}

/// localipc's blocking `MessageSocket` on a namespaced name, measured in
/// whole messages against the [`MESSAGE_PEER`].
///
/// # Errors
///
/// As [`with_listening_peer`].
#[cfg(any(target_os = "linux", target_os = "android", windows))]
pub fn message_socket(context: &Context, job: Job) -> io::Result<Measurement> {
    at_message_peer(context, job, |name| {
        let socket = localipc::local_socket::MessageSocket::connect(&Name::namespaced(name)?)?;
        measure::messages(socket, job)
    })
}

/// Two one-way channels as this process and the peer hold them: this side
/// writes `to_peer` and reads `from_peer`; the peer reads `peer_input` and
/// writes `peer_output`. The peer's ends are localipc pipe ends, whatever
/// this side's are, so the peer's code is the same for every contender.
#[derive(Debug)]
pub struct Pipes<W, R> {
    /// This side's write end.
    pub to_peer: W,
    /// This side's read end.
    pub from_peer: R,
    /// The peer's read end.
    pub peer_input: Receiver,
    /// The peer's write end.
    pub peer_output: Sender,
}

impl Pipes<Sender, Receiver> {
    /// Two localipc pipes.
    ///
    /// # Errors
    ///
    /// If a pipe cannot be created.
    pub fn localipc() -> io::Result<Self> {
        let (to_peer, peer_input) = localipc::pipe::pipe()?;
        let (peer_output, from_peer) = localipc::pipe::pipe()?;
        Ok(Self {
            to_peer,
            from_peer,
            peer_input,
            peer_output,
        })
    }

    /// Two localipc FIFOs in the scratch directory (see [`fifo_ends`]).
    ///
    /// # Errors
    ///
    /// As [`fifo_ends`].
    #[cfg(unix)]
    pub fn fifos(context: &Context) -> io::Result<Self> {
        let (to_peer, peer_input) = fifo_ends(context)?;
        let (peer_output, from_peer) = fifo_ends(context)?;
        Ok(Self {
            to_peer,
            from_peer,
            peer_input,
            peer_output,
        })
    }
}

impl Pipes<std::io::PipeWriter, std::io::PipeReader> {
    /// Two std pipes (`std::io::pipe`); the peer's ends become localipc
    /// ends, so it runs the same code as for every other pipe.
    ///
    /// # Errors
    ///
    /// If a pipe cannot be created.
    pub fn std() -> io::Result<Self> {
        let (peer_input, to_peer) = std::io::pipe()?;
        let (from_peer, peer_output) = std::io::pipe()?;
        Ok(Self {
            to_peer,
            from_peer,
            peer_input: peer_input.into(),
            peer_output: peer_output.into(),
        })
    }
}

impl<W, R> Pipes<W, R> {
    /// Hands the peer its ends for `job`, closes them here, and runs
    /// `measure` over this side's two ends.
    ///
    /// # Errors
    ///
    /// The measurement's error, or the peer's.
    pub fn measure(
        self,
        context: &Context,
        job: Job,
        measure: impl FnOnce(W, R) -> io::Result<Measurement>,
    ) -> io::Result<Measurement> {
        let peer = Peer::with_pipes(context, job, &self.peer_input, &self.peer_output)?;
        // The peer holds the only copies now, so each pipe ends when one side
        // closes it.
        drop(self.peer_input);
        drop(self.peer_output);
        peer.conclude(measure(self.to_peer, self.from_peer))
    }
}

impl<W: Write, R: Read> Pipes<W, R> {
    /// [`Pipes::measure`] with blocking reads and writes.
    ///
    /// # Errors
    ///
    /// The measurement's error, or the peer's.
    pub fn measure_blocking(self, context: &Context, job: Job) -> io::Result<Measurement> {
        self.measure(context, job, |to_peer, from_peer| {
            measure::blocking(to_peer, from_peer, job)
        })
    }
}

/// Creates a FIFO in the scratch directory and opens both its ends here:
/// the read end first, without waiting for a writer, then the write end,
/// which finds that reader. The name is removed once both are open; the
/// ends outlive it.
///
/// # Errors
///
/// If the FIFO cannot be created, opened or unlinked.
#[cfg(unix)]
pub fn fifo_ends(context: &Context) -> io::Result<(Sender, Receiver)> {
    use localipc::os::unix::PipeExt as _;
    use localipc::os::unix::fifo;

    let path = context.scratch_path("fifo");
    fifo::create(&path, 0o600)?;
    let receiver = fifo::OpenOptions::new()
        .nonblocking(true)
        .open_receiver(&path)?;
    let sender = fifo::open_sender(&path)?;
    receiver.set_nonblocking(false)?;
    std::fs::remove_file(&path)?;
    Ok((sender, receiver))
}
