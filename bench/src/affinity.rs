//! Where the two processes run: wherever the scheduler puts them (what users
//! get), or both on one CPU (Linux), which takes cross-CPU wake-ups out of
//! the figures and shows the cost of each library's own work.

use std::io;

/// A placement of the measured process and its peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    Unpinned,
    Pinned { cpu: usize },
}

impl Placement {
    /// The placement's name in the JSON output.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Unpinned => "unpinned",
            Self::Pinned { .. } => "pinned",
        }
    }

    pub(crate) fn describe(self) -> String {
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
    pub(crate) fn apply(self) -> io::Result<Option<Saved>> {
        match self {
            Self::Unpinned => Ok(None),
            Self::Pinned { cpu } => pin(cpu).map(Some),
        }
    }
}

/// Unpinned, and pinned where this OS can pin.
pub(crate) fn placements() -> Vec<Placement> {
    let mut placements = vec![Placement::Unpinned];
    if let Some(cpu) = first_allowed_cpu() {
        placements.push(Placement::Pinned { cpu });
    }
    placements
}

/// What the report says when `placements` has no pinned placement.
pub(crate) fn pinning_note(placements: &[Placement]) -> Option<&'static str> {
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
pub(crate) use linux::{Saved, first_allowed_cpu, pin};
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use other::{Saved, first_allowed_cpu, pin};

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use std::io;
    use std::mem::size_of;

    use libc::cpu_set_t;

    /// How many CPUs a mask can name.
    const MASK_BITS: usize = 8 * size_of::<cpu_set_t>();

    /// The CPU mask the calling thread had before it was pinned.
    #[derive(Debug)]
    pub(crate) struct Saved(cpu_set_t);

    impl Saved {
        pub(crate) fn restore(self) -> io::Result<()> {
            set(&self.0)
        }
    }

    fn empty() -> cpu_set_t {
        // SAFETY: `cpu_set_t` is an array of integers, for which all zeros is
        // a valid value: the empty set, as `CPU_ZERO` makes it.
        unsafe { std::mem::zeroed() }
    }

    fn get() -> io::Result<cpu_set_t> {
        let mut mask = empty();
        // SAFETY: the pointer and the size describe `mask`, which is live and
        // writable; pid 0 is the calling thread.
        let result = unsafe { libc::sched_getaffinity(0, size_of::<cpu_set_t>(), &mut mask) };
        if result == 0 {
            Ok(mask)
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn set(mask: &cpu_set_t) -> io::Result<()> {
        // SAFETY: the pointer and the size describe `mask`, which is live;
        // pid 0 is the calling thread.
        let result = unsafe { libc::sched_setaffinity(0, size_of::<cpu_set_t>(), mask) };
        if result == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// The lowest CPU this thread may run on, if the mask can be read.
    pub(crate) fn first_allowed_cpu() -> Option<usize> {
        let mask = get().ok()?;
        // SAFETY: `cpu` is below the number of bits in the mask.
        (0..MASK_BITS).find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &mask) })
    }

    /// Pins the calling thread to `cpu`, returning the mask it had.
    pub(crate) fn pin(cpu: usize) -> io::Result<Saved> {
        if cpu >= MASK_BITS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("CPU {cpu} is beyond what a CPU mask holds"),
            ));
        }
        let saved = get()?;
        let mut only = empty();
        // SAFETY: `cpu` is below the number of bits in the mask (checked above).
        unsafe { libc::CPU_SET(cpu, &mut only) };
        set(&only)?;
        Ok(Saved(saved))
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod other {
    use std::io;

    /// Nothing to restore: nothing was pinned.
    #[derive(Debug)]
    pub(crate) struct Saved;

    impl Saved {
        pub(crate) fn restore(self) -> io::Result<()> {
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
