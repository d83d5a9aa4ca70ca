//! What every contender's run needs: where to put socket files and FIFOs,
//! fresh names, and how to start this binary again as a peer.

use std::cell::Cell;
use std::fs;
use std::io;
use std::path::PathBuf;

/// The scratch directory, the peer's command line and the run's settings.
#[derive(Debug)]
pub struct Context {
    /// This binary, started again as the peer.
    pub(crate) exe: PathBuf,
    /// The hidden argument that makes this binary a peer; the binary passes
    /// what follows it to [`peer::main`](crate::peer::main).
    pub(crate) peer_argument: &'static str,
    /// A private directory for socket files and FIFOs, removed at the end.
    pub(crate) scratch: PathBuf,
    pub(crate) verify: bool,
    next_id: Cell<u64>,
}

impl Context {
    /// Creates the scratch directory of a run whose peers are this binary
    /// started with `peer_argument`, which check every byte if `verify`.
    ///
    /// # Errors
    ///
    /// If the scratch directory cannot be created or this binary's path is
    /// unknown.
    pub fn new(peer_argument: &'static str, verify: bool) -> io::Result<Self> {
        let scratch = std::env::temp_dir().join(format!("localipc-bench-{}", std::process::id()));
        private_directory(&scratch)?;
        Ok(Self {
            exe: std::env::current_exe()?,
            peer_argument,
            scratch,
            verify,
            next_id: Cell::new(0),
        })
    }

    /// The scratch directory, which a watchdog may remove on expiry.
    pub fn scratch(&self) -> &std::path::Path {
        &self.scratch
    }

    /// A name not handed out before in this run on this machine, for
    /// sockets and pipes: `localipc-bench-<pid>-<n>`.
    pub fn unique_name(&self) -> String {
        format!("localipc-bench-{}-{}", std::process::id(), self.next())
    }

    /// A fresh path in the scratch directory, ending in `.extension`.
    pub fn scratch_path(&self, extension: &str) -> PathBuf {
        self.scratch.join(format!("{}.{extension}", self.next()))
    }

    /// A number not handed out before in this run.
    fn next(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    /// Removes the scratch directory and whatever is left in it.
    ///
    /// # Errors
    ///
    /// As `std::fs::remove_dir_all`.
    pub fn remove(self) -> io::Result<()> {
        fs::remove_dir_all(&self.scratch)
    }
}

/// Creates `path` for this user only.
#[cfg(unix)]
fn private_directory(path: &std::path::Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;

    fs::DirBuilder::new().mode(0o700).create(path)
}

/// Creates `path`; the user's temporary directory is private already.
#[cfg(windows)]
fn private_directory(path: &std::path::Path) -> io::Result<()> {
    fs::create_dir(path)
}
