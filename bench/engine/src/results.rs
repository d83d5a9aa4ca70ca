//! From the measurements of every round to the figures reported: medians
//! and spreads over rounds, and medians of the per-round ratios to the
//! baseline.

use crate::affinity::Placement;
use crate::family::Family;
use crate::job::Figure;
use crate::measure::{Measurement, Value};
use crate::rounds::Record;
use crate::stats::{median, range};

/// One figure of one contender over all rounds.
#[derive(Clone, Debug)]
pub struct Summary {
    /// MiB/s for throughput, the median round trip in ns for latency; the
    /// median over rounds either way.
    pub value: f64,
    /// The lowest of `value` over rounds.
    pub lowest: f64,
    /// The highest of `value` over rounds.
    pub highest: f64,
    /// Latency only: the 99th-percentile round trip in ns, median over rounds.
    pub p99: Option<f64>,
    /// The median over rounds of `value` divided by the baseline's `value`
    /// in the same round; `None` in a family without a baseline.
    pub ratio: Option<f64>,
    /// Latency only: as `ratio`, for the 99th percentile.
    pub p99_ratio: Option<f64>,
    /// Allocations per write (throughput) or per round trip in the timed
    /// part, median over rounds; `None` where they are not counted.
    pub allocations_per_op: Option<f64>,
    /// CPU time in ns of both processes per write (throughput) or per
    /// round trip in the timed part, median over rounds; `None` where it
    /// is not known in every round (see [`cpu`](crate::cpu)).
    pub cpu_ns_per_op: Option<f64>,
    /// `value` of each round, in round order: the spread behind the median.
    pub per_round: Vec<f64>,
    /// The ratio of each round, in round order (empty without a baseline).
    pub per_round_ratio: Vec<f64>,
}

/// Every figure of one contender.
#[derive(Clone, Debug)]
pub struct Row {
    /// The contender's name.
    pub contender: &'static str,
    /// In the order of [`Figure::ALL`].
    pub figures: [Summary; 4],
}

/// The rows of one family in one placement.
#[derive(Clone, Debug)]
pub struct FamilyTable {
    /// A heading for people.
    pub name: &'static str,
    /// The family's name in the JSON output.
    pub key: &'static str,
    /// The contender the ratios are taken against, if any.
    pub baseline: Option<&'static str>,
    /// One row per contender, in the family's order.
    pub rows: Vec<Row>,
}

/// Every family's table in one placement.
#[derive(Clone, Debug)]
pub struct PlacementTables {
    /// Where the processes ran.
    pub placement: Placement,
    /// In the run's order of families.
    pub families: Vec<FamilyTable>,
}

impl PlacementTables {
    /// The row of `contender` in the family keyed `family`, if both ran.
    pub fn row(&self, family: &str, contender: &str) -> Option<&Row> {
        self.families
            .iter()
            .find(|table| table.key == family)?
            .rows
            .iter()
            .find(|row| row.contender == contender)
    }
}

impl Record {
    fn is(&self, placement: usize, family: usize, contender: usize, figure: Figure) -> bool {
        (self.placement, self.family, self.contender, self.figure)
            == (placement, family, contender, figure)
    }
}

fn primary(measurement: &Measurement) -> Option<f64> {
    match measurement.value {
        Value::Throughput { mib_per_s } => Some(mib_per_s),
        Value::RoundTrip { median_ns, .. } => Some(median_ns),
    }
}

fn p99(measurement: &Measurement) -> Option<f64> {
    match measurement.value {
        Value::Throughput { .. } => None,
        Value::RoundTrip { p99_ns, .. } => Some(p99_ns),
    }
}

/// The tables of every placement from the records of every round.
pub fn summarize(
    placements: &[Placement],
    families: &[Family],
    records: &[Record],
) -> Vec<PlacementTables> {
    let summary = |placement, family: usize, contender, figure| {
        let mine: Vec<&Record> = records
            .iter()
            .filter(|record| record.is(placement, family, contender, figure))
            .collect();
        let compared = families[family].compared;
        let baseline = |round| {
            records
                .iter()
                .find(|record| record.round == round && record.is(placement, family, 0, figure))
                .map(|record| &record.measurement)
        };
        // The ratio of each round, for the measure `of`, to the baseline's.
        let ratios_of = |of: fn(&Measurement) -> Option<f64>| -> Vec<f64> {
            if !compared {
                return Vec::new();
            }
            mine.iter()
                .filter_map(|record| Some(of(&record.measurement)? / of(baseline(record.round)?)?))
                .collect()
        };
        let ratio = |of: fn(&Measurement) -> Option<f64>| {
            Some(ratios_of(of)).filter(|_| compared).map(median)
        };
        let per_round: Vec<f64> = mine
            .iter()
            .filter_map(|record| primary(&record.measurement))
            .collect();
        let (lowest, highest) = range(per_round.iter().copied());
        let is_latency = !figure.is_throughput();
        Summary {
            value: median(per_round.iter().copied()),
            lowest,
            highest,
            p99: is_latency
                .then(|| median(mine.iter().filter_map(|record| p99(&record.measurement)))),
            ratio: ratio(primary),
            p99_ratio: ratio(p99).filter(|_| is_latency),
            allocations_per_op: mine
                .iter()
                .map(|record| record.measurement.allocations_per_op)
                .collect::<Option<Vec<f64>>>()
                .map(median),
            cpu_ns_per_op: mine
                .iter()
                .map(|record| record.measurement.cpu_ns_per_op)
                .collect::<Option<Vec<f64>>>()
                .map(median),
            per_round_ratio: ratios_of(primary),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::Contender;

    fn family(compared: bool) -> Family {
        let run: crate::family::Run = |_, _| unreachable!("never measured");
        Family {
            name: "test",
            key: "test",
            contenders: vec![
                Contender { name: "base", run },
                Contender { name: "other", run },
            ],
            compared,
        }
    }

    /// Round trips of `median_ns` for contender `contender` in `round`.
    fn record(round: usize, contender: usize, median_ns: f64) -> Record {
        Record {
            round,
            placement: 0,
            family: 0,
            contender,
            figure: Figure::RoundTrip1,
            measurement: Measurement {
                value: Value::RoundTrip {
                    median_ns,
                    p99_ns: 2.0 * median_ns,
                },
                allocations_per_op: None,
                cpu_ns_per_op: Some(median_ns / 2.0),
            },
        }
    }

    fn records() -> Vec<Record> {
        // The baseline drifts; "other" is twice as slow in every round.
        [10.0, 30.0, 20.0]
            .into_iter()
            .enumerate()
            .flat_map(|(round, base)| [record(round, 0, base), record(round, 1, 2.0 * base)])
            .collect()
    }

    fn summary_of_other(compared: bool) -> Summary {
        let tables = summarize(&[Placement::Unpinned], &[family(compared)], &records());
        tables[0].families[0].rows[1].figures[Figure::RoundTrip1.index()].clone()
    }

    #[test]
    fn a_figure_is_the_median_over_rounds_with_its_range() {
        let summary = summary_of_other(true);
        assert_eq!(summary.value, 40.0);
        assert_eq!((summary.lowest, summary.highest), (20.0, 60.0));
        assert_eq!(summary.p99, Some(80.0));
        assert_eq!(summary.per_round, [20.0, 60.0, 40.0]);
        assert_eq!(summary.allocations_per_op, None);
        assert_eq!(summary.cpu_ns_per_op, Some(20.0));
    }

    #[test]
    fn ratios_are_taken_within_each_round() {
        let summary = summary_of_other(true);
        assert_eq!(summary.ratio, Some(2.0));
        assert_eq!(summary.p99_ratio, Some(2.0));
        assert_eq!(summary.per_round_ratio, [2.0, 2.0, 2.0]);
    }

    #[test]
    fn a_family_without_baseline_has_no_ratios() {
        let summary = summary_of_other(false);
        assert_eq!((summary.ratio, summary.p99_ratio), (None, None));
        assert!(summary.per_round_ratio.is_empty());
    }
}
