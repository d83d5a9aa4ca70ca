//! The async shared-memory listener.

use std::fmt;
use std::io;
use std::task::{Context, Poll};

use super::ShmStream;
use crate::local_socket::generic::{Listener, ResourceStream};
use crate::local_socket::{ListenerOptions, Name};
use crate::runtime::Runtime;
use crate::shm::ShmOptions;

/// A server of shared-memory channels on runtime `R`: the async
/// [`ShmListener`](crate::shm::ShmListener).
///
/// [`accept`](Self::accept) runs the set-up with each client in
/// turn: a client that stalls its set-up holds it up to the set-up
/// timeout (10 s unless [`setup_timeout`](Self::setup_timeout) says
/// otherwise), then `accept` fails with
/// [`TimedOut`](io::ErrorKind::TimedOut) and the next call serves the
/// next client. To serve clients you do not trust to be quick without
/// that wait, accept local-socket streams and run
/// [`ShmStream::accept`] in a task of its own for each.
///
/// # Examples
///
/// See [`ShmStream`].
pub struct ShmListener<R: Runtime> {
    listener: Listener<R>,
    options: ShmOptions,
    /// The set-up with a client that an `accept` dropped before it
    /// ended had accepted: the next call goes on with it.
    setup: std::sync::Mutex<Option<Setup<R>>>,
}

type Setup<R> =
    std::pin::Pin<Box<dyn std::future::Future<Output = io::Result<ShmStream<R>>> + Send>>;

impl<R: Runtime> fmt::Debug for ShmListener<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let setting_up = self.lock_setup().is_some();
        f.debug_struct("ShmListener")
            .field("listener", &self.listener)
            .field("options", &self.options)
            .field("setting_up", &setting_up)
            .finish()
    }
}

impl<R: Runtime> ShmListener<R> {
    /// Listens on `name` with default options.
    ///
    /// # Errors
    ///
    /// As for the async [`Listener::bind`].
    pub fn bind(name: &Name) -> io::Result<Self> {
        Ok(Self::from_listener(Listener::bind(name)?))
    }

    /// Listens with `listener` options (name, access policy). The
    /// ring capacity is the client's choice; async streams do not
    /// spin; so there are no channel options here.
    ///
    /// # Errors
    ///
    /// As for [`bind`](Self::bind).
    pub fn bind_with(listener: &ListenerOptions) -> io::Result<Self> {
        Ok(Self::from_listener(Listener::bind_with(listener)?))
    }

    /// Serves channels on a listener that exists.
    pub fn from_listener(listener: Listener<R>) -> Self {
        Self {
            listener,
            options: ShmOptions::new(),
            setup: std::sync::Mutex::new(None),
        }
    }

    /// How long the set-up with one client may take (`None`: no
    /// limit; 10 s by default).
    #[must_use]
    pub fn setup_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        self.options.setup_timeout(timeout);
        self
    }

    /// Accepts a client and sets up the channel with it.
    ///
    /// # Errors
    ///
    /// As for the async listener's `accept` and
    /// [`ShmStream::accept`]; [`TimedOut`](io::ErrorKind::TimedOut)
    /// if the client does not finish the set-up in time (the
    /// listener serves the next client on the next call).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a client that a dropped `accept` had accepted
    /// stays with the listener, and the next call goes on with its
    /// set-up where the dropped one left it (its set-up timeout runs
    /// from the first call). Accept from one task at a time: only the
    /// latest call's task is woken.
    pub async fn accept(&self) -> io::Result<ShmStream<R>> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<ShmStream<R>>> {
        let mut setup = self.lock_setup();
        loop {
            if let Some(running) = setup.as_mut() {
                let done = std::task::ready!(running.as_mut().poll(cx));
                *setup = None;
                return Poll::Ready(done);
            }
            let stream = std::task::ready!(self.listener.poll_accept(cx))?;
            let stream = ResourceStream::new(stream)?;
            let options = self.options.clone();
            *setup = Some(Box::pin(async move {
                ShmStream::accept_with(stream, &options).await
            }));
        }
    }

    fn lock_setup(&self) -> std::sync::MutexGuard<'_, Option<Setup<R>>> {
        self.setup
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
