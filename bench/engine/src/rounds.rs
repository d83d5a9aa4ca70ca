//! Interleaved rounds: in every round, in each placement, for each figure,
//! every contender of each family back to back, starting one further along
//! the family every round, so slow drifts of the machine hit every
//! contender alike.

use std::io;
use std::time::{Duration, Instant};

use crate::affinity::Placement;
use crate::context::Context;
use crate::family::{Contender, Family};
use crate::job::{Figure, Plan};
use crate::measure::Measurement;
use crate::watchdog;

/// One measurement, with where it belongs.
#[derive(Clone, Copy, Debug)]
pub struct Record {
    /// The round, from 0.
    pub round: usize,
    /// An index into the run's placements.
    pub placement: usize,
    /// An index into the run's families.
    pub family: usize,
    /// An index into the family's contenders.
    pub contender: usize,
    /// The figure measured.
    pub figure: Figure,
    /// What was measured.
    pub measurement: Measurement,
}

/// Where a run is, for progress reports.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    /// A measurement starts.
    Measuring {
        /// The round, from 0.
        round: usize,
        /// The contender measured.
        contender: &'static str,
        /// The figure measured.
        figure: Figure,
    },
    /// A round has ended.
    RoundDone {
        /// The round, from 0.
        round: usize,
        /// Time since the first round started.
        elapsed: Duration,
    },
}

/// Measures every round of `plan`, telling `progress` where it is. The
/// watchdog must have been started.
///
/// # Errors
///
/// The first failed measurement, naming its contender, figure, placement
/// and round; or the error of placing this process.
pub fn measure_rounds(
    context: &Context,
    plan: &Plan,
    placements: &[Placement],
    families: &[Family],
    mut progress: impl FnMut(Progress),
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
                        progress(Progress::Measuring {
                            round,
                            contender: contender.name,
                            figure,
                        });
                        let measurement =
                            measure_one(context, plan, contender, figure).map_err(|error| {
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
                            })?;
                        records.push(Record {
                            round,
                            placement: placement_index,
                            family: family_index,
                            contender: contender_index,
                            figure,
                            measurement,
                        });
                    }
                }
            }
            if let Some(saved) = saved {
                saved.restore()?;
            }
        }
        progress(Progress::RoundDone {
            round,
            elapsed: started.elapsed(),
        });
    }
    Ok(records)
}

fn measure_one(
    context: &Context,
    plan: &Plan,
    contender: Contender,
    figure: Figure,
) -> io::Result<Measurement> {
    watchdog::arm(figure.title(), contender.name, plan.step_limit);
    let measurement = (contender.run)(context, plan.job(figure));
    watchdog::disarm();
    measurement
}
