//! The run: rounds of interleaved measurements in each placement, then the
//! allocation counts, then the reports.

use std::io;
use std::time::Instant;

use crate::affinity::{self, Placement};
use crate::allocations;
use crate::args::Settings;
use crate::contender::{self, Contender, Context, Family};
use crate::job::{Figure, Plan};
use crate::machine::Machine;
use crate::report;
use crate::results::{self, Record, Results};
use crate::{targets, watchdog};

/// Runs the suite as `settings` say and writes the reports.
pub(crate) fn run(settings: &Settings) -> io::Result<()> {
    let started = Instant::now();
    let plan = Plan::new(settings.mode, settings.rounds);
    watchdog::start();
    let machine = Machine::describe();
    let placements = affinity::placements();
    let families = contender::families();
    eprintln!(
        "localipc-bench: {} run, {} round(s), {} placement(s), on {}",
        plan.mode.name(),
        plan.rounds,
        placements.len(),
        machine.line()
    );
    let context = Context::new(plan.verify)?;
    watchdog::remove_on_expiry(&context.scratch);
    let measured = measure_rounds(&context, &plan, &placements, &families).and_then(|records| {
        watchdog::arm("counting allocations", "localipc", plan.step_limit);
        let allocations = allocations::count_all(&context, plan.allocation_ops)?;
        watchdog::disarm();
        Ok((records, allocations))
    });
    // The scratch directory goes whether or not the run succeeded.
    let removed = context.remove();
    let (records, allocations) = measured?;
    removed?;
    let tables = results::summarize(&placements, &families, &records);
    let results = Results {
        machine,
        targets: targets::evaluate(&tables, &allocations),
        pinning_note: affinity::pinning_note(&placements),
        placements: tables,
        plan,
        allocations,
        elapsed: started.elapsed(),
    };
    report::write_all(&results, settings)
}

/// Every round: in each placement, for each figure, every contender of each
/// family back to back, starting one further along the family every round.
fn measure_rounds(
    context: &Context,
    plan: &Plan,
    placements: &[Placement],
    families: &[Family],
) -> io::Result<Vec<Record>> {
    let started = Instant::now();
    let mut records = Vec::new();
    for round in 0..plan.rounds {
        for (placement_index, &placement) in placements.iter().enumerate() {
            let saved = placement.apply()?;
            for figure in Figure::ALL {
                for (family_index, family) in families.iter().enumerate() {
                    let count = family.contenders.len();
                    for turn in 0..count {
                        let contender_index = (turn + round) % count;
                        let contender = family.contenders[contender_index];
                        records.push(Record {
                            round,
                            placement: placement_index,
                            family: family_index,
                            contender: contender_index,
                            figure,
                            measurement: measure_one(context, plan, contender, figure).map_err(
                                |error| {
                                    io::Error::new(
                                        error.kind(),
                                        format!(
                                            "{} ({}, {}, round {}): {error}",
                                            contender.name,
                                            figure.title(),
                                            placement.key(),
                                            round + 1
                                        ),
                                    )
                                },
                            )?,
                        });
                    }
                }
            }
            if let Some(saved) = saved {
                saved.restore()?;
            }
        }
        eprintln!(
            "localipc-bench: round {} of {} done after {:.1} s",
            round + 1,
            plan.rounds,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(records)
}

fn measure_one(
    context: &Context,
    plan: &Plan,
    contender: Contender,
    figure: Figure,
) -> io::Result<crate::measure::Measurement> {
    watchdog::arm(figure.title(), contender.name, plan.step_limit);
    let measurement = (contender.run)(context, plan.job(figure));
    watchdog::disarm();
    measurement
}
