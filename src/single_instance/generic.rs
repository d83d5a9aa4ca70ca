//! Single instances on an async runtime, written once for every
//! [`Runtime`]: [`single_instance::tokio`](super::tokio) and
//! [`single_instance::smol`](super::smol) name these types with the
//! runtime filled in. They behave as the blocking ones in
//! [`single_instance`](super), with every wait awaited and bounded by the
//! instance's timeout.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::path::Path;
use std::time::Duration;

use super::{Plan, SingleInstance, acknowledged, bound, sys, wire};
use crate::local_socket::generic::{Listener, Stream};
use crate::poll_io;
use crate::runtime::Runtime;
use crate::sys::timer;

/// Becomes the primary, or finds the running one: the async
/// [`SingleInstance::start`]. Tokio's must be called inside a Tokio
/// runtime with I/O enabled.
///
/// # Errors
///
/// As for [`SingleInstance::start`]; on Tokio, also an error outside a
/// Tokio runtime.
///
/// # Examples
///
/// ```
/// use localipc::single_instance::tokio::{Start, start};
/// use localipc::single_instance::SingleInstance;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let instance = SingleInstance::new(format!("localipc-doc-async-{}", std::process::id()));
/// let Start::Primary(primary) = start(&instance).await? else { unreachable!() };
/// let Start::Running(running) = start(&instance).await? else { unreachable!() };
/// let forwarding = tokio::spawn(running.forward(["a", "b"]));
/// let arrival = primary.accept().await?;
/// assert_eq!(arrival.args(), ["a", "b"]);
/// arrival.acknowledge().await?;
/// forwarding.await.unwrap()?;
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn start<R: Runtime>(instance: &SingleInstance) -> io::Result<Start<R>> {
    let plan = Plan::new(instance)?;
    loop {
        if let Some(claim) = sys::claim(&plan.key)? {
            if let Some(listener) = bound(Listener::<R>::bind_with(&plan.listener_options()))? {
                return Ok(Start::Primary(Primary {
                    listener,
                    timeout: instance.timeout,
                    _claim: claim,
                }));
            }
        }
        let connected = Stream::<R>::connect_with(&plan.connect_options()).await;
        if let Some(stream) = plan.connected(connected)? {
            let pid = stream.peer_credentials().ok().and_then(|peer| peer.pid);
            return Ok(Start::Running(Running {
                stream,
                pid,
                timeout: instance.timeout,
            }));
        }
        timer::sleep_until(std::time::Instant::now() + super::RETRY).await;
    }
}

/// What [`start`] found.
pub enum Start<R: Runtime> {
    /// This process is the primary: it serves later starts.
    Primary(Primary<R>),
    /// Another process is the primary: forward to it.
    Running(Running<R>),
}

impl<R: Runtime> fmt::Debug for Start<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Primary(primary) => f.debug_tuple("Primary").field(primary).finish(),
            Self::Running(running) => f.debug_tuple("Running").field(running).finish(),
        }
    }
}

/// The primary instance; see the blocking [`Primary`](super::Primary).
pub struct Primary<R: Runtime> {
    listener: Listener<R>,
    timeout: Duration,
    _claim: sys::Claim,
}

impl<R: Runtime> Primary<R> {
    /// Waits for the next forwarded start and reads it, bounded by the
    /// timeout once connected.
    ///
    /// # Errors
    ///
    /// As for the blocking [`Primary::accept`](super::Primary::accept).
    ///
    /// # Cancel safety
    ///
    /// Cancelling while no start has connected loses nothing; cancelling
    /// while one is being read drops that connection (its
    /// [`forward`](Running::forward) fails with `ConnectionAborted`).
    ///
    /// # Examples
    ///
    /// See [`start`].
    pub async fn accept(&self) -> io::Result<Arrival<R>> {
        let mut stream = self.listener.accept().await?;
        let request = timer::within(Some(self.timeout), async {
            let mut header = [0; wire::HEADER_LEN];
            poll_io::read_exact(&mut stream, &mut header).await?;
            let mut payload = vec![0; wire::payload_len(&header)?];
            poll_io::read_exact(&mut stream, &mut payload).await?;
            wire::decode(&payload)
        })
        .await?;
        let pid = stream.peer_credentials().ok().and_then(|peer| peer.pid);
        Ok(Arrival {
            request,
            pid,
            stream,
            timeout: self.timeout,
        })
    }

    /// The listener, for connections of a protocol of your own.
    pub fn listener(&self) -> &Listener<R> {
        &self.listener
    }
}

impl<R: Runtime> fmt::Debug for Primary<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Primary")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

/// A running primary, found by a later start; see the blocking
/// [`Running`](super::Running).
pub struct Running<R: Runtime> {
    stream: Stream<R>,
    pid: Option<u32>,
    timeout: Duration,
}

impl<R: Runtime> Running<R> {
    /// The primary's process id, as the OS reports it.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Sends `args` and the working directory, and waits for the
    /// acknowledgement, bounded by the timeout.
    ///
    /// # Errors
    ///
    /// As for the blocking [`Running::forward`](super::Running::forward).
    ///
    /// # Examples
    ///
    /// See [`start`].
    pub async fn forward<I, S>(mut self, args: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let cwd = std::env::current_dir().ok();
        let request = wire::encode(args, cwd.as_deref())?;
        let mut answer = [0; 1];
        let answered = timer::within(Some(self.timeout), async {
            poll_io::write_all(&mut self.stream, &request).await?;
            poll_io::read(&mut self.stream, &mut answer).await
        })
        .await;
        acknowledged(answered, answer[0])
    }

    /// The stream to the primary, for a protocol of your own.
    pub fn into_stream(self) -> Stream<R> {
        self.stream
    }
}

impl<R: Runtime> fmt::Debug for Running<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Running")
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

/// A start forwarded to the primary; see the blocking
/// [`Arrival`](super::Arrival).
pub struct Arrival<R: Runtime> {
    request: wire::Request,
    pid: Option<u32>,
    stream: Stream<R>,
    timeout: Duration,
}

impl<R: Runtime> Arrival<R> {
    /// The arguments the start forwarded.
    pub fn args(&self) -> &[OsString] {
        &self.request.args
    }

    /// The start's working directory (`None` if it could not tell).
    pub fn cwd(&self) -> Option<&Path> {
        self.request.cwd.as_deref()
    }

    /// The start's process id, as the OS reports it.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Tells the start that its arguments were taken, bounded by the
    /// timeout.
    ///
    /// # Errors
    ///
    /// The write's error (the start may have given up).
    pub async fn acknowledge(mut self) -> io::Result<()> {
        timer::within(
            Some(self.timeout),
            poll_io::write_all(&mut self.stream, &[wire::ACK]),
        )
        .await
    }
}

impl<R: Runtime> fmt::Debug for Arrival<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arrival")
            .field("args", &self.request.args)
            .field("cwd", &self.request.cwd)
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}
