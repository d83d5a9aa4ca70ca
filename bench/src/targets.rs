//! The goals the figures are held against. They are reported, never
//! enforced: a slow or busy machine must not fail a run.

use crate::affinity::Placement;
use crate::allocations::AllocationCount;
use crate::contender::is_localipc;
use crate::job::Figure;
use crate::results::{PlacementTables, Row};
use crate::{pipe, socket};

/// The least ratio to std's `UnixStream` for the throughput of a blocking
/// local socket.
const SOCKET_THROUGHPUT_FLOOR: f64 = 0.97;
/// The most ratio to std's `UnixStream` for the round trip of a blocking
/// local socket.
const SOCKET_ROUND_TRIP_CEILING: f64 = 1.03;
/// The least speed-up over std's pipe for 64 KiB writes, unpinned, on Linux.
const PIPE_SPEEDUP: f64 = 3.0;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Goal {
    AtLeast(f64),
    AtMost(f64),
}

impl Goal {
    fn met(self, value: f64) -> bool {
        match self {
            Self::AtLeast(least) => value >= least,
            Self::AtMost(most) => value <= most,
        }
    }

    pub(crate) fn describe(self) -> String {
        match self {
            Self::AtLeast(least) => format!(">= {least}"),
            Self::AtMost(most) => format!("<= {most}"),
        }
    }

    /// At least as good as `reference`: more throughput, or less latency.
    fn as_good_as(figure: Figure, reference: f64) -> Self {
        if figure.is_throughput() {
            Self::AtLeast(reference)
        } else {
            Self::AtMost(reference)
        }
    }
}

/// One target and how the run fared.
#[derive(Clone, Debug)]
pub(crate) struct Check {
    pub(crate) target: String,
    /// `None` for targets measured outside the placements.
    pub(crate) placement: Option<Placement>,
    pub(crate) value: f64,
    pub(crate) goal: Goal,
}

impl Check {
    pub(crate) fn met(&self) -> bool {
        self.goal.met(self.value)
    }
}

/// Every target the run can speak to.
pub(crate) fn evaluate(
    placements: &[PlacementTables],
    allocations: &[AllocationCount],
) -> Vec<Check> {
    let mut checks = Vec::new();
    for tables in placements {
        let placement = Some(tables.placement);
        let row = |family: &str, contender: &str| -> Option<&Row> {
            tables
                .families
                .iter()
                .find(|table| table.key == family)?
                .rows
                .iter()
                .find(|row| row.contender == contender)
        };
        // Blocking local sockets cost what std's UnixStream costs.
        for name in [socket::LOCALIPC_PATH, socket::LOCALIPC_NAMESPACED] {
            let Some(ours) = row(socket::KEY, name) else {
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
                    value: ours.figures[figure.index()].ratio,
                    goal,
                });
            }
        }
        // localipc is at least as good as interprocess, and its Tokio front
        // end as good as Tokio's own types.
        for (family, ours, theirs) in [
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
        ] {
            let (Some(our_row), Some(their_row)) = (row(family, ours), row(family, theirs)) else {
                continue;
            };
            for figure in Figure::ALL {
                let index = figure.index();
                checks.push(Check {
                    target: format!("{ours} ÷ {theirs}, {}", figure.title()),
                    placement,
                    value: our_row.figures[index].ratio / their_row.figures[index].ratio,
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
                .filter(|table| table.key == pipe::KEY);
            for ours in pipes.flat_map(|table| &table.rows) {
                if is_localipc(ours.contender) {
                    checks.push(Check {
                        target: format!("{}, 64 KiB writes: ×std pipe", ours.contender),
                        placement,
                        value: ours.figures[Figure::Throughput64K.index()].ratio,
                        goal: Goal::AtLeast(PIPE_SPEEDUP),
                    });
                }
            }
        }
        // localipc allocates nothing on the data path, even while timed.
        // async-io's own reactor allocates on its ticks (its Async<UnixStream>
        // row shows the same), so the smol rows are held to that baseline.
        let most_allocations = |filter: &dyn Fn(&str) -> bool| {
            tables
                .families
                .iter()
                .flat_map(|table| &table.rows)
                .filter(|row| filter(row.contender))
                .flat_map(|row| &row.figures)
                .map(|summary| summary.allocations_per_op)
                .fold(0.0, f64::max)
        };
        let on_async_io = |name: &str| name.starts_with("localipc smol ");
        checks.push(Check {
            target: "every localipc row but smol's: allocations per op while timed (the most)"
                .to_owned(),
            placement,
            value: most_allocations(&|name| is_localipc(name) && !on_async_io(name)),
            goal: Goal::AtMost(0.0),
        });
        if let Some(baseline) = row(socket::KEY, socket::ASYNC_IO) {
            let theirs = baseline
                .figures
                .iter()
                .map(|summary| summary.allocations_per_op)
                .fold(0.0, f64::max);
            checks.push(Check {
                target: format!(
                    "localipc smol rows: allocations per op while timed (the most), ≤ {} + 0.1",
                    socket::ASYNC_IO
                ),
                placement,
                value: most_allocations(&on_async_io),
                goal: Goal::AtMost(theirs + 0.1),
            });
        }
    }
    let most = allocations
        .iter()
        .filter(|count| is_localipc(count.primitive))
        .map(|count| count.per_write.max(count.per_read))
        .fold(0.0, f64::max);
    checks.push(Check {
        target: "every localipc primitive: allocations per write or read (the most)".to_owned(),
        placement: None,
        value: most,
        goal: Goal::AtMost(0.0),
    });
    checks
}
