//! The goals the figures are held against. They are reported, never
//! enforced: a slow or busy machine must not fail a run.

use localipc_bench_engine::affinity::Placement;
use localipc_bench_engine::job::Figure;
use localipc_bench_engine::results::PlacementTables;
use localipc_bench_engine::targets::{self, ShmRows, most_allocations_of, ratio};
pub(crate) use localipc_bench_engine::targets::{Check, Goal};

use crate::allocations::AllocationCount;
use crate::shm;
#[cfg(unix)]
use crate::{pipe, socket};

/// The least ratio to std's `UnixStream` for the throughput of a blocking
/// local socket.
const SOCKET_THROUGHPUT_FLOOR: f64 = 0.97;
/// The most ratio to std's `UnixStream` for the round trip of a blocking
/// local socket.
const SOCKET_ROUND_TRIP_CEILING: f64 = 1.03;
/// The least speed-up over std's pipe for 64 KiB writes, unpinned, on Linux.
const PIPE_SPEEDUP: f64 = 3.0;
/// Blocking local sockets held to std's `UnixStream`: (family, row).
#[cfg(unix)]
const STD_PARITY: &[(&str, &str)] = &[
    (socket::KEY, socket::LOCALIPC_PATH),
    (socket::KEY, socket::LOCALIPC_NAMESPACED),
];
#[cfg(windows)]
const STD_PARITY: &[(&str, &str)] = &[];

/// localipc rows held to be at least as good as another library's:
/// (family, ours, theirs). localipc is at least as good as interprocess,
/// and its async front ends as good as the runtimes' own types.
#[cfg(unix)]
const AS_GOOD_AS: &[(&str, &str, &str)] = &[
    (socket::KEY, socket::LOCALIPC_PATH, socket::INTERPROCESS),
    (pipe::KEY, pipe::LOCALIPC_PIPE, pipe::INTERPROCESS),
    (socket::KEY, socket::LOCALIPC_TOKIO, socket::TOKIO),
    (
        socket::KEY,
        socket::LOCALIPC_TOKIO,
        socket::INTERPROCESS_TOKIO,
    ),
    (pipe::KEY, pipe::LOCALIPC_TOKIO, pipe::TOKIO),
    (socket::KEY, socket::LOCALIPC_SMOL, socket::ASYNC_IO),
];
#[cfg(windows)]
const AS_GOOD_AS: &[(&str, &str, &str)] = &[(
    crate::windows::KEY,
    crate::windows::LOCALIPC_TOKIO,
    crate::windows::TOKIO,
)];

/// The family of pipes that Linux can make much faster than std's.
#[cfg(unix)]
const PIPES: Option<&str> = Some(pipe::KEY);
#[cfg(windows)]
const PIPES: Option<&str> = None;

/// The row whose allocations the smol rows are held to: async-io's own
/// reactor allocates on its ticks. On Windows there is no such row, and the
/// smol rows are held to zero like the others.
#[cfg(unix)]
const SMOL_BASELINE: Option<(&str, &str)> = Some((socket::KEY, socket::ASYNC_IO));
#[cfg(windows)]
const SMOL_BASELINE: Option<(&str, &str)> = None;

/// Families outside the allocation targets of every localipc row: the
/// message family is held to its raw-transport lines only (see
/// [`message_checks`]), and its rows' allocations are in its own table.
/// The allocation targets keep to the stream and pipe rows they were set
/// for, and say so.
#[cfg(any(target_os = "linux", target_os = "android", windows))]
const UNTARGETED: &[&str] = &[crate::messages::KEY];
#[cfg(not(any(target_os = "linux", target_os = "android", windows)))]
const UNTARGETED: &[&str] = &[];

/// Whether a row or an allocation count is localipc's: names start with
/// the library's name.
fn is_localipc(name: &str) -> bool {
    name.starts_with("localipc ")
}

/// Every target the run can speak to.
pub(crate) fn evaluate(
    placements: &[PlacementTables],
    allocations: &[AllocationCount],
) -> Vec<Check> {
    let mut checks = Vec::new();
    for tables in placements {
        let placement = Some(tables.placement);
        let row = |family: &str, contender: &str| tables.row(family, contender);
        // Blocking local sockets cost what std's UnixStream costs.
        for &(family, name) in STD_PARITY {
            let Some(ours) = row(family, name) else {
                continue;
            };
            for figure in Figure::ALL {
                let goal = if figure.is_throughput() {
                    Goal::AtLeast(SOCKET_THROUGHPUT_FLOOR)
                } else {
                    Goal::AtMost(SOCKET_ROUND_TRIP_CEILING)
                };
                checks.push(Check {
                    target: format!("{name}, {}: ×std", figure.title()),
                    placement,
                    value: ratio(ours, figure),
                    goal,
                });
            }
        }
        for &(family, ours, theirs) in AS_GOOD_AS {
            let (Some(our_row), Some(their_row)) = (row(family, ours), row(family, theirs)) else {
                continue;
            };
            for figure in Figure::ALL {
                checks.push(Check {
                    target: format!("{ours} ÷ {theirs}, {}", figure.title()),
                    placement,
                    value: ratio(our_row, figure) / ratio(their_row, figure),
                    goal: Goal::as_good_as(figure, 1.0),
                });
            }
        }
        // Linux pipes can be made much faster than std's for large writes.
        if tables.placement == Placement::Unpinned
            && cfg!(any(target_os = "linux", target_os = "android"))
        {
            let pipes = tables
                .families
                .iter()
                .filter(|table| Some(table.key) == PIPES);
            for ours in pipes.flat_map(|table| &table.rows) {
                if is_localipc(ours.contender) {
                    checks.push(Check {
                        target: format!("{}, 64 KiB writes: ×std pipe", ours.contender),
                        placement,
                        value: ratio(ours, Figure::Throughput64K),
                        goal: Goal::AtLeast(PIPE_SPEEDUP),
                    });
                }
            }
        }
        shm_checks(tables, &mut checks);
        message_checks(tables, &mut checks);
        // localipc's streams and pipes allocate nothing on the data path,
        // even while timed.
        let most_allocations = |filter: &dyn Fn(&str) -> bool| {
            tables
                .families
                .iter()
                .filter(|table| !UNTARGETED.contains(&table.key))
                .flat_map(|table| &table.rows)
                .filter(|row| filter(row.contender))
                .map(most_allocations_of)
                .fold(0.0, f64::max)
        };
        let on_async_io =
            |name: &str| SMOL_BASELINE.is_some() && name.starts_with("localipc smol ");
        checks.push(Check {
            target: if SMOL_BASELINE.is_some() {
                "every localipc stream and pipe row but smol's: allocations per op while timed (the most)"
            } else {
                "every localipc stream and pipe row: allocations per op while timed (the most)"
            }
            .to_owned(),
            placement,
            value: most_allocations(&|name| is_localipc(name) && !on_async_io(name)),
            goal: Goal::AtMost(0.0),
        });
        if let Some(baseline) = SMOL_BASELINE.and_then(|(family, name)| row(family, name)) {
            checks.push(Check {
                target: format!(
                    "localipc smol stream and pipe rows: allocations per op while timed (the most), ≤ {} + 0.1",
                    baseline.contender
                ),
                placement,
                value: most_allocations(&on_async_io),
                goal: Goal::AtMost(most_allocations_of(baseline) + 0.1),
            });
        }
    }
    let most = |filter: &dyn Fn(&str) -> bool| {
        allocations
            .iter()
            .filter(|count| filter(count.primitive))
            .map(|count| count.per_write.max(count.per_read))
            .fold(0.0, f64::max)
    };
    checks.push(Check {
        target: "every localipc primitive: allocations per write or read (the most)".to_owned(),
        placement: None,
        value: most(&is_localipc),
        goal: Goal::AtMost(0.0),
    });
    checks.push(Check {
        target: format!("{}: allocations per write or read", crate::allocations::SHM),
        placement: None,
        value: most(&|name| name == crate::allocations::SHM),
        goal: Goal::AtMost(0.0),
    });
    checks
}

/// The shared-memory targets of one placement (the engine's, which
/// `localipc bench` prints too).
fn shm_checks(tables: &PlacementTables, checks: &mut Vec<Check>) {
    if let Some(family) = tables.families.iter().find(|table| table.key == shm::KEY) {
        let rows = ShmRows {
            spinning: shm::DEFAULT_SPIN,
            spin_off: shm::SPIN_OFF,
            all: &[shm::DEFAULT_SPIN, shm::SPIN_OFF, shm::LONG_SPIN],
        };
        targets::shm_checks(family, rows, tables.placement, checks);
    }
}

/// The message-socket targets of one placement (the engine's, which
/// `localipc bench` prints too): the blocking `MessageSocket` against the
/// raw transport under it.
#[cfg(any(target_os = "linux", target_os = "android", windows))]
fn message_checks(tables: &PlacementTables, checks: &mut Vec<Check>) {
    use crate::messages;

    if let Some(family) = tables
        .families
        .iter()
        .find(|table| table.key == messages::KEY)
    {
        let rows = targets::MessageRows {
            raw: messages::RAW,
            localipc: messages::LOCALIPC_BLOCKING,
        };
        targets::message_checks(family, rows, tables.placement, checks);
    }
}

/// No message sockets are measured here.
#[cfg(not(any(target_os = "linux", target_os = "android", windows)))]
fn message_checks(_tables: &PlacementTables, _checks: &mut Vec<Check>) {}
