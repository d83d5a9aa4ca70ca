//! Keeping `SIGPIPE` from killing the process.
//!
//! A write to a pipe whose readers are all gone raises `SIGPIPE` before
//! `write(2)` can return `EPIPE`, and the default disposition of that signal
//! terminates the process. Unlike sockets (`MSG_NOSIGNAL`), pipes have no
//! per-call way to suppress it, and blocking the signal around every write
//! would cost two extra system calls per write. So each time a writing end is
//! created, this module checks the disposition once and, if it is the default,
//! sets it to "ignore", which is what Rust's own runtime does at startup. A
//! handler installed by the program is left alone.

use std::mem::MaybeUninit;
use std::ptr;

/// Makes sure a `SIGPIPE` raised by a write cannot terminate the process.
pub(super) fn ensure_not_fatal() {
    let mut current = MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: a null new action makes this a pure query; `current` is a valid
    // out-pointer for one `sigaction` structure.
    let queried = unsafe { libc::sigaction(libc::SIGPIPE, ptr::null(), current.as_mut_ptr()) };
    if queried != 0 {
        // Only an invalid signal number makes sigaction fail; SIGPIPE is valid.
        return;
    }
    // SAFETY: the all-zero bit pattern is a valid `sigaction` (plain integers and
    // a signal set), and the successful call above overwrote it in any case.
    let current = unsafe { current.assume_init() };
    if current.sa_sigaction != libc::SIG_DFL {
        return;
    }
    let mut ignore = current;
    ignore.sa_sigaction = libc::SIG_IGN;
    // SAFETY: `ignore` is a fully initialised action; a null old-action pointer
    // is allowed. SIG_IGN runs no code, so no handler-safety rules apply.
    unsafe { libc::sigaction(libc::SIGPIPE, &ignore, ptr::null_mut()) };
}
