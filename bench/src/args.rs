//! The command line, declared with clap: modes, rounds, families and where
//! the results go. Bad input is a usage error of exit status 2; the hidden
//! `--peer` form is routed before clap sees it, since its arguments are the
//! engine's.

use std::path::{Path, PathBuf};

use clap::builder::PossibleValuesParser;
use clap::{CommandFactory, FromArgMatches, Parser};
use localipc_bench_engine::job::{KIB, MIB, Plan, Sizes};

use crate::families;

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    /// Run the suite.
    Run(Settings),
    /// Serve as the peer of one measurement (hidden; the suite starts it).
    Peer(Vec<String>),
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

/// Benchmarks of localipc against std, Tokio, async-io and interprocess
///
/// Measures localipc's local sockets, message sockets, shared-memory streams,
/// pipes and FIFOs side by side with std, Tokio, async-io, interprocess and
/// raw SOCK_SEQPACKET: throughput for 64 KiB and 4 KiB writes (one message
/// each for message sockets) and round-trip latency for 1 B and 64 B
/// messages, against a peer process, with the CPU time of both processes for
/// shared memory. Without --quick or --smoke: the full run, 7 rounds, about 6
/// minutes on 2 cores.
#[derive(Debug, Parser)]
#[command(
    name = "localipc-bench",
    // Not argv[0], which is a path, or `localipc-bench.exe` on Windows.
    bin_name = "localipc-bench",
    // As before clap: a flag given twice counts as given once, the last
    // value winning (`--family` still adds up).
    args_override_self = true,
    after_help = AFTER_HELP,
    max_term_width = 80
)]
struct Cli {
    /// 3 rounds of smaller transfers, for a first look
    #[arg(long, overrides_with = "smoke")]
    quick: bool,
    /// 1 round of tiny transfers, every byte checked (for CI)
    #[arg(long, overrides_with = "quick")]
    smoke: bool,
    /// Run N rounds instead of the mode's 7, 3 or 1
    #[arg(long, value_name = "N", value_parser = positive, allow_negative_numbers = true)]
    rounds: Option<usize>,
    /// Measure only this family (repeatable)
    #[arg(
        long = "family",
        value_name = "KEY",
        value_parser = PossibleValuesParser::new(families::keys())
    )]
    families: Vec<String>,
    /// Write the results as JSON to PATH
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write the results as Markdown to PATH
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Also draw each contender's ratio to its baseline as SVG
    #[arg(long, value_name = "PATH")]
    plot: Option<PathBuf>,
}

const AFTER_HELP: &str = "\
--smoke fails if any transfer is incomplete or corrupt. A family's KEY is its
key in the JSON; --family leaves out the targets of the families not measured.
The JSON and the Markdown go by default to bench-results/latest.json and
latest.md in the target directory; the table goes to stdout, progress to
stderr; --plot draws every ratio with its spread over rounds.

Exit status: 0 on success, 1 if the run fails (a transfer incomplete or
corrupt, a peer failing), 2 on a usage error.";

/// `--rounds`: a whole number of at least 1.
fn positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(rounds) if rounds > 0 => Ok(rounds),
        _ => Err("wants a positive whole number".to_owned()),
    }
}

/// The hidden argument that turns this process into a peer.
pub(crate) const PEER_FLAG: &str = "--peer";

/// Parses the arguments after the program name, for the suite's own
/// binary.
///
/// # Errors
/// As [`parse_as`].
#[cfg(test)]
pub(crate) fn parse(arguments: &[String]) -> Result<Command, clap::Error> {
    parse_as(arguments, &crate::Program::default())
}

/// Parses the arguments after the program name, for the binary `program`
/// (its name and description in the help and errors).
///
/// # Errors
/// Clap's error for bad input, and for `--help`, which [`clap::Error::exit`]
/// prints with the right stream and exit status (2 for a usage error).
pub(crate) fn parse_as(
    arguments: &[String],
    program: &crate::Program,
) -> Result<Command, clap::Error> {
    if arguments.first().map(String::as_str) == Some(PEER_FLAG) {
        return Ok(Command::Peer(arguments[1..].to_vec()));
    }
    let mut command = Cli::command().name(program.name).bin_name(program.name);
    if let Some(about) = program.about {
        command = command.about(about).long_about(about);
    }
    let matches = command.try_get_matches_from(
        std::iter::once(program.name).chain(arguments.iter().map(String::as_str)),
    )?;
    let cli = Cli::from_arg_matches(&matches)?;
    let mode = if cli.smoke {
        Mode::Smoke
    } else if cli.quick {
        Mode::Quick
    } else {
        Mode::Full
    };
    let results = results_dir();
    Ok(Command::Run(Settings {
        mode,
        rounds: cli.rounds,
        json: cli.json.unwrap_or_else(|| results.join("latest.json")),
        markdown: cli.markdown.unwrap_or_else(|| results.join("latest.md")),
        plot: cli.plot,
        families: cli.families,
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
    use clap::error::ErrorKind;

    use super::*;

    fn settings(arguments: &[&str]) -> Settings {
        let arguments: Vec<String> = arguments.iter().map(|a| a.to_string()).collect();
        match parse(&arguments) {
            Ok(Command::Run(settings)) => settings,
            other => panic!("{other:?}"),
        }
    }

    /// The kind and exit status of the error `arguments` give.
    fn error(arguments: &[&str]) -> (ErrorKind, i32) {
        let arguments: Vec<String> = arguments.iter().map(|a| a.to_string()).collect();
        match parse(&arguments) {
            Err(error) => (error.kind(), error.exit_code()),
            Ok(command) => panic!("{command:?}"),
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn another_binary_names_itself_in_its_help_and_errors() {
        let program = crate::Program {
            name: "other-bench",
            about: Some("Measures other things"),
        };
        let outcome = |arguments: &[&str]| {
            let arguments: Vec<String> = arguments.iter().map(|a| a.to_string()).collect();
            match parse_as(&arguments, &program) {
                Err(error) => error.render().to_string(),
                Ok(command) => panic!("{command:?}"),
            }
        };
        let help = outcome(&["--help"]);
        assert!(help.starts_with("Measures other things"), "{help}");
        assert!(help.contains("Usage: other-bench [OPTIONS]"), "{help}");
        assert!(!help.contains("localipc-bench"), "{help}");
        let usage = outcome(&["--bogus"]);
        assert!(usage.contains("Usage: other-bench"), "{usage}");
        // The suite's own binary keeps its name and text.
        let help = parse(&["--help".to_owned()])
            .unwrap_err()
            .render()
            .to_string();
        assert!(help.starts_with("Benchmarks of localipc"), "{help}");
        assert!(help.contains("Usage: localipc-bench [OPTIONS]"), "{help}");
    }

    #[test]
    fn every_mode_has_a_valid_plan() {
        for mode in [Mode::Full, Mode::Quick, Mode::Smoke] {
            assert!(mode.plan(None).rounds > 0, "{}", mode.name());
        }
        assert_eq!(Mode::Quick.plan(Some(9)).rounds, 9);
    }

    #[test]
    fn no_arguments_ask_for_the_full_run_into_the_default_files() {
        let settings = settings(&[]);
        assert_eq!(settings.mode, Mode::Full);
        assert_eq!(settings.rounds, None);
        assert_eq!(settings.json, results_dir().join("latest.json"));
        assert_eq!(settings.markdown, results_dir().join("latest.md"));
        assert_eq!(settings.plot, None);
        assert!(settings.families.is_empty());
    }

    #[test]
    fn the_last_mode_flag_wins() {
        assert_eq!(settings(&["--quick"]).mode, Mode::Quick);
        assert_eq!(settings(&["--smoke"]).mode, Mode::Smoke);
        assert_eq!(settings(&["--quick", "--smoke"]).mode, Mode::Smoke);
        assert_eq!(settings(&["--smoke", "--quick"]).mode, Mode::Quick);
    }

    #[test]
    fn rounds_take_a_positive_number_the_last_one_winning() {
        assert_eq!(settings(&["--rounds", "5"]).rounds, Some(5));
        assert_eq!(
            settings(&["--rounds", "5", "--rounds", "2"]).rounds,
            Some(2)
        );
        assert_eq!(error(&["--rounds", "0"]), (ErrorKind::ValueValidation, 2));
        assert_eq!(
            error(&["--rounds", "five"]),
            (ErrorKind::ValueValidation, 2)
        );
        assert_eq!(error(&["--rounds", "-1"]), (ErrorKind::ValueValidation, 2));
        assert_eq!(error(&["--rounds"]), (ErrorKind::InvalidValue, 2));
    }

    #[test]
    fn paths_are_taken_as_given() {
        let settings = settings(&["--json", "a.json", "--markdown", "b.md", "--plot", "c.svg"]);
        assert_eq!(settings.json, PathBuf::from("a.json"));
        assert_eq!(settings.markdown, PathBuf::from("b.md"));
        assert_eq!(settings.plot, Some(PathBuf::from("c.svg")));
        assert_eq!(error(&["--plot"]), (ErrorKind::InvalidValue, 2));
    }

    #[test]
    fn families_are_chosen_by_key_and_all_by_default() {
        assert!(settings(&["--quick"]).families.is_empty());
        // Keys of this OS's families (Windows has no `pipes`, say).
        let first = crate::families::keys()[0];
        assert_eq!(
            settings(&["--family", "shm", "--family", first]).families,
            ["shm", first]
        );
        assert_eq!(error(&["--family"]), (ErrorKind::InvalidValue, 2));
    }

    #[test]
    fn an_unknown_family_is_a_usage_error_naming_the_known_ones() {
        let arguments = ["--family".to_owned(), "nope".to_owned()];
        let error = match parse(&arguments) {
            Err(error) => error,
            Ok(command) => panic!("{command:?}"),
        };
        assert_eq!(
            (error.kind(), error.exit_code()),
            (ErrorKind::InvalidValue, 2)
        );
        let message = error.to_string();
        for key in families::keys() {
            assert!(message.contains(key), "{key} missing from {message}");
        }
    }

    #[test]
    fn unknown_arguments_are_usage_errors() {
        assert_eq!(error(&["--fast"]), (ErrorKind::UnknownArgument, 2));
        assert_eq!(error(&["shm"]), (ErrorKind::UnknownArgument, 2));
    }

    #[test]
    fn help_lists_every_flag_and_exits_with_success() {
        for flag in ["-h", "--help"] {
            let error = error(&[flag]);
            assert_eq!(error, (ErrorKind::DisplayHelp, 0), "{flag}");
        }
        let help = Cli::command().render_long_help().to_string();
        for flag in [
            "--quick",
            "--smoke",
            "--rounds <N>",
            "--family <KEY>",
            "--json <PATH>",
            "--markdown <PATH>",
            "--plot <PATH>",
            "--help",
        ] {
            assert!(help.contains(flag), "{flag} missing from {help}");
        }
        assert!(!help.contains(PEER_FLAG), "{help}");
    }

    #[test]
    fn the_peer_flag_hands_the_rest_to_the_engine() {
        let arguments: Vec<String> = [PEER_FLAG, "--quick", "x"].map(String::from).to_vec();
        match parse(&arguments) {
            Ok(Command::Peer(rest)) => assert_eq!(rest, ["--quick", "x"]),
            other => panic!("{other:?}"),
        }
    }
}
