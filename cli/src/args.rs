//! Command-line parsing: a handful of subcommands and flags, by hand.

use std::ffi::OsString;
use std::io;

use localipc::local_socket::Name;

pub(crate) const USAGE: &str = "\
localipc: every local IPC primitive from the shell

Usage:
  localipc listen [--path] [--keep] [--echo] NAME
      Listen on a local socket and relay standard input and output to the
      client that connects (like `nc -lU`). --keep serves clients one after
      another instead of exiting after the first; --echo sends back what each
      client sends instead of relaying.
  localipc connect [--path] NAME
      Connect to a local socket and relay standard input and output (like
      `nc -U`). When standard input ends, the sending side is shut down and
      the output is relayed until the peer closes. (Windows pipes have no
      half-close: there localipc waits until the peer has read everything,
      relays its output until it has been quiet for 200 ms, and closes.)
  localipc names [--path] NAME
      Show what NAME resolves to on this OS.
  localipc bench [--quick] [--json]
      Measure throughput and round-trip latency of every primitive between
      this process and a second one it starts. --quick takes a few seconds;
      --json prints the results as JSON instead of a table.

NAME is a namespaced name (an abstract socket on Linux, a socket file in a
private per-user directory on other Unixes, \\\\.\\pipe\\NAME on Windows);
with --path it is a filesystem path (on Windows, a \\\\.\\pipe\\ path).

Exit status: 0 on success, 1 on an error (one line on standard error), 2 on
a usage error.
";

pub(crate) const USAGE_HINT: &str = "Run `localipc --help` for usage.";

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    Help,
    Version,
    Listen {
        name: Name,
        keep: bool,
        echo: bool,
    },
    Connect {
        name: Name,
    },
    Names {
        name: Name,
    },
    Bench {
        quick: bool,
        json: bool,
    },
    /// The hidden second process of `bench`.
    Peer(Vec<String>),
}

/// Why the command line was not accepted.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The command line is malformed: exit status 2, with a usage hint.
    Usage(String),
    /// It is well formed but names something invalid, such as a bad NAME:
    /// exit status 1, one line.
    Invalid(String),
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Refusal::Usage(message)
    }
}

impl From<&str> for Refusal {
    fn from(message: &str) -> Self {
        Refusal::Usage(message.to_owned())
    }
}

/// Parses the arguments after the program name.
pub(crate) fn parse(args: impl Iterator<Item = OsString>) -> Result<Command, Refusal> {
    let args: Vec<OsString> = args.collect();
    let Some(subcommand) = args.first() else {
        return Err("no command given".into());
    };
    let rest = &args[1..];
    match subcommand.to_str() {
        Some("-h" | "--help" | "help") => Ok(Command::Help),
        Some("-V" | "--version") => Ok(Command::Version),
        Some("listen") => {
            let (flags, name) = flags_and_name(rest, &["--path", "--keep", "--echo"])?;
            Ok(Command::Listen {
                name: to_name(&name, flags.contains(&"--path"))?,
                keep: flags.contains(&"--keep"),
                echo: flags.contains(&"--echo"),
            })
        }
        Some("connect") => {
            let (flags, name) = flags_and_name(rest, &["--path"])?;
            Ok(Command::Connect {
                name: to_name(&name, flags.contains(&"--path"))?,
            })
        }
        Some("names") => {
            let (flags, name) = flags_and_name(rest, &["--path"])?;
            Ok(Command::Names {
                name: to_name(&name, flags.contains(&"--path"))?,
            })
        }
        Some("bench") => {
            let flags = only_flags(rest, &["--quick", "--json"])?;
            Ok(Command::Bench {
                quick: flags.contains(&"--quick"),
                json: flags.contains(&"--json"),
            })
        }
        Some("__peer") => Ok(Command::Peer(
            rest.iter()
                .map(|arg| arg.to_string_lossy().into_owned())
                .collect(),
        )),
        _ => Err(format!("unknown command {:?}", subcommand.to_string_lossy()).into()),
    }
}

/// Splits `args` into known flags and exactly one positional NAME.
fn flags_and_name<'a>(
    args: &[OsString],
    known: &[&'a str],
) -> Result<(Vec<&'a str>, OsString), String> {
    let mut flags = Vec::new();
    let mut name = None;
    for arg in args {
        match arg.to_str() {
            Some(text) if text.starts_with("--") => flags.push(flag(text, known)?),
            _ if name.is_some() => {
                return Err(format!("unexpected argument {:?}", arg.to_string_lossy()));
            }
            _ => name = Some(arg.clone()),
        }
    }
    let name = name.ok_or("missing NAME")?;
    Ok((flags, name))
}

fn only_flags<'a>(args: &[OsString], known: &[&'a str]) -> Result<Vec<&'a str>, Refusal> {
    args.iter()
        .map(|arg| match arg.to_str() {
            Some(text) => flag(text, known).map_err(Refusal::Usage),
            None => Err(format!("unexpected argument {:?}", arg.to_string_lossy()).into()),
        })
        .collect()
}

fn flag<'a>(text: &str, known: &[&'a str]) -> Result<&'a str, String> {
    known
        .iter()
        .find(|flag| **flag == text)
        .copied()
        .ok_or_else(|| format!("unknown option {text:?}"))
}

fn to_name(name: &OsString, path: bool) -> Result<Name, Refusal> {
    let result: io::Result<Name> = if path {
        Name::path(name)
    } else {
        Name::namespaced(name)
    };
    // The library's advice names its API; on the command line it is a flag.
    result.map_err(|error| Refusal::Invalid(error.to_string().replace("`Name::path`", "--path")))
}
