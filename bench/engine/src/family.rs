//! Contenders and the families they are compared in.

use std::io;

use crate::context::Context;
use crate::job::Job;
use crate::measure::Measurement;

/// Runs one job of one contender against a fresh peer (see [`link`](crate::link)).
pub type Run = fn(&Context, Job) -> io::Result<Measurement>;

/// One way of doing a family's jobs: a library, a primitive, an option.
#[derive(Clone, Copy, Debug)]
pub struct Contender {
    /// Its name in the results.
    pub name: &'static str,
    /// What measures it.
    pub run: Run,
}

/// Contenders measured side by side, in turn within each round.
#[derive(Debug)]
pub struct Family {
    /// A heading for people.
    pub name: &'static str,
    /// The family's name in the JSON output.
    pub key: &'static str,
    /// The contenders, the baseline first when there is one.
    pub contenders: Vec<Contender>,
    /// Whether the first contender is a baseline that the others' ratios
    /// are taken against.
    pub compared: bool,
}

impl Family {
    /// The baseline's name, if the family has one.
    pub fn baseline(&self) -> Option<&'static str> {
        self.contenders
            .first()
            .filter(|_| self.compared)
            .map(|contender| contender.name)
    }
}
