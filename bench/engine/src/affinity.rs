//! Where the two processes run: wherever the scheduler puts them (what users
//! get), or both on one CPU (Linux), which takes cross-CPU wake-ups out of
//! the figures and shows the cost of each library's own work.

use std::io;

/// A placement of the measured process and its peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Wherever the scheduler puts them.
    Unpinned,
    /// Both on CPU `cpu`.
    Pinned {
        /// The CPU.
        cpu: usize,
    },
}

impl Placement {
    /// The placement's name in the JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Self::Unpinned => "unpinned",
            Self::Pinned { .. } => "pinned",
        }
    }

    /// A sentence for people.
    pub fn describe(self) -> String {
        match self {
            Self::Unpinned => {
                "unpinned: the scheduler places both processes (what users get)".to_owned()
            }
            Self::Pinned { cpu } => format!("pinned: both processes on CPU {cpu}"),
        }
    }

    /// Applies the placement to the calling thread, from which the peers are
    /// spawned: a child inherits its parent's CPU mask. Returns the mask to
    /// restore afterwards, if any was changed.
    ///
    /// # Errors
    ///
    /// If the thread cannot be pinned.
    pub fn apply(self) -> io::Result<Option<Saved>> {
        match self {
            Self::Unpinned => Ok(None),
            Self::Pinned { cpu } => pin(cpu).map(Some),
        }
    }
}

/// Unpinned, and pinned where this OS can pin.
pub fn placements() -> Vec<Placement> {
    let mut placements = vec![Placement::Unpinned];
    if let Some(cpu) = first_allowed_cpu() {
        placements.push(Placement::Pinned { cpu });
    }
    placements
}

/// What the report says when `placements` has no pinned placement.
pub fn pinning_note(placements: &[Placement]) -> Option<&'static str> {
    if placements
        .iter()
        .any(|placement| matches!(placement, Placement::Pinned { .. }))
    {
        None
    } else {
        Some(
            "pinning to one CPU is measured on Linux only (and only where the CPU mask can be read); every figure here is unpinned",
        )
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub use linux::Saved;
#[cfg(any(target_os = "linux", target_os = "android"))]
use linux::{first_allowed_cpu, pin};
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub use other::Saved;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
use other::{first_allowed_cpu, pin};

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use std::io;

    use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};

    /// The CPU mask the calling thread had before it was pinned.
    #[derive(Debug)]
    pub struct Saved(CpuSet);

    impl Saved {
        /// Gives the calling thread its mask back.
        ///
        /// # Errors
        ///
        /// As `sched_setaffinity(2)`.
        pub fn restore(self) -> io::Result<()> {
            Ok(sched_setaffinity(None, &self.0)?)
        }
    }

    /// The lowest CPU this thread may run on, if the mask can be read.
    pub(crate) fn first_allowed_cpu() -> Option<usize> {
        let mask = sched_getaffinity(None).ok()?;
        (0..CpuSet::MAX_CPU).find(|&cpu| mask.is_set(cpu))
    }

    /// Pins the calling thread to `cpu`, returning the mask it had.
    pub(crate) fn pin(cpu: usize) -> io::Result<Saved> {
        if cpu >= CpuSet::MAX_CPU {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("CPU {cpu} is beyond what a CPU mask holds"),
            ));
        }
        let saved = sched_getaffinity(None)?;
        let mut only = CpuSet::new();
        only.set(cpu);
        sched_setaffinity(None, &only)?;
        Ok(Saved(saved))
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod other {
    use std::io;

    /// Nothing to restore: nothing was pinned.
    #[derive(Debug)]
    pub struct Saved;

    impl Saved {
        /// Does nothing.
        ///
        /// # Errors
        ///
        /// Never.
        pub fn restore(self) -> io::Result<()> {
            Ok(())
        }
    }

    pub(crate) fn first_allowed_cpu() -> Option<usize> {
        None
    }

    pub(crate) fn pin(_cpu: usize) -> io::Result<Saved> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "pinning is measured on Linux only",
        ))
    }
}
