//! `localipc bench`: throughput and round-trip latency of every primitive,
//! with localipc at both ends, between this process and a second one it
//! starts. The measuring (peer processes, interleaved rounds, statistics,
//! JSON) is the engine the benchmark suite uses; this module holds the
//! primitives, the sizes of a run and the table.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use localipc::local_socket::{Name, Stream};
use localipc::shm::Spin;
use localipc_bench_engine::affinity::Placement;
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::{Contender, Family};
use localipc_bench_engine::job::{Figure, Job, KIB, MIB, Plan, Sizes};
use localipc_bench_engine::json::{self, Json};
#[cfg(unix)]
use localipc_bench_engine::link::std_unix_stream;
#[cfg(windows)]
use localipc_bench_engine::link::with_listening_peer;
use localipc_bench_engine::link::{Pipes, at_socket_path, at_unique_name, shm_channel};
use localipc_bench_engine::machine::Machine;
use localipc_bench_engine::measure::{self, Measurement};
use localipc_bench_engine::peer::Transport;
use localipc_bench_engine::plot;
use localipc_bench_engine::results::{self, FamilyTable, PlacementTables, Summary};
use localipc_bench_engine::rounds::{self, Progress, Record};
use localipc_bench_engine::targets::{Check, ShmRows, shm_checks};
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

/// Every primitive this OS has.
fn primitives() -> Family {
    Family {
        name: "every primitive",
        key: "primitives",
        contenders: vec![
            SOCKET_NAMESPACED,
            SOCKET_PATH,
            PIPE,
            #[cfg(unix)]
            FIFO,
            #[cfg(windows)]
            NAMED_PIPE_BYTES,
            #[cfg(windows)]
            NAMED_PIPE_MESSAGES,
        ],
        compared: false,
    }
}

/// Shared memory against the stream a program would use without it, for
/// the shared-memory targets: std's Unix socket, or on Windows a std `File`
/// on a named pipe.
fn shared_memory_family() -> Family {
    Family {
        name: "shared memory",
        key: "shm",
        contenders: vec![STD_SOCKET, SHM, SHM_SPIN_OFF],
        compared: true,
    }
}

/// The rows the shared-memory targets speak of.
const SHM_ROWS: ShmRows<'static> = ShmRows {
    spinning: SHM.name,
    spin_off: SHM_SPIN_OFF.name,
    all: &[SHM.name, SHM_SPIN_OFF.name],
};

/// The shared-memory targets (the benchmark suite's) over whichever family
/// holds the shared-memory rows and a baseline.
fn targets(tables: &PlacementTables) -> Vec<Check> {
    let mut checks = Vec::new();
    let families = tables.families.iter().filter(|family| {
        family.baseline.is_some() && family.rows.iter().any(|row| row.contender == SHM.name)
    });
    for family in families {
        shm_checks(family, SHM_ROWS, tables.placement, &mut checks);
    }
    checks
}

/// Every primitive again, each in a family whose baseline is std's
/// counterpart, for `--plot`: the Unix socket, or on Windows a std `File`
/// opened on a named pipe (std has no pipe server), which shared memory is
/// compared with too (it is what a program without it would use); and
/// std's pipe, which FIFOs are compared with too (std has no FIFO API).
fn compared_to_std() -> Vec<Family> {
    vec![
        Family {
            name: "local sockets",
            key: "local_sockets",
            contenders: vec![
                STD_SOCKET,
                SOCKET_NAMESPACED,
                SOCKET_PATH,
                #[cfg(windows)]
                NAMED_PIPE_BYTES,
                #[cfg(windows)]
                NAMED_PIPE_MESSAGES,
                SHM,
                SHM_SPIN_OFF,
            ],
            compared: true,
        },
        Family {
            name: "pipes",
            key: "pipes",
            contenders: vec![
                STD_PIPE,
                PIPE,
                #[cfg(unix)]
                FIFO,
            ],
            compared: true,
        },
    ]
}

const SOCKET_NAMESPACED: Contender = Contender {
    name: "local socket, namespaced",
    run: socket_namespaced,
};
const SOCKET_PATH: Contender = Contender {
    name: "local socket, path",
    run: socket_path,
};
const PIPE: Contender = Contender {
    name: "unnamed pipe",
    run: pipe,
};
#[cfg(unix)]
const FIFO: Contender = Contender {
    name: "FIFO",
    run: fifo,
};
#[cfg(windows)]
const NAMED_PIPE_BYTES: Contender = Contender {
    name: "named pipe, byte mode",
    run: named_pipe_bytes,
};
#[cfg(windows)]
const NAMED_PIPE_MESSAGES: Contender = Contender {
    name: "named pipe, message mode",
    run: named_pipe_messages,
};
/// A shared-memory stream with the default spin at both ends.
const SHM: Contender = Contender {
    name: "shared memory, spinning",
    run: shm,
};
/// A shared-memory stream that never spins, at both ends.
const SHM_SPIN_OFF: Contender = Contender {
    name: "shared memory, spin off",
    run: shm_spin_off,
};
const STD_PIPE: Contender = Contender {
    name: "std pipe",
    run: std_pipe,
};
#[cfg(unix)]
const STD_SOCKET: Contender = Contender {
    name: "std UnixStream",
    run: std_socket,
};
#[cfg(windows)]
const STD_SOCKET: Contender = Contender {
    name: "std File on a named pipe",
    run: std_socket,
};

/// std's Unix socket at both ends.
#[cfg(unix)]
fn std_socket(context: &Context, job: Job) -> io::Result<Measurement> {
    std_unix_stream(context, job)
}

/// A std `File` opened on the pipe of a localipc listener: what a std
/// program does to talk to a named-pipe server.
#[cfg(windows)]
fn std_socket(context: &Context, job: Job) -> io::Result<Measurement> {
    at_socket_path(context, Transport::LocalSocketPath, job, |path| {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        measure::blocking(&file, &file, job)
    })
}

fn std_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::std()?.measure_blocking(context, job)
}

fn socket_namespaced(context: &Context, job: Job) -> io::Result<Measurement> {
    at_unique_name(context, Transport::LocalSocketNamespaced, job, |name| {
        let stream = Stream::connect(&Name::namespaced(name)?)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn socket_path(context: &Context, job: Job) -> io::Result<Measurement> {
    at_socket_path(context, Transport::LocalSocketPath, job, |path| {
        let stream = Stream::connect(&Name::path(path)?)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::localipc()?.measure_blocking(context, job)
}

#[cfg(unix)]
fn fifo(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::fifos(context)?.measure_blocking(context, job)
}

#[cfg(windows)]
fn named_pipe_bytes(context: &Context, job: Job) -> io::Result<Measurement> {
    named_pipe(context, job, false)
}

#[cfg(windows)]
fn named_pipe_messages(context: &Context, job: Job) -> io::Result<Measurement> {
    named_pipe(context, job, true)
}

fn shm(context: &Context, job: Job) -> io::Result<Measurement> {
    shm_channel(context, job, Spin::default())
}

fn shm_spin_off(context: &Context, job: Job) -> io::Result<Measurement> {
    shm_channel(context, job, Spin::Off)
}

/// A named pipe in message mode if `messages`, else in byte mode.
#[cfg(windows)]
fn named_pipe(context: &Context, job: Job, messages: bool) -> io::Result<Measurement> {
    use localipc::os::windows::named_pipe::ConnectOptions;

    let path = format!(r"\\.\pipe\{}", context.unique_name());
    let transport = Transport::NamedPipe {
        path: path.clone(),
        messages,
    };
    with_listening_peer(context, transport, job, || {
        let stream = ConnectOptions::new(&path).connect()?;
        measure::blocking(&stream, &stream, job)
    })
}

/// Measures every primitive as `args` say and prints a table, or JSON;
/// with `--plot`, std's counterparts too, and draws the ratios.
pub(crate) fn run(args: &BenchArgs) -> io::Result<()> {
    let started = Instant::now();
    let quick = args.quick;
    // Created first, so that a place it cannot go fails the run at once.
    let mut plot_file = match &args.plot {
        Some(path) => Some((path, File::create(path).map_err(about(path))?)),
        None => None,
    };
    let plan = plan(quick);
    let families = match args.plot {
        Some(_) => compared_to_std(),
        None => vec![primitives(), shared_memory_family()],
    };
    let placements = [Placement::Unpinned];
    let records = measure(&plan, &placements, &families).inspect_err(|_| {
        // No picture: no empty file left to mistake for one.
        if let Some((path, _)) = &plot_file {
            let _ = std::fs::remove_file(path);
        }
    })?;
    let tables = results::summarize(&placements, &families, &records);
    let checks = targets(&tables[0]);
    let machine = Machine::describe();
    let elapsed = started.elapsed().as_secs_f64();
    if let Some((path, file)) = &mut plot_file {
        let title = format!(
            "localipc bench{} on {}: each primitive against std's counterpart",
            if quick { " --quick" } else { "" },
            machine.os
        );
        file.write_all(plot::svg(&title, &tables).as_bytes())
            .map_err(about(path))?;
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
        render_table(
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

/// The width of the primitive column: the longest name.
const NAME_WIDTH: usize = 24;
/// The width of a number from [`compact`].
const NUMBER_WIDTH: usize = 5;
/// The width of a cell from [`spread`]: `median [lowest–highest]`.
const SPREAD_WIDTH: usize = 3 * NUMBER_WIDTH + 4;
/// The width of a round-trip column: the spread and the p99.
const LATENCY_WIDTH: usize = SPREAD_WIDTH + 2 + NUMBER_WIDTH;

/// The table for people: throughput, then round trips, each figure as its
/// median with the lowest and highest round; every column of a fixed width.
fn render_table(
    families: &[FamilyTable],
    checks: &[Check],
    plan: &Plan,
    machine: &Machine,
    quick: bool,
    elapsed: f64,
) -> String {
    let mut out = format!(
        "localipc bench{}: {}, {} CPUs; localipc at both ends{}, two processes, unpinned\n\
         {} rounds; in each, every primitive in turn: {},\n\
         {}, {} of each size\n\
         each figure is the median over rounds [lowest–highest round];\n\
         p99: each round's 99th percentile (nearest rank), median over rounds\n",
        if quick { " --quick" } else { "" },
        machine.os,
        machine.logical_cpus,
        if families.iter().any(|family| family.baseline.is_some()) {
            " (std's rows: std on this side)"
        } else {
            ""
        },
        plan.rounds,
        describe(plan.job(Figure::Throughput64K)),
        describe(plan.job(Figure::Throughput4K)),
        describe(plan.job(Figure::RoundTrip1)),
    );
    let line = |out: &mut String, name: &str, cells: &[String]| {
        let mut text = format!("{name:<NAME_WIDTH$}");
        for cell in cells {
            text.push_str("  ");
            text.push_str(cell);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let heading = |title: &str, width: usize| format!("{title:<width$}");
    let sub_heading = format!("{:<SPREAD_WIDTH$}", "median [range]");
    out.push('\n');
    line(
        &mut out,
        "MiB/s",
        &[
            heading("64 KiB writes", SPREAD_WIDTH),
            heading("4 KiB writes", SPREAD_WIDTH),
        ],
    );
    line(&mut out, "", &[sub_heading.clone(), sub_heading.clone()]);
    let rows = || families.iter().flat_map(|family| &family.rows);
    for row in rows() {
        let cell = |figure: Figure| spread(&row.figures[figure.index()], 1.0);
        line(
            &mut out,
            row.contender,
            &[cell(Figure::Throughput64K), cell(Figure::Throughput4K)],
        );
    }
    out.push('\n');
    line(
        &mut out,
        "µs",
        &[
            heading("1 B round trip", LATENCY_WIDTH),
            heading("64 B round trip", LATENCY_WIDTH),
        ],
    );
    let p99 = format!("{:>NUMBER_WIDTH$}", "p99");
    line(
        &mut out,
        "",
        &[sub_heading.clone(), p99.clone(), sub_heading, p99],
    );
    for row in rows() {
        let mut cells = Vec::new();
        for figure in [Figure::RoundTrip1, Figure::RoundTrip64] {
            let summary = &row.figures[figure.index()];
            let p99_us = summary.p99.map_or(f64::NAN, |nanos| nanos / 1e3);
            cells.push(spread(summary, 1e-3));
            cells.push(format!("{:>NUMBER_WIDTH$}", compact(p99_us)));
        }
        line(&mut out, row.contender, &cells);
    }
    if !checks.is_empty() {
        out.push_str(&render_targets(checks));
    }
    out.push_str(&format!("\ntook {elapsed:.1} s\n"));
    out
}

/// The targets, one line each: what, the value, the goal, whether it was
/// met. Reported, never enforced.
fn render_targets(checks: &[Check]) -> String {
    let width = checks
        .iter()
        .map(|check| check.target.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::from(
        "\ntargets (reported, not enforced; ratios are medians of per-round ratios)\n",
    );
    for check in checks {
        let padding = width - check.target.chars().count();
        out.push_str(&format!(
            "{}{:padding$}  {:>8.3}  {:>8}  {}\n",
            check.target,
            "",
            check.value,
            check.goal.describe(),
            if check.met() { "yes" } else { "NO" },
        ));
    }
    out
}

/// What a job moves in one round, for people.
fn describe(job: Job) -> String {
    match job {
        Job::Throughput {
            write_size,
            total_bytes,
            ..
        } => format!(
            "{} MiB in {} KiB writes",
            total_bytes / MIB,
            write_size as u64 / KIB
        ),
        Job::RoundTrip { count, .. } => format!("{count} round trips"),
    }
}

/// `median [lowest–highest]` of `summary`, times `scale`, in
/// [`SPREAD_WIDTH`] characters.
fn spread(summary: &Summary, scale: f64) -> String {
    let range = format!(
        "[{}–{}]",
        compact(summary.lowest * scale),
        compact(summary.highest * scale)
    );
    format!(
        "{:>NUMBER_WIDTH$} {range:<width$}",
        compact(summary.value * scale),
        width = SPREAD_WIDTH - NUMBER_WIDTH - 1
    )
}

/// `value` in at most [`NUMBER_WIDTH`] characters: three or four
/// significant digits, with a k, M or G suffix past 9999; `-` for a value
/// that is not a finite, non-negative number.
fn compact(value: f64) -> String {
    if !(value.is_finite() && value >= 0.0) {
        return "-".to_owned();
    }
    for (scale, suffix) in [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "G")] {
        let scaled = value / scale;
        // The most decimals that fit: four characters before the suffix.
        for decimals in [2, 1, 0] {
            let text = format!("{scaled:.decimals$}");
            if text.len() <= 4 {
                return text + suffix;
            }
        }
    }
    "huge".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_plans_are_valid() {
        assert_eq!(plan(true).rounds, 5);
        assert_eq!(plan(false).rounds, 7);
    }

    #[test]
    fn numbers_never_outgrow_their_column() {
        let cases = [
            (0.0, "0.00"),
            (0.004, "0.00"),
            (9.996, "10.0"),
            (29.5, "29.5"),
            (99.96, "100"),
            (2122.0, "2122"),
            (9999.6, "10.0k"),
            (21220.0, "21.2k"),
            (999_999.0, "1000k"),
            (1.5e7, "15.0M"),
            (f64::NAN, "-"),
        ];
        for (value, expected) in cases {
            assert_eq!(compact(value), expected, "{value}");
        }
        for exponent in -3..13 {
            for mantissa in [1.0, 1.2345, 9.9999] {
                let value = mantissa * 10f64.powi(exponent);
                assert!(compact(value).chars().count() <= NUMBER_WIDTH, "{value}");
            }
        }
    }

    #[test]
    fn names_fit_their_column() {
        let families = compared_to_std().into_iter().chain([primitives()]);
        for contender in families.flat_map(|family| family.contenders) {
            assert!(
                contender.name.chars().count() <= NAME_WIDTH,
                "{}",
                contender.name
            );
        }
    }
}
