//! Contenders, the families they are compared in, and what each needs to
//! run: where to put socket files and FIFOs, and how to start a peer.

use std::cell::Cell;
use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;

use crate::job::Job;
use crate::measure::Measurement;
use crate::peer::{Spec, Transport};
use crate::{pipe, socket};

/// Runs one job of one contender against a fresh peer.
pub(crate) type Run = fn(&Context, Job) -> io::Result<Measurement>;

/// One library's way of doing a family's job.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Contender {
    pub(crate) name: &'static str,
    pub(crate) run: Run,
}

/// Contenders compared with each other; the first is the baseline that
/// ratios are taken against.
#[derive(Debug)]
pub(crate) struct Family {
    pub(crate) name: &'static str,
    /// The family's name in the JSON output.
    pub(crate) key: &'static str,
    pub(crate) contenders: Vec<Contender>,
}

impl Family {
    pub(crate) fn baseline(&self) -> &'static str {
        self.contenders[0].name
    }
}

/// Whether a contender (or an allocation count) is localipc's: names start
/// with the library's name.
pub(crate) fn is_localipc(name: &str) -> bool {
    name.starts_with("localipc ")
}

/// Every family this OS can measure.
pub(crate) fn families() -> Vec<Family> {
    vec![socket::family(), pipe::family()]
}

/// What every contender's run needs.
#[derive(Debug)]
pub(crate) struct Context {
    /// This binary, started again as the peer.
    pub(crate) exe: PathBuf,
    /// A private directory for socket files and FIFOs, removed at the end.
    pub(crate) scratch: PathBuf,
    verify: bool,
    next_id: Cell<u64>,
}

impl Context {
    pub(crate) fn new(verify: bool) -> io::Result<Self> {
        let scratch = std::env::temp_dir().join(format!("localipc-bench-{}", std::process::id()));
        fs::DirBuilder::new().mode(0o700).create(&scratch)?;
        Ok(Self {
            exe: std::env::current_exe()?,
            scratch,
            verify,
            next_id: Cell::new(0),
        })
    }

    /// A number not handed out before in this run, for fresh names.
    pub(crate) fn unique(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    /// What to tell a peer that meets this process over `transport`.
    pub(crate) fn peer_spec(&self, transport: Transport, job: Job) -> Spec {
        Spec {
            transport,
            job,
            verify: self.verify,
        }
    }

    /// Removes the scratch directory and whatever is left in it.
    pub(crate) fn remove(self) -> io::Result<()> {
        fs::remove_dir_all(&self.scratch)
    }
}
