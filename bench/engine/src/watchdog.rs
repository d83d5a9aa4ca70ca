//! Bounds every blocking wait: a thread that ends the process, and the peer
//! it is waiting for, when a step runs past its limit. A hang fails fast with
//! a message that names the step instead of stalling CI.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// The exit status of a run the watchdog ended.
const EXIT_HUNG: i32 = 3;
/// How often the watchdog looks at the clock.
const TICK: Duration = Duration::from_millis(50);
const DISARMED: u64 = u64::MAX;

static EPOCH: OnceLock<Instant> = OnceLock::new();
static START: Once = Once::new();
/// The deadline of the current step in milliseconds since `EPOCH`.
static DEADLINE: AtomicU64 = AtomicU64::new(DISARMED);
/// What the current step is, for the message: (step, contender, limit).
static STEP: Mutex<(&str, &str, Duration)> = Mutex::new(("", "", Duration::ZERO));
/// The peer process of the current step, killed on expiry; 0 for none.
static PEER: AtomicU32 = AtomicU32::new(0);
/// A scratch directory to remove on expiry.
static SCRATCH: OnceLock<PathBuf> = OnceLock::new();

fn now_ms() -> u64 {
    let elapsed = EPOCH.get_or_init(Instant::now).elapsed();
    u64::try_from(elapsed.as_millis()).unwrap_or(DISARMED - 1)
}

/// Starts the watchdog thread, once per process.
pub fn start() {
    now_ms();
    START.call_once(|| {
        std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(watch)
            .expect("the watchdog thread could not be started");
    });
}

fn watch() {
    loop {
        std::thread::sleep(TICK);
        if now_ms() > DEADLINE.load(Ordering::Acquire) {
            expire();
        }
    }
}

fn expire() -> ! {
    let (step, contender, limit) = *STEP.lock().unwrap_or_else(|poison| poison.into_inner());
    eprintln!(
        "{}: {step} ({contender}) did not finish within {} s; giving up",
        program(),
        limit.as_secs()
    );
    kill(PEER.load(Ordering::Acquire));
    if let Some(scratch) = SCRATCH.get() {
        // Best effort: the run fails anyway, this only tidies up.
        let _ = std::fs::remove_dir_all(scratch);
    }
    std::process::exit(EXIT_HUNG);
}

/// Gives the step `step` of `contender` until `limit` from now.
pub fn arm(step: &'static str, contender: &'static str, limit: Duration) {
    *STEP.lock().unwrap_or_else(|poison| poison.into_inner()) = (step, contender, limit);
    let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(DISARMED / 2);
    DEADLINE.store(now_ms().saturating_add(limit_ms), Ordering::Release);
}

/// Removes `scratch` too if a step expires.
pub fn remove_on_expiry(scratch: &Path) {
    let _ = SCRATCH.set(scratch.to_owned());
}

/// Ends the current step's bound.
pub fn disarm() {
    DEADLINE.store(DISARMED, Ordering::Release);
}

/// Kills `pid` too if the current step expires.
pub(crate) fn watch_peer(pid: u32) {
    PEER.store(pid, Ordering::Release);
}

/// The peer is gone: nothing to kill any more.
pub(crate) fn forget_peer() {
    PEER.store(0, Ordering::Release);
}

/// Kills the peer `pid` (0: none); at worst it is gone already.
#[cfg(unix)]
fn kill(pid: u32) {
    use rustix::process::{Pid, Signal, kill_process};

    let pid = i32::try_from(pid).ok().and_then(Pid::from_raw);
    if let Some(pid) = pid {
        let _ = kill_process(pid, Signal::KILL);
    }
}

/// Nothing to do: std cannot kill a process by its id, and a Windows peer
/// ends itself when its own lifetime bound expires.
#[cfg(windows)]
fn kill(_pid: u32) {}

/// This program's name, for messages: the measuring binary's or its peer's.
pub(crate) fn program() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.file_stem()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "localipc-bench".to_owned())
}
