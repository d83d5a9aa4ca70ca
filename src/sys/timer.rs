//! The one timer of every async wait in the crate, whatever the runtime:
//! Tokio's needs its `time` driver (a runtime built without it panics on
//! a sleep) and smol's is not Tokio's. One thread of this process, started
//! by the first sleep, keeps the deadlines of the sleeps in progress in
//! time order and wakes each task whose deadline passes; it sleeps when
//! there are none. It is detached and never keeps the process alive.

use std::collections::BTreeMap;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// A future ready once `at` has passed.
pub(crate) fn sleep_until(at: Instant) -> Sleep {
    Sleep { at, key: None }
}

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
    let mut deadline = sleep_until(at);
    poll_fn(|cx| {
        if let Poll::Ready(output) = setup.as_mut().poll(cx) {
            return Poll::Ready(output);
        }
        if Pin::new(&mut deadline).poll(cx).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("shared memory set-up: the peer did not finish it within {limit:?}"),
        )))
    })
    .await
}

/// A point in time a task waits for (see [`sleep_until`]). Dropped before
/// it is ready, it leaves nothing behind in the timer.
#[derive(Debug)]
pub(crate) struct Sleep {
    at: Instant,
    /// The entry in the timer while a waker is registered.
    key: Option<Key>,
}

/// A deadline, and a number that tells deadlines at the same instant apart.
type Key = (Instant, u64);

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if Instant::now() >= this.at {
            return Poll::Ready(());
        }
        let timer = Timer::get();
        let mut deadlines = timer.lock();
        if let Some(waker) = this.key.and_then(|key| deadlines.waiting.get_mut(&key)) {
            waker.clone_from(cx.waker());
            return Poll::Pending;
        }
        // New, or the timer woke it already (and its deadline was then not
        // yet past by this clock reading): wait again.
        if !deadlines.running {
            // Started here, under the lock, so that only one thread ever
            // starts. Should it not start (the process is out of threads),
            // the task polls again at once and the start is tried again:
            // a busy wait, but never a wake-up lost.
            deadlines.running = thread::Builder::new()
                .name("localipc timer".to_owned())
                .spawn(|| Timer::get().run())
                .is_ok();
            if !deadlines.running {
                drop(deadlines);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
        let key = (this.at, deadlines.next_id);
        deadlines.next_id += 1;
        let earliest = deadlines
            .waiting
            .first_key_value()
            .is_none_or(|(first, _)| key < *first);
        deadlines.waiting.insert(key, cx.waker().clone());
        this.key = Some(key);
        drop(deadlines);
        if earliest {
            timer.changed.notify_one();
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            Timer::get().lock().waiting.remove(&key);
        }
    }
}

/// The deadlines waited for, each with the task to wake, in time order.
#[derive(Default)]
struct Deadlines {
    waiting: BTreeMap<Key, Waker>,
    next_id: u64,
    /// Whether the timer's thread has been started.
    running: bool,
}

struct Timer {
    deadlines: Mutex<Deadlines>,
    /// Signalled when the earliest deadline changes.
    changed: Condvar,
}

impl Timer {
    /// The process's timer.
    fn get() -> &'static Self {
        static TIMER: OnceLock<Timer> = OnceLock::new();
        TIMER.get_or_init(|| Self {
            deadlines: Mutex::new(Deadlines::default()),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Deadlines> {
        // A waker that panicked in `wake` poisoned nothing the map relies on.
        self.deadlines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The timer's thread: wakes each task whose deadline has passed (out
    /// of the lock, as a waker may run anything), then sleeps until the
    /// next deadline, or until an earlier one is added.
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::task::Wake;

    use super::*;

    /// A waker that sends its id, and the time it was woken, to a channel.
    struct Reporting {
        id: usize,
        woken: Mutex<mpsc::Sender<(usize, Instant)>>,
        count: AtomicUsize,
    }

    impl Wake for Reporting {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.count.fetch_add(1, Ordering::SeqCst);
            let _ = self.woken.lock().unwrap().send((self.id, Instant::now()));
        }
    }

    fn reporting(id: usize, woken: &mpsc::Sender<(usize, Instant)>) -> Arc<Reporting> {
        Arc::new(Reporting {
            id,
            woken: Mutex::new(woken.clone()),
            count: AtomicUsize::new(0),
        })
    }

    /// Polls `sleep` once with `waker`: it must wait.
    fn poll_pending(sleep: &mut Sleep, waker: &Arc<Reporting>) {
        let waker = Waker::from(Arc::clone(waker));
        let poll = Pin::new(sleep).poll(&mut Context::from_waker(&waker));
        assert!(poll.is_pending(), "the deadline is still ahead");
    }

    fn poll_ready(sleep: &mut Sleep) {
        let poll = Pin::new(sleep).poll(&mut Context::from_waker(Waker::noop()));
        assert!(poll.is_ready(), "the deadline has passed");
    }

    fn is_registered(sleep: &Sleep) -> bool {
        let key = sleep.key.expect("the sleep was polled");
        Timer::get().lock().waiting.contains_key(&key)
    }

    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn a_sleep_wakes_its_task_soon_after_its_deadline_and_not_before() {
        let (woken, wakes) = mpsc::channel();
        let at = Instant::now() + Duration::from_millis(50);
        let mut sleep = sleep_until(at);
        poll_pending(&mut sleep, &reporting(0, &woken));
        let (_, when) = wakes.recv_timeout(LONG).expect("woken");
        assert!(when >= at, "woken {:?} early", at - when);
        // Generous: the machine may be busy; a timer that waits for the
        // next sleep of some other task would be late by far more.
        assert!(
            when - at < Duration::from_secs(1),
            "woken {:?} late",
            when - at
        );
        poll_ready(&mut sleep);
        assert!(!is_registered(&sleep), "the timer forgets a sleep it woke");
    }

    #[test]
    fn sleeps_are_woken_in_deadline_order() {
        let (woken, wakes) = mpsc::channel();
        let start = Instant::now() + Duration::from_millis(50);
        // Registered out of order; ids 0..5 have deadlines in id order.
        let order = [3, 0, 4, 1, 2];
        let mut sleeps: Vec<_> = order
            .iter()
            .map(|&id| {
                let mut sleep = sleep_until(start + Duration::from_millis(30 * id as u64));
                poll_pending(&mut sleep, &reporting(id, &woken));
                sleep
            })
            .collect();
        let got: Vec<usize> = (0..order.len())
            .map(|_| wakes.recv_timeout(LONG).expect("woken").0)
            .collect();
        assert_eq!(got, [0, 1, 2, 3, 4]);
        sleeps.iter_mut().for_each(poll_ready);
    }

    #[test]
    fn many_sleeps_each_wake_once_after_their_deadline() {
        const COUNT: usize = 10_000;
        let (woken, wakes) = mpsc::channel();
        let start = Instant::now() + Duration::from_millis(20);
        let deadlines: Vec<Instant> = (0..COUNT)
            // Scattered over 200 ms, many at the same instant.
            .map(|i| start + Duration::from_millis((i * 7919 % 200) as u64))
            .collect();
        let wakers: Vec<_> = (0..COUNT).map(|id| reporting(id, &woken)).collect();
        let _sleeps: Vec<_> = deadlines
            .iter()
            .zip(&wakers)
            .map(|(&at, waker)| {
                let mut sleep = sleep_until(at);
                poll_pending(&mut sleep, waker);
                sleep
            })
            .collect();
        for _ in 0..COUNT {
            let (id, when) = wakes.recv_timeout(LONG).expect("every sleep wakes");
            assert!(when >= deadlines[id], "sleep {id} woken early");
        }
        thread::sleep(Duration::from_millis(50));
        for waker in &wakers {
            assert_eq!(waker.count.load(Ordering::SeqCst), 1, "woken once");
        }
    }

    #[test]
    fn a_sleep_dropped_before_its_deadline_never_wakes_and_leaves_no_entry() {
        let (woken, wakes) = mpsc::channel();
        let mut sleep = sleep_until(Instant::now() + Duration::from_millis(50));
        let waker = reporting(0, &woken);
        poll_pending(&mut sleep, &waker);
        let key = sleep.key.expect("registered");
        drop(sleep);
        assert!(!Timer::get().lock().waiting.contains_key(&key));
        assert!(wakes.recv_timeout(Duration::from_millis(200)).is_err());
        assert_eq!(waker.count.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_poll_with_a_new_waker_moves_the_wake_up_to_it() {
        let (woken, wakes) = mpsc::channel();
        let mut sleep = sleep_until(Instant::now() + Duration::from_millis(50));
        let (first, second) = (reporting(1, &woken), reporting(2, &woken));
        poll_pending(&mut sleep, &first);
        poll_pending(&mut sleep, &second);
        assert_eq!(wakes.recv_timeout(LONG).expect("woken").0, 2);
        assert!(wakes.recv_timeout(Duration::from_millis(100)).is_err());
        assert_eq!(first.count.load(Ordering::SeqCst), 0);
        poll_ready(&mut sleep);
    }

    #[test]
    fn a_poll_after_the_timer_took_the_entry_early_registers_again() {
        let (woken, wakes) = mpsc::channel();
        let mut sleep = sleep_until(Instant::now() + Duration::from_millis(100));
        poll_pending(&mut sleep, &reporting(0, &woken));
        // As if the timer had fired and woken the task while, by the
        // task's own clock reading, the deadline was still ahead.
        let key = sleep.key.expect("registered");
        assert!(Timer::get().lock().waiting.remove(&key).is_some());
        poll_pending(&mut sleep, &reporting(1, &woken));
        assert!(is_registered(&sleep), "registered again");
        assert_eq!(wakes.recv_timeout(LONG).expect("woken").0, 1);
        poll_ready(&mut sleep);
    }

    /// Runs `future` to its end on this thread.
    fn block_on<T>(future: impl Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        let (woken, wakes) = mpsc::channel();
        let waker = Waker::from(reporting(0, &woken));
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
                return output;
            }
            wakes.recv_timeout(LONG).expect("woken");
        }
    }

    #[test]
    fn within_times_out_a_stuck_future_and_passes_a_quick_one_through() {
        let limit = Some(Duration::from_millis(50));
        let started = Instant::now();
        let error = block_on(within(limit, std::future::pending::<io::Result<u8>>())).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(error.to_string().contains("within 50ms"), "{error}");
        assert_eq!(block_on(within(limit, async { Ok(7) })).unwrap(), 7);
    }
}
