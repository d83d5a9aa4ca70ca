//! The server that keeps instances waiting for clients and hands out
//! connected ones.

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use windows_sys::Win32::Foundation::{WAIT_FAILED, WAIT_OBJECT_0, WAIT_TIMEOUT};
use windows_sys::Win32::System::Threading::{INFINITE, WaitForMultipleObjects};

use super::config::ServerConfig;
use super::instance::{Waiting, no_preparation};
use super::stream::Stream;

/// A server that keeps instances waiting for clients and hands out connected ones.
pub(crate) struct Listener {
    config: ServerConfig,
    waiting: Mutex<Vec<Waiting>>,
    ready_instances: usize,
    nonblocking: AtomicBool,
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
    /// Claims the name with a first instance and starts `ready_instances` waits.
    pub(crate) fn new(
        config: ServerConfig,
        ready_instances: usize,
        nonblocking: bool,
    ) -> io::Result<Self> {
        let first = Waiting::start(&config, true, no_preparation)?;
        let mut waiting = vec![first];
        while waiting.len() < ready_instances {
            match Waiting::start(&config, false, no_preparation) {
                Ok(instance) => waiting.push(instance),
                // The instance limit is lower than the backlog: fine.
                Err(error) if error.kind() == io::ErrorKind::ResourceBusy => break,
                Err(error) => return Err(error),
            }
        }
        Ok(Self {
            config,
            waiting: Mutex::new(waiting),
            ready_instances,
            nonblocking: AtomicBool::new(nonblocking),
        })
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) {
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
    }

    /// The configuration, the instances waiting and the backlog.
    #[cfg(async_front_end)]
    pub(crate) fn into_parts(self) -> (ServerConfig, Vec<Waiting>, usize) {
        let waiting = self
            .waiting
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (self.config, waiting, self.ready_instances)
    }

    /// A blocking listener over instances started by someone else.
    #[cfg(async_front_end)]
    pub(crate) fn from_parts(
        config: ServerConfig,
        waiting: Vec<Waiting>,
        ready_instances: usize,
    ) -> Self {
        Self {
            config,
            waiting: Mutex::new(waiting),
            ready_instances,
            nonblocking: AtomicBool::new(false),
        }
    }

    pub(crate) fn path(&self) -> &str {
        &self.config.path.display
    }

    fn top_up(&self, waiting: &mut Vec<Waiting>) -> io::Result<()> {
        while waiting.len() < self.ready_instances {
            match Waiting::start(&self.config, false, no_preparation) {
                Ok(instance) => waiting.push(instance),
                Err(error) if waiting.is_empty() => return Err(error),
                Err(_) => break,
            }
        }
        Ok(())
    }

    pub(crate) fn accept(&self) -> io::Result<Stream> {
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.top_up(&mut waiting)?;
        let events: Vec<_> = waiting
            .iter()
            .map(|instance| instance.event.raw())
            .collect();
        let wait_ms = if self.nonblocking.load(Ordering::Relaxed) {
            0
        } else {
            INFINITE
        };
        // SAFETY: `events` holds between 1 and 64 open event handles (the
        // backlog is capped at 64) that stay open during the wait.
        let signalled =
            unsafe { WaitForMultipleObjects(events.len() as u32, events.as_ptr(), 0, wait_ms) };
        if signalled == WAIT_TIMEOUT {
            return Err(io::Error::from(io::ErrorKind::WouldBlock));
        }
        if signalled == WAIT_FAILED {
            return Err(io::Error::last_os_error());
        }
        let index = (signalled - WAIT_OBJECT_0) as usize;
        let instance = waiting.swap_remove(index);
        let connected = instance.finish();
        // Have the next instance waiting before the connected one is handed
        // off, so a client arriving now is not refused as busy.
        let _ = self.top_up(&mut waiting);
        drop(waiting);
        Stream::new(connected?, true, self.config.messages)
    }
}
