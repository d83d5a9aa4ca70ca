//! The async server side (instances waiting for clients) and the async
//! client side (opening a pipe, waiting for a busy one without blocking).

use std::io;
use std::os::windows::io::AsHandle;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::ERROR_OPERATION_ABORTED;

use super::notify::Notifier;
use super::port::bind_to_port;
use super::stream::Stream;
use crate::sys::windows::named_pipe::{self, ClientConfig, ServerConfig, Waiting};

/// One instance waiting for a client, with the wait that wakes the accepting
/// task when one connects.
struct Slot {
    /// Declared first: its wait goes before the instance's event closes.
    notifier: Notifier,
    instance: Waiting,
}

impl Slot {
    fn new(instance: Waiting) -> io::Result<Self> {
        Ok(Self {
            notifier: Notifier::new()?,
            instance,
        })
    }
}

/// A server that keeps instances waiting for clients; accepting is polled.
pub(crate) struct Listener {
    config: ServerConfig,
    ready_instances: usize,
    slots: Mutex<Vec<Slot>>,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("path", &self.config.path.display)
            .field("ready_instances", &self.ready_instances)
            .finish_non_exhaustive()
    }
}

impl Listener {
    /// Takes over a blocking listener's instances, clients already connected
    /// to them included.
    pub(crate) fn from_blocking(listener: named_pipe::Listener) -> io::Result<Self> {
        let (config, waiting, ready_instances) = listener.into_parts();
        let mut slots = Vec::with_capacity(waiting.len());
        for instance in waiting {
            slots.push(Slot::new(instance)?);
        }
        Ok(Self {
            config,
            ready_instances,
            slots: Mutex::new(slots),
        })
    }

    /// Back to a blocking listener, with every instance (and any client
    /// connected to one but not accepted yet).
    pub(crate) fn into_blocking(self) -> named_pipe::Listener {
        let slots = self
            .slots
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let waiting = slots.into_iter().map(|slot| slot.instance).collect();
        named_pipe::Listener::from_parts(self.config, waiting, self.ready_instances)
    }

    #[cfg_attr(
        not(feature = "tokio"),
        allow(dead_code, reason = "for the named-pipe front ends")
    )]
    pub(crate) fn path(&self) -> &str {
        &self.config.path.display
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn top_up(&self, slots: &mut Vec<Slot>) -> io::Result<()> {
        while slots.len() < self.ready_instances {
            let started = Waiting::start(&self.config, false, bind_to_port).and_then(Slot::new);
            match started {
                Ok(slot) => slots.push(slot),
                Err(error) if slots.is_empty() => return Err(error),
                // The instance limit is lower than the backlog: fine.
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// Ready with the next connected client. Cancel safe: a client that
    /// connects while nobody polls stays with its instance until the next poll.
    pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Stream>> {
        let mut slots = self.lock();
        loop {
            self.top_up(&mut slots)?;
            let Some(index) = slots.iter().position(|slot| slot.instance.is_connected()) else {
                for slot in slots.iter() {
                    slot.notifier
                        .register(cx.waker(), slot.instance.event().raw());
                }
                return Poll::Pending;
            };
            let Slot { notifier, instance } = slots.swap_remove(index);
            drop(notifier);
            let connected = instance.finish();
            // Have the next instance waiting before the connected one is
            // handed off, so a client arriving now is not refused as busy.
            let _ = self.top_up(&mut slots);
            match connected {
                Ok(handle) => {
                    drop(slots);
                    return Poll::Ready(Stream::new(handle, true, self.config.messages, None));
                }
                // The thread that started this wait (a blocking listener's,
                // before the conversion) has exited and the OS cancelled the
                // wait: no client was lost; the instance is gone, look again.
                Err(error) if error.raw_os_error() == Some(ERROR_OPERATION_ABORTED as i32) => {}
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
    }
}

/// Opens the client end, waiting for a busy pipe (with short, growing pauses
/// on the crate's timer, which block neither the executor nor a thread) up
/// to the configured timeout, and checks who serves it before returning.
pub(crate) async fn connect(config: &ClientConfig) -> io::Result<Stream> {
    const FIRST_PAUSE: Duration = Duration::from_millis(1);
    const LONGEST_PAUSE: Duration = Duration::from_millis(50);
    let deadline = config.timeout.map(|timeout| Instant::now() + timeout);
    let mut pause = FIRST_PAUSE;
    loop {
        if let Some(handle) = named_pipe::open_client(config, true)? {
            named_pipe::check_server(handle.as_handle(), &config.path, &config.expected_server)?;
            return Stream::from_blocking(named_pipe::client_stream(handle)?);
        }
        let now = Instant::now();
        let wake = match deadline {
            Some(deadline) if now >= deadline => return Err(named_pipe::busy_timeout(config)),
            Some(deadline) => deadline.min(now + pause),
            None => now + pause,
        };
        crate::sys::timer::sleep_until(wake).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}
