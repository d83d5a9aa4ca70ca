//! The run: the engine's interleaved rounds over this OS's families in
//! each placement, then the allocation counts, then the reports.

use std::io;
use std::time::{Instant, SystemTime};

use localipc_bench_engine::affinity::{self, Placement};
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::Family;
use localipc_bench_engine::job::Plan;
use localipc_bench_engine::machine::Machine;
use localipc_bench_engine::results;
use localipc_bench_engine::rounds::{self, Progress};
use localipc_bench_engine::watchdog;

use crate::allocations;
use crate::args::{PEER_FLAG, Settings};
use crate::extras::Extras;
use crate::families;
use crate::report;
use crate::results::Results;
use crate::targets;

/// Runs the suite as `settings` say, with `extras`, and writes the reports.
pub(crate) fn run(settings: &Settings, extras: &Extras) -> io::Result<()> {
    let started = Instant::now();
    let mode = settings.mode;
    let plan = mode.plan(settings.rounds);
    watchdog::start();
    let machine = Machine::describe();
    let placements = affinity::placements();
    let families = families::chosen(&settings.families, &extras.contenders);
    eprintln!(
        "localipc-bench: {} run, {} round(s), {} placement(s), on {}",
        mode.name(),
        plan.rounds,
        placements.len(),
        machine.line()
    );
    let context = Context::new(PEER_FLAG, plan.verify)?;
    watchdog::remove_on_expiry(context.scratch());
    let measured = measure(&context, &plan, &placements, &families).and_then(|records| {
        watchdog::arm("counting allocations", "localipc", plan.step_limit);
        let allocations = allocations::count_all(&context, mode.allocation_ops())?;
        watchdog::disarm();
        Ok((records, allocations))
    });
    // The scratch directory goes whether or not the run succeeded.
    let removed = context.remove();
    let (records, allocations) = measured?;
    removed?;
    let tables = results::summarize(&placements, &families, &records);
    let mut checks = targets::evaluate(&tables, &allocations);
    checks.extend((extras.targets)(&tables));
    let results = Results {
        machine,
        mode,
        targets: checks,
        extra_notes: extras.notes.clone(),
        pinning_note: affinity::pinning_note(&placements),
        placements: tables,
        plan,
        allocation_ops: mode.allocation_ops(),
        allocations,
        elapsed: started.elapsed(),
        finished: SystemTime::now(),
    };
    report::write_all(&results, settings)
}

/// The rounds, with a line on stderr after each.
fn measure(
    context: &Context,
    plan: &Plan,
    placements: &[Placement],
    families: &[Family],
) -> io::Result<Vec<rounds::Record>> {
    rounds::measure_rounds(context, plan, placements, families, |progress| {
        if let Progress::RoundDone { round, elapsed } = progress {
            eprintln!(
                "localipc-bench: round {} of {} done after {:.1} s",
                round + 1,
                plan.rounds,
                elapsed.as_secs_f64()
            );
        }
    })
}
