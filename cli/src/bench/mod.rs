//! `localipc bench`: throughput and round-trip latency of every primitive,
//! with localipc at both ends, between this process and a second one it
//! starts. The measuring (peer processes, interleaved rounds, statistics,
//! JSON) is the engine the benchmark suite uses; this module holds the
//! sizes of a run and its course, `families` the primitives and their
//! targets, `table` the table.

mod families;
mod table;

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::{Instant, SystemTime};

use localipc_bench_engine::affinity::Placement;
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::Family;
use localipc_bench_engine::job::{KIB, MIB, Plan, Sizes};
use localipc_bench_engine::json::{self, Json};
use localipc_bench_engine::machine::Machine;
use localipc_bench_engine::plot;
use localipc_bench_engine::results;
use localipc_bench_engine::rounds::{self, Progress, Record};
use localipc_bench_engine::watchdog;

use crate::args::BenchArgs;

/// The hidden first argument that makes `localipc` a peer.
pub(crate) const PEER_ARGUMENT: &str = "__peer";

/// The jobs of a run: `--quick` or not.
fn plan(quick: bool) -> Plan {
    if quick {
        Plan::new(
            5,
            Sizes {
                // As many bytes as the default run: shared memory moves
                // 16 MiB in about a millisecond, too short to hold its ratio
                // to std still, and the larger transfer costs under a second.
                large_writes: (8 * MIB, 128 * MIB),
                small_writes: (256 * KIB, 4 * MIB),
                round_trips: (100, 1_000),
            },
        )
    } else {
        Plan::new(
            7,
            Sizes {
                large_writes: (8 * MIB, 128 * MIB),
                small_writes: (2 * MIB, 32 * MIB),
                round_trips: (500, 5_000),
            },
        )
    }
}

/// Measures every primitive as `args` say and prints a table, or JSON;
/// with `--plot`, std's counterparts too, draws the ratios and says where
/// on standard error.
pub(crate) fn run(args: &BenchArgs) -> io::Result<()> {
    let started = Instant::now();
    let quick = args.quick;
    // Created first, so that a place it cannot go fails the run at once.
    let mut plot_file = match &args.plot {
        Some(path) => Some((path, File::create(path).map_err(about(path))?)),
        None => None,
    };
    let plan = plan(quick);
    let families = families::families(args.plot.is_some());
    let placements = [Placement::Unpinned];
    let records = measure(&plan, &placements, &families).inspect_err(|_| {
        // No picture: no empty file left to mistake for one.
        if let Some((path, _)) = &plot_file {
            let _ = std::fs::remove_file(path);
        }
    })?;
    let tables = results::summarize(&placements, &families, &records);
    let checks = families::targets(&tables[0]);
    let machine = Machine::describe();
    let elapsed = started.elapsed().as_secs_f64();
    if let Some((path, file)) = &mut plot_file {
        let title = format!(
            "localipc bench{} on {}: each primitive against its family's baseline",
            if quick { " --quick" } else { "" },
            machine.os
        );
        let facts = plot::Facts {
            when: SystemTime::now(),
            machine: &machine,
            mode: if quick { "quick" } else { "full" },
            rounds: plan.rounds,
        };
        file.write_all(plot::svg(&title, &facts, &tables).as_bytes())
            .map_err(about(path))?;
        eprintln!("wrote plot to {}", path.display());
    }
    let output = if args.json {
        Json::Object(vec![
            // Raised when a field changes meaning or goes away.
            ("format_version", Json::count(1)),
            ("tool", Json::text("localipc bench")),
            ("quick", Json::Bool(quick)),
            ("rounds", Json::count(plan.rounds as u64)),
            ("elapsed_s", Json::Number(elapsed)),
            ("machine", json::machine(&machine)),
            ("jobs", json::jobs(&plan)),
            ("placements", json::placements(&tables)),
            ("targets", json::targets(&checks)),
        ])
        .render()
    } else {
        table::render_table(
            &tables[0].families,
            &checks,
            &plan,
            &machine,
            quick,
            elapsed,
        )
    };
    print!("{output}");
    Ok(())
}

/// Names `path` in an error about it.
fn about(path: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |error| io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

/// The rounds of `plan`, with a progress line on standard error if it is
/// a terminal.
fn measure(plan: &Plan, placements: &[Placement], families: &[Family]) -> io::Result<Vec<Record>> {
    watchdog::start();
    let context = Context::new(PEER_ARGUMENT, plan.verify)?;
    watchdog::remove_on_expiry(context.scratch());
    let terminal = io::stderr().is_terminal();
    let measured = rounds::measure_rounds(&context, plan, placements, families, |progress| {
        if let (
            true,
            Progress::Measuring {
                round,
                contender,
                figure,
            },
        ) = (terminal, progress)
        {
            eprint!(
                "\r\x1b[2K  round {} of {}: {contender}, {}",
                round + 1,
                plan.rounds,
                figure.title()
            );
            let _ = io::stderr().flush();
        }
    });
    if terminal {
        eprint!("\r\x1b[2K");
    }
    // The scratch directory goes whether or not the run succeeded.
    let removed = context.remove();
    let records = measured?;
    removed?;
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_plans_are_valid() {
        assert_eq!(plan(true).rounds, 5);
        assert_eq!(plan(false).rounds, 7);
    }
}
