//! The blocking shared-memory stream and its listener.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::ShmOptions;
use super::blocking::{Bell, BlockingChannel, Waiting};
use super::ring::{self, Rings, Role};
use super::wait;
use crate::local_socket::{Listener, ListenerOptions, Name, PeerCredentials, ResourceStream};
use crate::sys::local_socket as sys;
use crate::sys::shm as sys_shm;

/// The bytes each side sends first, with the memory or as its answer.
pub(crate) const HELLO: [u8; 8] = *b"LIPCSHM\x01";

pub(crate) fn setup_error(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("shared memory set-up: {what}"),
    )
}

/// Creates the memory for `options` and formats it: the offering side's
/// half of the set-up.
pub(crate) fn create_rings(
    options: &ShmOptions,
) -> io::Result<(crate::resource::OwnedResource, Rings)> {
    let capacity = options.checked_capacity()?;
    let (resource, region) = sys_shm::create(ring::mapping_len(capacity))?;
    Rings::format(&region, capacity);
    let rings = Rings::new(Arc::new(region), Role::Offerer)?;
    Ok((resource, rings))
}

/// Maps and checks the memory the peer offered.
pub(crate) fn open_rings(
    hello: &[u8],
    mut resources: Vec<crate::resource::OwnedResource>,
) -> io::Result<Rings> {
    if hello != HELLO {
        return Err(setup_error(
            "the peer does not speak the shared-memory protocol",
        ));
    }
    if resources.len() != 1 {
        return Err(setup_error(&format!(
            "expected the memory (one resource), got {}",
            resources.len()
        )));
    }
    let region = sys_shm::open(resources.remove(0), ring::MAX_LEN)?;
    Rings::new(Arc::new(region), Role::Accepter)
}

/// Reads the 8 hello bytes, keeping the resources that come with them.
fn read_hello(
    stream: &sys::ResourceStream,
    resources: &mut Vec<crate::resource::OwnedResource>,
    deadline: &SetupDeadline,
) -> io::Result<[u8; 8]> {
    let mut hello = [0; 8];
    let mut got = 0;
    while got < hello.len() {
        stream.set_read_timeout(deadline.left()?)?;
        match stream.recv_with(&mut hello[got..], resources) {
            Ok(0) => return Err(setup_error("the peer left during the set-up")),
            Ok(n) => got += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(deadline.explain(error)),
        }
    }
    Ok(hello)
}

fn write_hello(
    stream: &sys::ResourceStream,
    resources: &[crate::resource::BorrowedResource<'_>],
    deadline: &SetupDeadline,
) -> io::Result<()> {
    let mut sent = 0;
    while sent < HELLO.len() {
        stream.set_write_timeout(deadline.left()?)?;
        let resources = if sent == 0 { resources } else { &[] };
        match stream.send_with(&HELLO[sent..], resources) {
            Ok(n) => sent += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(deadline.explain(error)),
        }
    }
    Ok(())
}

/// The end of a blocking set-up: each of its socket calls waits at most the
/// time left, so a peer that trickles its bytes cannot stretch it.
struct SetupDeadline {
    at: Option<Instant>,
    limit: Option<Duration>,
}

impl SetupDeadline {
    fn new(limit: Option<Duration>) -> Self {
        Self {
            at: wait::deadline(limit),
            limit,
        }
    }

    /// The time left (`None`: no limit), or `TimedOut` once none is.
    fn left(&self) -> io::Result<Option<Duration>> {
        let Some(at) = self.at else {
            return Ok(None);
        };
        match at.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(setup_timed_out(self.limit)),
        }
    }

    /// A socket call's timeout is the set-up's.
    fn explain(&self, error: io::Error) -> io::Error {
        match error.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock if self.at.is_some() => {
                setup_timed_out(self.limit)
            }
            _ => error,
        }
    }
}

pub(crate) fn setup_timed_out(limit: Option<Duration>) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "shared memory set-up: the peer did not finish it within {:?}",
            limit.unwrap_or_default()
        ),
    )
}

/// A duplex byte stream between two processes through rings in shared
/// memory; see [the module](super).
///
/// Reads and writes take `&mut self`: one thread reads and writes at a
/// time (a waiting read or write is what wakes the peer's).
pub struct ShmStream {
    channel: BlockingChannel<sys::ResourceStream>,
    spin: Option<Duration>,
    nonblocking: bool,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

/// Bells are bare bytes on the channel's socket once it is set up.
impl Bell for sys::ResourceStream {
    fn ring(&self) -> bool {
        sys_shm::ring_bell(self)
    }

    fn wait(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize> {
        sys_shm::wait_bell(self, buf, deadline)
    }

    fn poll(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        sys_shm::poll_bell(self, buf)
    }
}

impl ShmStream {
    /// Connects to a [`ShmListener`] on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for [`ShmOptions::connect`].
    pub fn connect(name: &Name) -> io::Result<Self> {
        ShmOptions::new().connect(name)
    }

    /// Sets up a channel over a connected resource stream whose peer calls
    /// [`accept`](Self::accept), with default options.
    ///
    /// # Errors
    ///
    /// As for [`ShmOptions::offer`].
    pub fn offer(stream: ResourceStream) -> io::Result<Self> {
        ShmOptions::new().offer(stream)
    }

    /// Sets up a channel over a connected resource stream whose peer calls
    /// [`offer`](Self::offer), with default options.
    ///
    /// # Errors
    ///
    /// As for [`ShmOptions::accept`].
    pub fn accept(stream: ResourceStream) -> io::Result<Self> {
        ShmOptions::new().accept(stream)
    }

    pub(crate) fn offer_with(stream: ResourceStream, options: &ShmOptions) -> io::Result<Self> {
        let socket = stream.inner;
        let (resource, rings) = create_rings(options)?;
        with_setup_timeout(&socket, options.setup_timeout, |socket, deadline| {
            write_hello(
                socket,
                &[crate::resource::AsResource::as_resource(&resource)],
                deadline,
            )?;
            drop(resource);
            let mut stray = Vec::new();
            let answer = read_hello(socket, &mut stray, deadline)?;
            if answer != HELLO || !stray.is_empty() {
                return Err(setup_error("the peer did not accept the memory"));
            }
            Ok(())
        })?;
        Ok(Self::from_parts(rings, socket, options))
    }

    pub(crate) fn accept_with(stream: ResourceStream, options: &ShmOptions) -> io::Result<Self> {
        // Refused before a wait, so that a system which refuses the memory
        // says so on both sides at once (the offering side's refusal only
        // closes its socket).
        sys_shm::check_support()?;
        let socket = stream.inner;
        let rings = with_setup_timeout(&socket, options.setup_timeout, |socket, deadline| {
            let mut resources = Vec::new();
            let hello = read_hello(socket, &mut resources, deadline)?;
            let rings = open_rings(&hello, resources)?;
            write_hello(socket, &[], deadline)?;
            Ok(rings)
        })?;
        Ok(Self::from_parts(rings, socket, options))
    }

    fn from_parts(rings: Rings, socket: sys::ResourceStream, options: &ShmOptions) -> Self {
        Self {
            channel: BlockingChannel::new(rings, socket),
            spin: options.spin.limit(),
            nonblocking: false,
            read_timeout: None,
            write_timeout: None,
        }
    }

    fn waiting(&self, timeout: Option<Duration>) -> Waiting {
        Waiting {
            spin: self.spin,
            nonblocking: self.nonblocking,
            timeout,
        }
    }

    /// Sets how long a read may wait for bytes (`None`, the default: no
    /// limit). A read that waits longer fails with
    /// [`TimedOut`](io::ErrorKind::TimedOut); the stream stays usable. The
    /// limit is on the whole call: wake-ups that bring no bytes (a peer
    /// ringing bells, a signal) do not extend it.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.read_timeout = check_timeout(timeout)?;
        Ok(())
    }

    /// Sets how long a write may wait for room in the ring (`None`, the
    /// default: no limit). A write that waits longer fails with
    /// [`TimedOut`](io::ErrorKind::TimedOut) (having written nothing); the
    /// stream stays usable. As for reads, the limit is on the whole call.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a zero duration.
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.write_timeout = check_timeout(timeout)?;
        Ok(())
    }

    /// The read timeout.
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }

    /// The write timeout.
    pub fn write_timeout(&self) -> Option<Duration> {
        self.write_timeout
    }

    /// The capacity of each of the two rings, in bytes: the most one side
    /// can write ahead of the other's reads.
    pub fn capacity(&self) -> usize {
        self.channel.rings().capacity()
    }

    /// Switches nonblocking mode: reads and writes that would wait fail
    /// with [`WouldBlock`](io::ErrorKind::WouldBlock) instead (after the
    /// spin, which nonblocking mode skips).
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for OSes that need a call.
    pub fn set_nonblocking(&mut self, nonblocking: bool) -> io::Result<()> {
        self.nonblocking = nonblocking;
        Ok(())
    }

    /// Says that this side writes no more: the peer reads what was written
    /// before, then `Ok(0)`. Later writes here fail with
    /// [`BrokenPipe`](io::ErrorKind::BrokenPipe). Reading goes on.
    pub fn shutdown_write(&mut self) {
        self.channel.shutdown_write();
    }

    /// What the OS says about the peer process (from the socket the
    /// channel was set up over); see [`PeerCredentials`].
    ///
    /// # Errors
    ///
    /// The OS error of the query.
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.channel
            .bell()
            .peer_credentials()
            .map(PeerCredentials::from_sys)
    }
}

fn check_timeout(timeout: Option<Duration>) -> io::Result<Option<Duration>> {
    if timeout.is_some_and(|timeout| timeout.is_zero()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a zero timeout is not a timeout (use nonblocking mode)",
        ));
    }
    Ok(timeout)
}

/// Runs the set-up within `timeout`, then sets the socket's timeouts back to
/// none for reads and to the bells' limit for writes.
fn with_setup_timeout<T>(
    socket: &sys::ResourceStream,
    timeout: Option<Duration>,
    setup: impl FnOnce(&sys::ResourceStream, &SetupDeadline) -> io::Result<T>,
) -> io::Result<T> {
    let result = setup(socket, &SetupDeadline::new(timeout));
    socket.set_read_timeout(None)?;
    socket.set_write_timeout(sys_shm::BELL_WRITE_TIMEOUT)?;
    result
}

impl Read for ShmStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let how = self.waiting(self.read_timeout);
        self.channel.read(buf, &how)
    }
}

impl Write for ShmStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let how = self.waiting(self.write_timeout);
        self.channel.write(buf, &how)
    }

    /// Nothing to do: written bytes are in the peer's memory already.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for ShmStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShmStream")
            .field("capacity", &self.capacity())
            .field("spin", &self.spin)
            .field("nonblocking", &self.nonblocking)
            .field("socket", &self.channel.bell().as_borrowed())
            .finish()
    }
}

/// A server of shared-memory channels: a local-socket [`Listener`] whose
/// [`accept`](Self::accept) sets up a [`ShmStream`] with each client.
#[derive(Debug)]
pub struct ShmListener {
    listener: Listener,
    options: ShmOptions,
}

impl ShmListener {
    /// Listens on `name` with default options (the listener's access policy
    /// admits this user and the superuser only).
    ///
    /// # Errors
    ///
    /// As for [`Listener::bind`].
    pub fn bind(name: &Name) -> io::Result<Self> {
        Ok(Self::from_listener(
            Listener::bind(name)?,
            &ShmOptions::new(),
        ))
    }

    /// Listens with `listener` options (name, access policy) and sets up
    /// channels with `options`.
    ///
    /// # Errors
    ///
    /// As for [`ListenerOptions::bind`].
    pub fn bind_with(listener: &ListenerOptions, options: &ShmOptions) -> io::Result<Self> {
        Ok(Self::from_listener(listener.bind()?, options))
    }

    /// Serves channels on a listener that exists.
    pub fn from_listener(listener: Listener, options: &ShmOptions) -> Self {
        Self {
            listener,
            options: options.clone(),
        }
    }

    /// Accepts a client and sets up the channel with it. A client that does
    /// not finish the set-up within the set-up timeout fails this call with
    /// [`TimedOut`](io::ErrorKind::TimedOut) (the listener stays usable);
    /// to set up several clients at once, accept streams from the
    /// [`Listener`] and call [`ShmStream::accept`] in threads of their own.
    ///
    /// # Errors
    ///
    /// As for [`Listener::accept`] and [`ShmOptions::accept`].
    pub fn accept(&self) -> io::Result<ShmStream> {
        let stream = ResourceStream::new(self.listener.accept()?)?;
        self.options.accept(stream)
    }

    /// The local-socket listener.
    pub fn listener(&self) -> &Listener {
        &self.listener
    }
}
