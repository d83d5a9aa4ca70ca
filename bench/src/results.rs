//! What a run found: everything a report shows. The suite fills it in and
//! the reports read it; it is a module of its own so that neither of them
//! imports the other.

use std::time::{Duration, SystemTime};

use localipc_bench_engine::job::Plan;
use localipc_bench_engine::machine::Machine;
use localipc_bench_engine::results::PlacementTables;

use crate::allocations::AllocationCount;
use crate::args::Mode;
use crate::targets::Check;

/// Everything a report shows.
#[derive(Clone, Debug)]
pub(crate) struct Results {
    pub(crate) machine: Machine,
    pub(crate) mode: Mode,
    pub(crate) plan: Plan,
    pub(crate) placements: Vec<PlacementTables>,
    pub(crate) pinning_note: Option<&'static str>,
    /// Writes and reads behind each allocation count.
    pub(crate) allocation_ops: u32,
    pub(crate) allocations: Vec<AllocationCount>,
    pub(crate) targets: Vec<Check>,
    /// Notes of the contenders a binary added (see `Extras`).
    pub(crate) extra_notes: Vec<String>,
    pub(crate) elapsed: Duration,
    /// When the measuring ended.
    pub(crate) finished: SystemTime,
}
