//! The lines a test prints for `.ci/run` and for a reader of its log, on
//! the real standard error (libtest would capture `eprintln!`).

use std::io::{self, Write};

/// Reports that `test` skipped what it checks and `why`, in the form
/// `.ci/run` counts as skipped: `localipc-test-skip: TEST: WHY`.
pub fn skip(test: &str, why: &str) {
    // The leading newline keeps the line apart from libtest's "test … " prefix
    // that another thread may have just printed.
    let _ = writeln!(io::stderr(), "\nlocalipc-test-skip: {test}: {why}");
}

/// Notes something a reader of the log should know, such as a retry:
/// `localipc-test-note: WHAT`.
pub fn note(what: &str) {
    let _ = writeln!(io::stderr(), "\nlocalipc-test-note: {what}");
}
