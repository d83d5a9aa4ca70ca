//! The command line: modes, rounds and where the results go.

use std::path::{Path, PathBuf};

use localipc_bench_engine::job::{KIB, MIB, Plan, Sizes};

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    /// Run the suite.
    Run(Settings),
    /// Serve as the peer of one measurement (hidden; the suite starts it).
    Peer(Vec<String>),
    /// Print the usage.
    Help,
}

/// How much to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Full,
    Quick,
    Smoke,
}

impl Mode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Quick => "quick",
            Self::Smoke => "smoke",
        }
    }

    /// The mode's jobs, in `rounds` rounds or the mode's default; a smoke
    /// run checks every byte.
    pub(crate) fn plan(self, rounds: Option<usize>) -> Plan {
        let (default_rounds, sizes) = match self {
            Self::Full => (
                7,
                Sizes {
                    large_writes: (16 * MIB, 256 * MIB),
                    small_writes: (4 * MIB, 64 * MIB),
                    round_trips: (800, 8_000),
                },
            ),
            Self::Quick => (
                3,
                Sizes {
                    large_writes: (2 * MIB, 24 * MIB),
                    small_writes: (512 * KIB, 6 * MIB),
                    round_trips: (200, 1_500),
                },
            ),
            Self::Smoke => (
                1,
                Sizes {
                    large_writes: (256 * KIB, MIB),
                    small_writes: (64 * KIB, 256 * KIB),
                    round_trips: (20, 200),
                },
            ),
        };
        Plan {
            verify: self == Self::Smoke,
            ..Plan::new(rounds.unwrap_or(default_rounds), sizes)
        }
    }

    /// Writes and reads counted per primitive for the allocation figures.
    pub(crate) fn allocation_ops(self) -> u32 {
        if self == Self::Smoke { 1_000 } else { 10_000 }
    }
}

/// The settings of one run of the suite.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) mode: Mode,
    /// `None`: the mode's default.
    pub(crate) rounds: Option<usize>,
    pub(crate) json: PathBuf,
    pub(crate) markdown: PathBuf,
    /// Where to draw the ratios as SVG, if anywhere.
    pub(crate) plot: Option<PathBuf>,
    /// The keys of the families to measure; empty: every family.
    pub(crate) families: Vec<String>,
}

pub(crate) const USAGE: &str = "\
usage: localipc-bench [--quick | --smoke] [--rounds N] [--family KEY]...
                      [--json PATH] [--markdown PATH] [--plot PATH]

Measures localipc's local sockets, message sockets, shared-memory streams,
pipes and FIFOs side by side with std, Tokio, async-io, interprocess and raw
SOCK_SEQPACKET: throughput for 64 KiB and 4 KiB writes (one message each for
message sockets) and round-trip latency for 1 B and 64 B messages, against a
peer process, with the CPU time of both processes for shared memory.

  (default)        the full run: 7 rounds, about 6 minutes on 2 cores
  --quick          3 rounds of smaller transfers, for a first look
  --smoke          1 round of tiny transfers with every byte checked (for CI);
                   fails if any transfer is incomplete or corrupt
  --rounds N       repeat N rounds instead of the mode's default
  --family KEY     measure only this family (repeatable): its key in the JSON,
                   such as shm or sockets; the targets of the others are left out
  --json PATH      write the results as JSON (default:
                   <target dir>/bench-results/latest.json)
  --markdown PATH  write the results as Markdown (default:
                   <target dir>/bench-results/latest.md)
  --plot PATH      also draw every contender's ratio to its family's baseline,
                   with its spread over rounds, as an SVG picture
  -h, --help       print this text
";

/// The hidden argument that turns this process into a peer.
pub(crate) const PEER_FLAG: &str = "--peer";

/// Parses the arguments after the program name.
pub(crate) fn parse(arguments: &[String]) -> Result<Command, String> {
    if arguments.first().map(String::as_str) == Some(PEER_FLAG) {
        return Ok(Command::Peer(arguments[1..].to_vec()));
    }
    let mut mode = Mode::Full;
    let mut rounds = None;
    let mut json = None;
    let mut markdown = None;
    let mut plot = None;
    let mut families = Vec::new();
    let mut rest = arguments.iter();
    while let Some(argument) = rest.next() {
        let mut value = |flag: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match argument.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--quick" => mode = Mode::Quick,
            "--smoke" => mode = Mode::Smoke,
            "--rounds" => {
                let text = value("--rounds")?;
                match text.parse::<usize>() {
                    Ok(n) if n > 0 => rounds = Some(n),
                    _ => return Err(format!("--rounds wants a positive number, not {text:?}")),
                }
            }
            "--json" => json = Some(PathBuf::from(value("--json")?)),
            "--markdown" => markdown = Some(PathBuf::from(value("--markdown")?)),
            "--plot" => plot = Some(PathBuf::from(value("--plot")?)),
            "--family" => families.push(value("--family")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let results = results_dir();
    Ok(Command::Run(Settings {
        mode,
        rounds,
        json: json.unwrap_or_else(|| results.join("latest.json")),
        markdown: markdown.unwrap_or_else(|| results.join("latest.md")),
        plot,
        families,
    }))
}

/// `bench-results` in the target directory this binary was built into
/// (`<target>/release/localipc-bench`), or `target/bench-results` below the
/// current directory when the binary lives elsewhere.
fn results_dir() -> PathBuf {
    let exe = std::env::current_exe().ok();
    let profile_dir = exe.as_deref().and_then(Path::parent);
    match profile_dir.and_then(|dir| Some((dir.file_name()?, dir.parent()?))) {
        Some((profile, target)) if profile == "release" || profile == "debug" => {
            target.join("bench-results")
        }
        _ => PathBuf::from("target").join("bench-results"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_has_a_valid_plan() {
        for mode in [Mode::Full, Mode::Quick, Mode::Smoke] {
            assert!(mode.plan(None).rounds > 0, "{}", mode.name());
        }
        assert_eq!(Mode::Quick.plan(Some(9)).rounds, 9);
    }

    #[test]
    fn plot_takes_a_path_and_is_off_by_default() {
        let settings = |arguments: &[&str]| {
            let arguments: Vec<String> = arguments.iter().map(|a| a.to_string()).collect();
            match parse(&arguments) {
                Ok(Command::Run(settings)) => settings,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(settings(&["--smoke"]).plot, None);
        assert_eq!(
            settings(&["--plot", "ratios.svg"]).plot,
            Some(PathBuf::from("ratios.svg"))
        );
        assert!(parse(&["--plot".to_owned()]).is_err());
    }

    #[test]
    fn families_are_chosen_by_key_and_all_by_default() {
        let families = |arguments: &[&str]| {
            let arguments: Vec<String> = arguments.iter().map(|a| a.to_string()).collect();
            match parse(&arguments) {
                Ok(Command::Run(settings)) => settings.families,
                other => panic!("{other:?}"),
            }
        };
        assert!(families(&["--quick"]).is_empty());
        assert_eq!(
            families(&["--family", "shm", "--family", "pipes"]),
            ["shm", "pipes"]
        );
        assert!(parse(&["--family".to_owned()]).is_err());
    }
}
