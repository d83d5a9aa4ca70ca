//! Watchdogs: a hang ends the process, fast and loudly, instead of
//! stalling CI.

use std::io::{self, Write};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The exit status of a process a watchdog ended (as `timeout(1)`'s).
const EXIT_HUNG: i32 = 124;

/// The guard of a [`watchdog()`]: dropping it disarms the watchdog.
#[derive(Debug)]
#[must_use = "the watchdog is disarmed as soon as the guard is dropped"]
pub struct Watchdog {
    _disarm: mpsc::Sender<()>,
}

/// Ends the whole process with exit status 124 if the returned guard is
/// still alive after `limit`, with a line on standard error that starts
/// with `watchdog:` and names `what` (a test, an example).
///
/// A thread does the waiting, so it fires even if every thread of the test,
/// or every task of a runtime, is stuck.
///
/// # Panics
///
/// If the thread cannot be started.
pub fn watchdog(what: &str, limit: Duration) -> Watchdog {
    let (disarm, armed) = mpsc::channel::<()>();
    let what = what.to_owned();
    thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = armed.recv_timeout(limit) {
                // Written straight to the descriptor: libtest would capture eprintln!.
                let _ = writeln!(
                    io::stderr(),
                    "watchdog: `{what}` still running after {limit:?}; aborting the process"
                );
                std::process::exit(EXIT_HUNG);
            }
        })
        .expect("the watchdog thread could not be started");
    Watchdog { _disarm: disarm }
}

impl Watchdog {
    /// Keeps the watchdog armed for the rest of the process: for a program
    /// whose every part, its runtime's teardown included, must end within
    /// the limit.
    pub fn forever(self) {
        std::mem::forget(self);
    }
}
