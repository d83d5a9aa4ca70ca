//! SIGINT and SIGTERM as an orderly stop of a listening verb.
//!
//! A listener's socket file and its lock file go when the listener is
//! dropped, so a signal must not end the process where it stands: the first
//! SIGINT or SIGTERM ends the wait the serving loop is in (the accept, woken
//! by a connection of our own, or the serving of a client), the listener is
//! dropped, and then the process dies of that signal as it would have
//! without us, so a shell sees what it expects (status 130 or 143, and a
//! script stops on Ctrl-C). A second signal ends the process at once.
//!
//! Windows needs none of it: a pipe has no file to remove, and Ctrl-C keeps
//! its default.

use std::io;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

/// What the serving loop waits for.
#[cfg_attr(not(unix), allow(dead_code, reason = "Windows watches no signals"))]
enum Event {
    /// A signal asked to stop.
    Signalled,
    /// The work handed to [`Stop::run`] is done.
    Done,
}

/// How a wake-up reaches the accept: it returns what must stay open until
/// the process ends (our own connection).
type Wake = Box<dyn FnOnce() -> Box<dyn Send> + Send>;

/// What the signal thread and the serving loop share.
#[derive(Default)]
struct Shared {
    /// The signal that asked to stop, once one has.
    signal: Option<i32>,
    /// How to wake the accept, once there is a listener.
    wake: Option<Wake>,
    /// What the wake-up returned, open until the process ends.
    woken: Option<Box<dyn Send>>,
}

/// Turns SIGINT and SIGTERM into an orderly stop of a serving loop.
pub(crate) struct Stop {
    shared: Arc<Mutex<Shared>>,
    events: Receiver<Event>,
    sender: Sender<Event>,
    /// Whether signals are watched (else [`run`](Self::run) runs inline).
    watching: bool,
}

impl Stop {
    /// A stop that never comes: the process keeps the default signal
    /// actions.
    pub(crate) fn never() -> Self {
        let (sender, events) = mpsc::channel();
        Self {
            shared: Arc::default(),
            events,
            sender,
            watching: false,
        }
    }

    /// Watches SIGINT and SIGTERM from now on (Unix; elsewhere the same as
    /// [`never`](Self::never)).
    ///
    /// # Errors
    ///
    /// The OS error if the signal handlers or the thread cannot be set up.
    #[cfg(unix)]
    pub(crate) fn on_signals() -> io::Result<Self> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut stop = Self::never();
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        let shared = Arc::clone(&stop.shared);
        let sender = stop.sender.clone();
        thread::Builder::new()
            .name("signals".to_owned())
            .spawn(move || {
                let mut received = signals.forever();
                let Some(signal) = received.next() else {
                    return;
                };
                let wake = {
                    let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    shared.signal = Some(signal);
                    shared.wake.take()
                };
                if let Some(wake) = wake {
                    let woken = wake();
                    shared.lock().unwrap_or_else(PoisonError::into_inner).woken = Some(woken);
                }
                let _ = sender.send(Event::Signalled);
                if let Some(again) = received.next() {
                    let _ = signal_hook::low_level::emulate_default_handler(again);
                }
            })?;
        stop.watching = true;
        Ok(stop)
    }

    /// Watches SIGINT and SIGTERM from now on (Unix; elsewhere the same as
    /// [`never`](Self::never)).
    ///
    /// # Errors
    ///
    /// None here.
    #[cfg(not(unix))]
    pub(crate) fn on_signals() -> io::Result<Self> {
        Ok(Self::never())
    }

    /// Has `wake` called when a signal asks to stop (now, if one already
    /// has): it must make the listener's accept return, by connecting to it.
    /// What it returns stays open until the process ends.
    pub(crate) fn wake_with<T: Send + 'static>(&self, wake: impl FnOnce() -> T + Send + 'static) {
        let wake: Wake = Box::new(move || Box::new(wake()));
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if shared.signal.is_none() {
            shared.wake = Some(wake);
            return;
        }
        drop(shared);
        let woken = wake();
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .woken = Some(woken);
    }

    /// The signal that asked to stop, if one has.
    pub(crate) fn signal(&self) -> Option<i32> {
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .signal
    }

    /// Runs `work` and returns what it returns, or `None` if a signal asks
    /// to stop first. While signals are watched, `work` runs on a thread of
    /// its own (blocked in reading standard input, say), which the process
    /// leaves behind when it stops.
    ///
    /// # Errors
    ///
    /// An error if `work` panicked.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> io::Result<Option<T>> {
        if !self.watching {
            return Ok(Some(work()));
        }
        /// Says the work is done however it ends, a panic included.
        struct Done(Sender<Event>);
        impl Drop for Done {
            fn drop(&mut self) {
                let _ = self.0.send(Event::Done);
            }
        }
        let done = Done(self.sender.clone());
        let worker = thread::Builder::new()
            .name("serving".to_owned())
            .spawn(move || {
                let _done = done;
                work()
            })?;
        match self.events.recv() {
            Ok(Event::Done) => worker
                .join()
                .map(Some)
                .map_err(|_| io::Error::other("the serving thread panicked")),
            // Both senders are ours and alive, so a failed receive cannot
            // happen; it would mean stop all the same.
            Ok(Event::Signalled) | Err(_) => Ok(None),
        }
    }
}

/// Ends the process as `signal` would have, now that what it left behind is
/// cleaned up: its default action, so a shell sees the status it expects
/// (130 for SIGINT, 143 for SIGTERM). Returns that status, should the
/// process survive.
#[cfg(unix)]
pub(crate) fn exit_as_signalled(signal: i32) -> ExitCode {
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    ExitCode::from(128u8.wrapping_add(signal as u8))
}

/// Windows watches no signals, so nothing stops by one.
#[cfg(not(unix))]
pub(crate) fn exit_as_signalled(signal: i32) -> ExitCode {
    ExitCode::from(128u8.wrapping_add(signal as u8))
}
