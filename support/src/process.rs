//! Child processes: a test binary that runs one of its own tests as a
//! child, and process starts that survive a fault of Wine's.
//!
//! Under load Wine (never Windows) now and then fails process creation
//! with `ERROR_INTERNAL_ERROR` (1359), and has once failed a pipe
//! operation with it. Under Wine, on that error alone, a start is tried
//! again; on real Windows the error is an error.

use std::io;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::{is_wine, note};

/// Environment variable that marks a process as a test's child.
const CHILD_MARKER: &str = "LOCALIPC_TEST_CHILD";

/// The error Wine answers now and then under load.
const ERROR_INTERNAL_ERROR: i32 = 1359;

/// How often a start is tried in all, at most.
const TRIES: u32 = 5;

/// Whether this process was started by [`child_command`] to play a child role.
pub fn is_child() -> bool {
    std::env::var_os(CHILD_MARKER).is_some()
}

/// A command that runs the test `test` of this same test binary as a child
/// process; that test sees [`is_child`] return true. The child's standard
/// output (libtest's chatter) is discarded; its standard error is inherited so
/// that a failing child explains itself in the log.
///
/// # Panics
///
/// If this binary has no test of that name: libtest would run no test in
/// the child and end with success, so a test that checks the child's exit
/// status would pass without having run anything.
pub fn child_command(test: &str) -> Command {
    assert!(
        this_binarys_tests().iter().any(|known| known == test),
        "no test named `{test}` in this binary for a child process to run"
    );
    let mut command = Command::new(std::env::current_exe().expect("current_exe"));
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD_MARKER, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// The names of this binary's tests, from libtest's `--list` (asked once).
fn this_binarys_tests() -> &'static [String] {
    static TESTS: OnceLock<Vec<String>> = OnceLock::new();
    TESTS.get_or_init(|| {
        let output = Command::new(std::env::current_exe().expect("current_exe"))
            .arg("--list")
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output_child()
            .expect("listing this binary's tests");
        assert!(
            output.status.success(),
            "listing this binary's tests: {}",
            output.status
        );
        String::from_utf8(output.stdout)
            .expect("test names are UTF-8")
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .map(str::to_owned)
            .collect()
    })
}

/// The name libtest knows the test `test` of module `module_path` by (pass
/// `module_path!()`): its path without the crate's name, as [`child_command`]
/// needs it for a test inside a module.
pub fn test_path(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{test}"),
        None => test.to_owned(),
    }
}

/// Asserts that a child ended successfully, with its exit status in the message.
///
/// # Panics
///
/// If it did not.
#[track_caller]
pub fn assert_success(status: ExitStatus, what: &str) {
    assert!(
        status.success(),
        "{what}: child process ended with {status}"
    );
}

/// `spawn`, `status` and `output` through [`surviving_wine_faults`].
pub trait Spawn {
    /// [`Command::spawn`], tried again after Wine's fault.
    ///
    /// # Errors
    ///
    /// As [`Command::spawn`]'s, the last one under Wine.
    fn spawn_child(&mut self) -> io::Result<Child>;

    /// [`Command::status`], tried again after Wine's fault.
    ///
    /// # Errors
    ///
    /// As [`Command::status`]'s, the last one under Wine.
    fn status_child(&mut self) -> io::Result<ExitStatus>;

    /// [`Command::output`], tried again after Wine's fault.
    ///
    /// # Errors
    ///
    /// As [`Command::output`]'s, the last one under Wine.
    fn output_child(&mut self) -> io::Result<Output>;
}

impl Spawn for Command {
    fn spawn_child(&mut self) -> io::Result<Child> {
        surviving_wine_faults(|| self.spawn())
    }

    fn status_child(&mut self) -> io::Result<ExitStatus> {
        surviving_wine_faults(|| self.status())
    }

    fn output_child(&mut self) -> io::Result<Output> {
        surviving_wine_faults(|| self.output())
    }
}

/// Runs `start`, a process start (a failure means no process was made),
/// and under Wine, when it fails with `ERROR_INTERNAL_ERROR`, again: at
/// most 5 tries, 100 ms apart, with a note on standard error each time.
/// Anywhere else, and for any other error, `start` runs once.
///
/// # Errors
///
/// `start`'s error; under Wine, the last one.
pub fn surviving_wine_faults<T>(mut start: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    let mut tries = 1;
    loop {
        match start() {
            Err(error) if tries < TRIES && is_wine_fault(&error) => {
                note(&format!(
                    "Wine failed to start a process ({error}); trying again"
                ));
                tries += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            result => return result,
        }
    }
}

fn is_wine_fault(error: &io::Error) -> bool {
    error.raw_os_error() == Some(ERROR_INTERNAL_ERROR) && is_wine()
}

/// Whether a program that ran to its end failed of Wine's fault: under
/// Wine, it failed, and its standard error names `ERROR_INTERNAL_ERROR` as
/// Rust prints an OS error (`(os error 1359)`). Such a run may be tried
/// once more; off Wine, never.
pub fn failed_of_wine_fault(output: &Output) -> bool {
    !output.status.success()
        && is_wine()
        && String::from_utf8_lossy(&output.stderr)
            .contains(&format!("(os error {ERROR_INTERNAL_ERROR})"))
}
