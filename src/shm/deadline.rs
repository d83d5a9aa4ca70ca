//! The async set-up's time limit, without a runtime's timer: Tokio's needs
//! its `time` driver (a runtime built without it would panic) and smol's is
//! not Tokio's. One thread of this process, started by the first limited
//! set-up, keeps the deadlines of set-ups in progress and wakes each task
//! whose deadline passes; it sleeps when there are none.

use std::collections::BTreeMap;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::pin;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// `setup`, failed with [`TimedOut`](io::ErrorKind::TimedOut) if it has
/// not ended within `limit` (`None`: no limit). The set-up is dropped when
/// its time is up.
pub(crate) async fn within<T>(
    limit: Option<Duration>,
    setup: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    // A limit too far away for the clock is no limit.
    let Some(at) = limit.and_then(|limit| Instant::now().checked_add(limit)) else {
        return setup.await;
    };
    let limit = limit.unwrap_or_default();
    let mut setup = pin!(setup);
    let mut deadline = Deadline { at, key: None };
    poll_fn(|cx| {
        if let Poll::Ready(output) = setup.as_mut().poll(cx) {
            return Poll::Ready(output);
        }
        if deadline.poll_passed(cx).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("shared memory set-up: the peer did not finish it within {limit:?}"),
        )))
    })
    .await
}

/// The deadlines waited for, each with the task to wake, in time order.
#[derive(Default)]
struct Deadlines {
    waiting: BTreeMap<(Instant, u64), Waker>,
    /// Tells two deadlines at the same instant apart.
    next_key: u64,
}

struct Timer {
    deadlines: Mutex<Deadlines>,
    /// Signalled when the earliest deadline changes.
    changed: Condvar,
}

impl Timer {
    /// The process's timer, its thread started on first use.
    fn get() -> &'static Self {
        static TIMER: OnceLock<Timer> = OnceLock::new();
        let mut started = false;
        let timer = TIMER.get_or_init(|| {
            started = true;
            Self {
                deadlines: Mutex::new(Deadlines::default()),
                changed: Condvar::new(),
            }
        });
        if started {
            // Should the thread not start, deadlines never pass: the set-up
            // then waits as if it had no limit, which is how it was asked
            // to wait at worst, never a panic.
            let _ = thread::Builder::new()
                .name("localipc shm set-up timer".to_owned())
                .spawn(move || timer.run());
        }
        timer
    }

    fn lock(&self) -> MutexGuard<'_, Deadlines> {
        self.deadlines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wakes each task whose deadline has passed, then sleeps until the
    /// next one (or a new earliest one) comes.
    fn run(&self) {
        let mut deadlines = self.lock();
        loop {
            let now = Instant::now();
            let mut due = Vec::new();
            while let Some(entry) = deadlines.waiting.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            if !due.is_empty() {
                drop(deadlines);
                due.into_iter().for_each(Waker::wake);
                deadlines = self.lock();
                continue;
            }
            deadlines = match deadlines.waiting.first_key_value() {
                Some((&(at, _), _)) => {
                    let (guard, _) = self
                        .changed
                        .wait_timeout(deadlines, at.saturating_duration_since(now))
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    guard
                }
                None => self
                    .changed
                    .wait(deadlines)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            };
        }
    }
}

/// A point in time a task can wait for.
struct Deadline {
    at: Instant,
    /// The entry in the timer while a waker is registered.
    key: Option<(Instant, u64)>,
}

impl Deadline {
    /// Ready once the deadline has passed; until then the task is woken
    /// when it passes.
    fn poll_passed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.at {
            return Poll::Ready(());
        }
        let timer = Timer::get();
        let mut deadlines = timer.lock();
        match self.key.and_then(|key| deadlines.waiting.get_mut(&key)) {
            Some(waker) => waker.clone_from(cx.waker()),
            None => {
                // New, or the timer woke it already (and its deadline was
                // then not yet past by this clock reading): wait again.
                let key = (self.at, deadlines.next_key);
                deadlines.next_key += 1;
                let earliest = deadlines
                    .waiting
                    .first_key_value()
                    .is_none_or(|(first, _)| key < *first);
                deadlines.waiting.insert(key, cx.waker().clone());
                self.key = Some(key);
                if earliest {
                    timer.changed.notify_one();
                }
            }
        }
        Poll::Pending
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            Timer::get().lock().waiting.remove(&key);
        }
    }
}
