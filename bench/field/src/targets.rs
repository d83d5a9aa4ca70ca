//! The field's targets, reported with the suite's and, like them, never
//! enforced: localipc's default-spin `ShmStream` at least as good as
//! iceoryx2 for every figure (the round trips' 99th percentiles too), in
//! every placement; and, for information, localipc's `MessageSocket` against
//! ipc-channel's bytes channel.

use localipc_bench::names;
use localipc_bench_engine::job::Figure;
use localipc_bench_engine::results::{PlacementTables, Row, Summary};
use localipc_bench_engine::targets::{Check, Goal, ratio};

use crate::{iceoryx, ipc};

/// The least (throughput) or most (latency) ratio of localipc's figure to
/// the other library's.
const AS_GOOD_AS: f64 = 1.0;

/// Every field target the run's figures speak to.
pub(crate) fn evaluate(placements: &[PlacementTables]) -> Vec<Check> {
    let mut checks = Vec::new();
    for tables in placements {
        let row = |family: &str, contender: &str| -> Option<&Row> {
            tables
                .families
                .iter()
                .find(|table| table.key == family)?
                .rows
                .iter()
                .find(|row| row.contender == contender)
        };
        let pairs = [
            (names::SHM_FAMILY, names::SHM_DEFAULT_SPIN, iceoryx::NAME),
            (names::MESSAGE_FAMILY, names::MESSAGE_SOCKET, ipc::NAME),
        ];
        for (family, ours, theirs) in pairs {
            let (Some(our_row), Some(their_row)) = (row(family, ours), row(family, theirs)) else {
                continue;
            };
            for figure in Figure::ALL {
                let mut check = |what: &str, value: f64| {
                    checks.push(Check {
                        target: format!("{ours} ÷ {theirs}, {what}"),
                        placement: Some(tables.placement),
                        value,
                        goal: Goal::as_good_as(figure, AS_GOOD_AS),
                    });
                };
                // Ratios to the family's baseline, each the median of the
                // ratios within a round: the two rows are compared round
                // by round, not across rounds.
                check(
                    figure.title(),
                    ratio(our_row, figure) / ratio(their_row, figure),
                );
                if !figure.is_throughput() {
                    let p99 = |row: &Row| {
                        let summary: &Summary = &row.figures[figure.index()];
                        summary.p99_ratio.unwrap_or(f64::NAN)
                    };
                    check(
                        &format!("{} p99", figure.title()),
                        p99(our_row) / p99(their_row),
                    );
                }
            }
        }
    }
    checks
}
