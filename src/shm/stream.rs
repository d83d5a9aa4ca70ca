//! The blocking shared-memory stream and its listener.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use super::ShmOptions;
use super::ring::{self, Moved, Rings, Role};
use crate::local_socket::{Listener, ListenerOptions, Name, PeerCredentials, ResourceStream};
use crate::sys::local_socket as sys;
use crate::sys::shm as sys_shm;

/// The bytes each side sends first, with the memory or as its answer.
pub(crate) const HELLO: [u8; 8] = *b"LIPCSHM\x01";

/// Room for the bells one wait takes at once.
const BELLS: usize = 64;

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
) -> io::Result<[u8; 8]> {
    let mut hello = [0; 8];
    let mut got = 0;
    while got < hello.len() {
        match stream.recv_with(&mut hello[got..], resources) {
            Ok(0) => return Err(setup_error("the peer left during the set-up")),
            Ok(n) => got += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(hello)
}

fn write_hello(
    stream: &sys::ResourceStream,
    resources: &[crate::resource::BorrowedResource<'_>],
) -> io::Result<()> {
    let mut sent = stream.send_with(&HELLO, resources)?;
    while sent < HELLO.len() {
        sent += stream.send_with(&HELLO[sent..], &[])?;
    }
    Ok(())
}

/// A duplex byte stream between two processes through rings in shared
/// memory; see [the module](super).
///
/// Reads and writes take `&mut self`: one thread reads and writes at a
/// time (a waiting read or write is what wakes the peer's).
pub struct ShmStream {
    rings: Rings,
    socket: sys::ResourceStream,
    spin: Option<Duration>,
    nonblocking: bool,
    /// The socket ended: the peer is gone.
    peer_gone: bool,
    /// This side's writing was shut down.
    write_shut: bool,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// The timeout the socket's reads have now: a wait sets it to that of
    /// the read or write that waits, when they differ.
    socket_timeout: Option<Duration>,
    /// A bell could not be written: the peer leaves its bells unread (a
    /// peer of this crate takes all of them each time it wakes, so it never
    /// leaves more than a few), so none is sent again rather than wait on
    /// it each time.
    bells_jammed: bool,
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
        with_setup_timeout(&socket, options.setup_timeout, |socket| {
            write_hello(
                socket,
                &[crate::resource::AsResource::as_resource(&resource)],
            )?;
            drop(resource);
            let mut stray = Vec::new();
            let answer = read_hello(socket, &mut stray)?;
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
        let rings = with_setup_timeout(&socket, options.setup_timeout, |socket| {
            let mut resources = Vec::new();
            let hello = read_hello(socket, &mut resources)?;
            let rings = open_rings(&hello, resources)?;
            write_hello(socket, &[])?;
            Ok(rings)
        })?;
        Ok(Self::from_parts(rings, socket, options))
    }

    fn from_parts(rings: Rings, socket: sys::ResourceStream, options: &ShmOptions) -> Self {
        Self {
            rings,
            socket,
            spin: options.spin.limit(),
            nonblocking: false,
            peer_gone: false,
            write_shut: false,
            read_timeout: None,
            write_timeout: None,
            socket_timeout: None,
            bells_jammed: false,
        }
    }

    /// Sets how long a read may wait for bytes (`None`, the default: no
    /// limit). A read that waits longer fails with
    /// [`TimedOut`](io::ErrorKind::TimedOut); the stream stays usable.
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
    /// [`TimedOut`](io::ErrorKind::TimedOut); the stream stays usable.
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
        self.rings.capacity()
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
        if !self.write_shut {
            self.write_shut = true;
            let wake_peer = self.rings.close_writing();
            self.ring(wake_peer);
        }
    }

    /// What the OS says about the peer process (from the socket the
    /// channel was set up over); see [`PeerCredentials`].
    ///
    /// # Errors
    ///
    /// The OS error of the query.
    pub fn peer_credentials(&self) -> io::Result<PeerCredentials> {
        self.socket
            .peer_credentials()
            .map(PeerCredentials::from_sys)
    }

    fn wake(&mut self, moved: Moved) {
        self.ring(moved.wake_peer);
    }

    fn ring(&mut self, wake_peer: bool) {
        if wake_peer && !self.bells_jammed {
            self.bells_jammed = !sys_shm::ring_bell(&self.socket);
        }
    }

    /// Waits for a bell or the end of the socket, at most `timeout`: the one
    /// blocking call.
    fn sleep(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        if timeout != self.socket_timeout {
            self.socket.set_read_timeout(timeout)?;
            self.socket_timeout = timeout;
        }
        let mut bells = [0; BELLS];
        loop {
            return match sys_shm::wait_bell(&self.socket, &mut bells) {
                Ok(0) => {
                    self.peer_gone = true;
                    Ok(())
                }
                Ok(_) => Ok(()),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                    self.peer_gone = true;
                    Ok(())
                }
                Err(error) => Err(error),
            };
        }
    }

    /// Takes bells without waiting; false if there were none.
    fn poll(&mut self) -> io::Result<bool> {
        let mut bells = [0; BELLS];
        match sys_shm::poll_bell(&self.socket, &mut bells)? {
            None => Ok(false),
            Some(0) => {
                self.peer_gone = true;
                Ok(true)
            }
            Some(_) => Ok(true),
        }
    }

    fn read_slow(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(limit) = self.spin.filter(|_| !self.nonblocking) {
            let moved = spin(limit, || self.rings.try_read(buf))?;
            if moved.bytes > 0 {
                self.wake(moved);
                return Ok(moved.bytes);
            }
        }
        loop {
            if self.peer_gone || self.rings.peer_closed_writing() {
                // Everything the peer wrote before is visible now.
                let moved = self.rings.try_read(buf)?;
                self.wake(moved);
                return Ok(moved.bytes);
            }
            if self.nonblocking {
                if !self.poll()? {
                    return Err(io::ErrorKind::WouldBlock.into());
                }
            } else {
                self.rings.arm_read();
                let moved = self.rings.try_read(buf);
                if !matches!(moved, Ok(Moved { bytes: 0, .. })) || self.rings.peer_closed_writing()
                {
                    self.rings.disarm_read();
                    let moved = moved?;
                    if moved.bytes > 0 {
                        self.wake(moved);
                        return Ok(moved.bytes);
                    }
                    continue;
                }
                let slept = self.sleep(self.read_timeout);
                self.rings.disarm_read();
                slept?;
            }
            let moved = self.rings.try_read(buf)?;
            if moved.bytes > 0 {
                self.wake(moved);
                return Ok(moved.bytes);
            }
        }
    }

    fn write_slow(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(limit) = self.spin.filter(|_| !self.nonblocking) {
            let moved = spin(limit, || self.rings.try_write(buf))?;
            if moved.bytes > 0 {
                self.wake(moved);
                return Ok(moved.bytes);
            }
        }
        loop {
            if self.peer_gone || self.rings.peer_closed_reading() {
                return Err(peer_gone());
            }
            if self.nonblocking {
                if !self.poll()? {
                    return Err(io::ErrorKind::WouldBlock.into());
                }
            } else {
                self.rings.arm_write();
                let moved = self.rings.try_write(buf);
                if !matches!(moved, Ok(Moved { bytes: 0, .. })) || self.rings.peer_closed_reading()
                {
                    self.rings.disarm_write();
                    let moved = moved?;
                    if moved.bytes > 0 {
                        self.wake(moved);
                        return Ok(moved.bytes);
                    }
                    continue;
                }
                let slept = self.sleep(self.write_timeout);
                self.rings.disarm_write();
                slept?;
            }
            let moved = self.rings.try_write(buf)?;
            if moved.bytes > 0 {
                self.wake(moved);
                return Ok(moved.bytes);
            }
        }
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

pub(crate) fn write_shut() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "writing was shut down on this side",
    )
}

pub(crate) fn peer_gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the peer of the shared memory channel is gone or reads no more",
    )
}

/// Tries `attempt` until it moves bytes or `limit` passes.
pub(crate) fn spin(
    limit: Duration,
    mut attempt: impl FnMut() -> io::Result<Moved>,
) -> io::Result<Moved> {
    let start = std::time::Instant::now();
    loop {
        for _ in 0..32 {
            let moved = attempt()?;
            if moved.bytes > 0 {
                return Ok(moved);
            }
            std::hint::spin_loop();
        }
        // Lets the peer run if it shares this CPU (pinned, or the machine
        // busy): spinning through its time slice would cost the round trip
        // twice the spin limit. With a CPU to itself it returns at once.
        std::thread::yield_now();
        if start.elapsed() >= limit {
            return Ok(Moved {
                bytes: 0,
                wake_peer: false,
            });
        }
    }
}

/// Runs the set-up with the socket's timeouts at `timeout`, then back to
/// none for reads and to the bells' limit for writes.
fn with_setup_timeout<T>(
    socket: &sys::ResourceStream,
    timeout: Option<Duration>,
    setup: impl FnOnce(&sys::ResourceStream) -> io::Result<T>,
) -> io::Result<T> {
    socket.set_read_timeout(timeout)?;
    socket.set_write_timeout(timeout)?;
    let result = setup(socket);
    socket.set_read_timeout(None)?;
    socket.set_write_timeout(sys_shm::BELL_WRITE_TIMEOUT)?;
    result
}

impl Read for ShmStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let moved = self.rings.try_read(buf)?;
        if moved.bytes > 0 {
            self.wake(moved);
            return Ok(moved.bytes);
        }
        self.read_slow(buf)
    }
}

impl Write for ShmStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.write_shut {
            return Err(write_shut());
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if self.peer_gone || self.rings.peer_closed_reading() {
            return Err(peer_gone());
        }
        let moved = self.rings.try_write(buf)?;
        if moved.bytes > 0 {
            self.wake(moved);
            return Ok(moved.bytes);
        }
        self.write_slow(buf)
    }

    /// Nothing to do: written bytes are in the peer's memory already.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ShmStream {
    fn drop(&mut self) {
        // The flags make the peer's next look see the end; its waits end
        // with the socket, which closes right after.
        self.rings.close_writing();
        self.rings.close_reading();
    }
}

impl fmt::Debug for ShmStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShmStream")
            .field("capacity", &self.rings.capacity())
            .field("spin", &self.spin)
            .field("nonblocking", &self.nonblocking)
            .field("socket", &self.socket.as_borrowed())
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
            ShmOptions::new(),
        ))
    }

    /// Listens with `listener` options (name, access policy) and sets up
    /// channels with `options`.
    ///
    /// # Errors
    ///
    /// As for [`ListenerOptions::bind`].
    pub fn bind_with(listener: &ListenerOptions, options: ShmOptions) -> io::Result<Self> {
        Ok(Self::from_listener(listener.bind()?, options))
    }

    /// Serves channels on a listener that exists.
    pub fn from_listener(listener: Listener, options: ShmOptions) -> Self {
        Self { listener, options }
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
