//! Giving chosen pipe ends to a child process.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::process::{Child, Command};

use super::{Receiver, Sender};
use crate::sys::{self, Direction};

/// Hands chosen pipe ends to a child process, which takes them back with
/// [`Sender::from_handoff`] or [`Receiver::from_handoff`].
///
/// Pipe ends are never inherited by accident: they are created
/// non-inheritable. A `Handoff` names the ends one child should get, each with
/// the environment variable through which the child finds it, and then spawns
/// the child. Standard input and output need no `Handoff`: use
/// `Stdio::from(end)`.
///
/// The parent keeps its own ends. Close the ones it does not use once the
/// child is spawned, or the pipe never reaches end of stream.
///
/// # Platform-specific behavior
///
/// * **Unix:** the ends stay close-on-exec in the parent throughout. The child
///   clears `FD_CLOEXEC` on exactly the handed descriptors between `fork` and
///   `exec` (a `pre_exec` hook, so std spawns with `fork` rather than
///   `posix_spawn`). A child spawned concurrently by another thread inherits
///   nothing. The variable holds the descriptor number.
/// * **Windows:** std creates every child with handle inheritance on, so each
///   end is duplicated as an inheritable handle just before the spawn and that
///   duplicate is closed as soon as the spawn returns. A child that another
///   thread spawns during that call also inherits the duplicate. The variable
///   holds the handle value.
///
/// # Examples
///
/// A parent hands the write end to a child, which is this same program run
/// with a marker variable set:
///
/// ```no_run
/// use std::io::{Read, Write};
/// use std::process::Command;
/// use localipc::pipe::{self, Handoff, Sender};
///
/// if std::env::var_os("CHILD").is_some() {
///     // SAFETY: the parent set LOG_PIPE through a Handoff; it is claimed once.
///     let mut log = unsafe { Sender::from_handoff("LOG_PIPE")? };
///     log.write_all(b"hello from the child")?;
///     return Ok(());
/// }
/// let (tx, mut rx) = pipe::pipe()?;
/// let mut command = Command::new(std::env::current_exe()?);
/// command.env("CHILD", "1");
/// let mut child = Handoff::new().sender("LOG_PIPE", &tx).spawn(&mut command)?;
/// drop(tx); // the child holds the only writer now
/// let mut text = String::new();
/// rx.read_to_string(&mut text)?;
/// assert_eq!(text, "hello from the child");
/// child.wait()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Default)]
pub struct Handoff<'a> {
    ends: Vec<(OsString, sys::handoff::BorrowedEnd<'a>)>,
}

impl<'a> Handoff<'a> {
    /// Creates a handoff that gives no ends yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives the child `end`, announced in the environment variable `var`.
    pub fn sender(&mut self, var: impl AsRef<OsStr>, end: &'a Sender) -> &mut Self {
        self.ends
            .push((var.as_ref().to_owned(), end.0.as_borrowed()));
        self
    }

    /// Gives the child `end`, announced in the environment variable `var`.
    pub fn receiver(&mut self, var: impl AsRef<OsStr>, end: &'a Receiver) -> &mut Self {
        self.ends
            .push((var.as_ref().to_owned(), end.0.as_borrowed()));
        self
    }

    /// Sets the variables on `command` and spawns it with the ends inherited.
    ///
    /// The variables stay set on `command`; a later spawn of the same
    /// `command` without this `Handoff` hands nothing over.
    ///
    /// # Errors
    ///
    /// The error of [`Command::spawn`], or (Windows) of duplicating a handle.
    pub fn spawn(&mut self, command: &mut Command) -> io::Result<Child> {
        let ends: Vec<_> = self
            .ends
            .iter()
            .map(|(var, end)| (var.as_os_str(), *end))
            .collect();
        sys::handoff::spawn(command, &ends)
    }
}

impl fmt::Debug for Handoff<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.ends.iter().map(|(var, end)| (var, end)))
            .finish()
    }
}

/// Reads the variable a [`Handoff`] set and claims the end it names.
///
/// # Safety
///
/// As for [`Sender::from_handoff`].
unsafe fn claim(var: &OsStr, direction: Direction) -> io::Result<sys::handoff::OwnedEnd> {
    let value = std::env::var_os(var).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "environment variable {var:?} is not set: this process was not handed a pipe end under that name"
            ),
        )
    })?;
    // SAFETY: forwarded from the caller's contract.
    unsafe { sys::handoff::claim(&value, direction) }.map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("environment variable {var:?} does not name a handed pipe end: {error}"),
        )
    })
}

impl Sender {
    /// Takes the write end that the parent process handed over with
    /// [`Handoff::sender`] under the environment variable `var`.
    ///
    /// The end is made non-inheritable again, so it goes no further than this
    /// process unless handed on.
    ///
    /// # Safety
    ///
    /// `var` must have been set by a [`Handoff`] of the parent that spawned
    /// this process, and this end must not have been claimed before in this
    /// process: the function takes ownership of the descriptor or handle the
    /// variable names, and a second owner would close it twice.
    ///
    /// # Errors
    ///
    /// * [`NotFound`](io::ErrorKind::NotFound) if `var` is not set.
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) if it does not name an
    ///   open pipe end (on Unix, also if it names the read end).
    ///
    /// # Examples
    ///
    /// See [`Handoff`].
    pub unsafe fn from_handoff(var: impl AsRef<OsStr>) -> io::Result<Self> {
        // SAFETY: forwarded from the caller's contract.
        let end = unsafe { claim(var.as_ref(), Direction::Write) }?;
        Ok(Self(sys::pipe::Sender::from_owned(end)))
    }
}

impl Receiver {
    /// Takes the read end that the parent process handed over with
    /// [`Handoff::receiver`] under the environment variable `var`.
    ///
    /// The end is made non-inheritable again.
    ///
    /// # Safety
    ///
    /// As for [`Sender::from_handoff`].
    ///
    /// # Errors
    ///
    /// * [`NotFound`](io::ErrorKind::NotFound) if `var` is not set.
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput) if it does not name an
    ///   open pipe end (on Unix, also if it names the write end).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::io::Read;
    /// use localipc::pipe::Receiver;
    ///
    /// // SAFETY: the parent set JOBS through a Handoff; it is claimed once.
    /// let mut jobs = unsafe { Receiver::from_handoff("JOBS")? };
    /// let mut all = Vec::new();
    /// jobs.read_to_end(&mut all)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub unsafe fn from_handoff(var: impl AsRef<OsStr>) -> io::Result<Self> {
        // SAFETY: forwarded from the caller's contract.
        let end = unsafe { claim(var.as_ref(), Direction::Read) }?;
        Ok(Self(sys::pipe::Receiver::from_owned(end)))
    }
}
