//! The measured side over blocking `Read` and `Write` ends.

use std::io::{self, Read, Write};
use std::time::Instant;

use super::{Clock, Measurement, Plan, check_ack};
use crate::job::Job;

/// Runs `job`, writing to `writer` and reading the peer's answers from
/// `reader`. Both are dropped on return, which ends the peer's stream.
pub(crate) fn run(
    mut writer: impl Write,
    mut reader: impl Read,
    job: Job,
) -> io::Result<Measurement> {
    match Plan::new(job) {
        Plan::Throughput(writes) => {
            for index in 0..writes.warm_writes {
                writer.write_all(writes.chunk(index))?;
            }
            read_ack(&mut reader)?;
            let clock = Clock::start();
            for index in writes.warm_writes..writes.all_writes {
                writer.write_all(writes.chunk(index))?;
            }
            read_ack(&mut reader)?;
            Ok(writes.finish(&clock))
        }
        Plan::RoundTrip(mut trips) => {
            for index in 0..trips.warm {
                let (message, echo) = trips.prepare(index);
                writer.write_all(message)?;
                reader.read_exact(echo)?;
                trips.check(index)?;
            }
            let clock = Clock::start();
            for index in trips.warm..trips.warm + trips.count {
                let (message, echo) = trips.prepare(index);
                let started = Instant::now();
                writer.write_all(message)?;
                reader.read_exact(echo)?;
                trips.record(index, started)?;
            }
            Ok(trips.finish(&clock))
        }
    }
}

fn read_ack(reader: &mut impl Read) -> io::Result<()> {
    let mut ack = [0];
    reader.read_exact(&mut ack)?;
    check_ack(ack[0])
}
