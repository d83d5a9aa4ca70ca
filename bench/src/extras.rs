//! What a binary adds to the suite: its own contenders, notes, targets and
//! peer transports (see [`main_with`](crate::main_with)).

use localipc_bench_engine::family::Contender;
use localipc_bench_engine::peer::CustomPeer;
use localipc_bench_engine::results::PlacementTables;
use localipc_bench_engine::targets::Check;

/// How a binary that runs the suite names itself in its help and errors.
#[derive(Clone, Copy, Debug)]
pub struct Program {
    /// The command's name.
    pub name: &'static str,
    /// What it measures, for the help (`None`: the suite's own text).
    pub about: Option<&'static str>,
}

impl Default for Program {
    /// The suite's own binary, `localipc-bench`.
    fn default() -> Self {
        Self {
            name: "localipc-bench",
            about: None,
        }
    }
}

/// What a binary adds to the suite; [`Extras::default`] adds nothing.
#[derive(Debug)]
pub struct Extras {
    /// The binary's name and description.
    pub program: Program,
    /// Contenders appended to a family's, each with the family's key
    /// (`shm`, `messages`, ...: the JSON's, as `--family` takes them). A
    /// contender of a family this OS does not measure is left out.
    pub contenders: Vec<(&'static str, Contender)>,
    /// Notes added to the report's, after the suite's.
    pub notes: Vec<String>,
    /// Targets added to the suite's, from the figures of every placement
    /// measured (reported, never enforced, like the suite's).
    pub targets: fn(&[PlacementTables]) -> Vec<Check>,
    /// Serves the peers of the extra contenders' `Transport::Custom`
    /// transports (see `localipc_bench_engine::peer::main_with`).
    pub peer: Option<CustomPeer>,
}

impl Default for Extras {
    fn default() -> Self {
        Self {
            program: Program::default(),
            contenders: Vec::new(),
            notes: Vec::new(),
            targets: |_| Vec::new(),
            peer: None,
        }
    }
}
