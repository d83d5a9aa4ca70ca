//! From the measurements of every round to the figures reported: medians
//! over rounds, and medians of the per-round ratios to the baseline.

use std::time::Duration;

use crate::affinity::Placement;
use crate::allocations::AllocationCount;
use crate::contender::Family;
use crate::job::{Figure, Plan};
use crate::machine::Machine;
use crate::measure::{Measurement, Value};
use crate::stats::median;
use crate::targets::Check;

/// One measurement, with where it belongs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record {
    pub(crate) round: usize,
    /// Indexes into the run's placements, families and the family's
    /// contenders.
    pub(crate) placement: usize,
    pub(crate) family: usize,
    pub(crate) contender: usize,
    pub(crate) figure: Figure,
    pub(crate) measurement: Measurement,
}

impl Record {
    fn is(&self, placement: usize, family: usize, contender: usize, figure: Figure) -> bool {
        (self.placement, self.family, self.contender, self.figure)
            == (placement, family, contender, figure)
    }
}

/// One figure of one contender over all rounds.
#[derive(Clone, Debug)]
pub(crate) struct Summary {
    /// MiB/s for throughput, the median round trip in ns for latency; the
    /// median over rounds either way.
    pub(crate) value: f64,
    /// Latency only: the 99th-percentile round trip in ns, median over rounds.
    pub(crate) p99: Option<f64>,
    /// The median over rounds of `value` divided by the baseline's `value`
    /// in the same round.
    pub(crate) ratio: f64,
    /// Latency only: as `ratio`, for the 99th percentile.
    pub(crate) p99_ratio: Option<f64>,
    /// Allocations per write (throughput) or per round trip in the timed
    /// part, median over rounds.
    pub(crate) allocations_per_op: f64,
    /// `value` and `ratio` of each round, in round order: the spread behind
    /// the medians.
    pub(crate) per_round: Vec<f64>,
    pub(crate) per_round_ratio: Vec<f64>,
}

#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) contender: &'static str,
    /// In the order of [`Figure::ALL`].
    pub(crate) figures: [Summary; 4],
}

#[derive(Clone, Debug)]
pub(crate) struct FamilyTable {
    pub(crate) name: &'static str,
    pub(crate) key: &'static str,
    pub(crate) baseline: &'static str,
    pub(crate) rows: Vec<Row>,
}

#[derive(Clone, Debug)]
pub(crate) struct PlacementTables {
    pub(crate) placement: Placement,
    pub(crate) families: Vec<FamilyTable>,
}

/// Everything a report shows.
#[derive(Clone, Debug)]
pub(crate) struct Results {
    pub(crate) machine: Machine,
    pub(crate) plan: Plan,
    pub(crate) placements: Vec<PlacementTables>,
    pub(crate) pinning_note: Option<&'static str>,
    pub(crate) allocations: Vec<AllocationCount>,
    pub(crate) targets: Vec<Check>,
    pub(crate) elapsed: Duration,
}

fn primary(measurement: &Measurement) -> f64 {
    match measurement.value {
        Value::Throughput { mib_per_s } => mib_per_s,
        Value::RoundTrip { median_ns, .. } => median_ns,
    }
}

fn p99(measurement: &Measurement) -> Option<f64> {
    match measurement.value {
        Value::Throughput { .. } => None,
        Value::RoundTrip { p99_ns, .. } => Some(p99_ns),
    }
}

/// The tables of every placement from the records of every round.
pub(crate) fn summarize(
    placements: &[Placement],
    families: &[Family],
    records: &[Record],
) -> Vec<PlacementTables> {
    let summary = |placement, family, contender, figure| {
        let mine: Vec<&Record> = records
            .iter()
            .filter(|record| record.is(placement, family, contender, figure))
            .collect();
        let baseline = |round| {
            records
                .iter()
                .find(|record| record.round == round && record.is(placement, family, 0, figure))
                .map(|record| &record.measurement)
        };
        // The ratio of each round, for the measure `of`, to the baseline's.
        let ratios_of = |of: fn(&Measurement) -> Option<f64>| -> Vec<f64> {
            mine.iter()
                .filter_map(|record| Some(of(&record.measurement)? / of(baseline(record.round)?)?))
                .collect()
        };
        let ratios = |of| median(ratios_of(of));
        let per_round: Vec<f64> = mine
            .iter()
            .map(|record| primary(&record.measurement))
            .collect();
        let is_latency = !figure.is_throughput();
        Summary {
            value: median(per_round.iter().copied()),
            p99: is_latency
                .then(|| median(mine.iter().filter_map(|record| p99(&record.measurement)))),
            ratio: ratios(|measurement| Some(primary(measurement))),
            p99_ratio: is_latency.then(|| ratios(p99)),
            allocations_per_op: median(
                mine.iter()
                    .map(|record| record.measurement.allocations_per_op),
            ),
            per_round_ratio: ratios_of(|measurement| Some(primary(measurement))),
            per_round,
        }
    };
    placements
        .iter()
        .enumerate()
        .map(|(placement_index, &placement)| PlacementTables {
            placement,
            families: families
                .iter()
                .enumerate()
                .map(|(family_index, family)| FamilyTable {
                    name: family.name,
                    key: family.key,
                    baseline: family.baseline(),
                    rows: family
                        .contenders
                        .iter()
                        .enumerate()
                        .map(|(contender_index, contender)| Row {
                            contender: contender.name,
                            figures: Figure::ALL.map(|figure| {
                                summary(placement_index, family_index, contender_index, figure)
                            }),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}
