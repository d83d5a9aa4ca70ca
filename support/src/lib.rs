//! Test support for the localipc workspace, written once: the library's
//! tests, the `localipc` tool's tests, the examples and the bench engine
//! use it.
//!
//! * [`process`]: a test binary that runs its own tests as child processes,
//!   and process starts that survive Wine's `ERROR_INTERNAL_ERROR`.
//! * [`watchdog()`]: a hang becomes a fast, loud failure.
//! * [`Pattern`], [`Checksum`] and [`receive_all`]: checksummed byte streams.
//! * `open_handle_count` (Linux, Windows): descriptors or handles held,
//!   from a counter that proves itself.
//! * [`skip`] and [`note`]: the lines `.ci/run` reads on standard error.
//! * [`TempDir`] and [`unique_name`]: places and names no other test uses.
//! * [`is_wine`]: whether Windows is Wine.
//!
//! It depends on nothing of localipc's, so that localipc's own tests can
//! use it, and on nothing but std and (on Windows) `windows-sys`, so that
//! the bench engine can.

mod handles;
mod pattern;
pub mod process;
mod report;
mod temp;
mod watchdog;
mod wine;

#[cfg(any(target_os = "linux", windows))]
pub use handles::open_handle_count;
pub use pattern::{Checksum, Pattern, receive_all};
pub use process::{
    Spawn, assert_success, child_command, failed_of_wine_fault, is_child, surviving_wine_faults,
    test_path,
};
pub use report::{note, skip};
pub use temp::{TempDir, unique_name};
pub use watchdog::{Watchdog, watchdog};
pub use wine::is_wine;
