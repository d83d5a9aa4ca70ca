//! Command-line parsing: a handful of subcommands and flags, by hand.

use std::ffi::OsString;
use std::io;

use localipc::identity::{Group, User};
use localipc::local_socket::{Access, ExpectedServer, Name};

pub(crate) const USAGE: &str = "\
localipc: every local IPC primitive from the shell

Usage:
  localipc listen [--path] [--keep] [--echo] [--access WHO] NAME
      Listen on a local socket and relay standard input and output to the
      client that connects (like `nc -lU`). --keep serves clients one after
      another instead of exiting after the first; --echo sends back what each
      client sends instead of relaying. --access says who may connect:
      current-user (the default), any-user, group:GROUP, or
      users:USER[,USER...]; this user and the superuser always may. Clients
      the listener refuses itself are reported on standard error.
  localipc connect [--path] [--expect-server WHO] NAME
      Connect to a local socket and relay standard input and output (like
      `nc -U`). When standard input ends, the sending side is shut down and
      the output is relayed until the peer closes. (Windows pipes have no
      half-close: there localipc waits until the peer has read everything,
      relays its output until it has been quiet for 200 ms, and closes.)
      --expect-server says whose server to talk to: current-user (this user
      or the superuser, the default), any-user, or user:USER; any other
      server is refused before a byte is sent.
  localipc names [--path] NAME
      Show what NAME resolves to on this OS.
  localipc bench [--quick] [--json]
      Measure throughput and round-trip latency of every primitive between
      this process and a second one it starts, in interleaved rounds, and
      show each figure's median with its lowest and highest round. On a
      2-core Linux machine --quick (5 short rounds) takes about 2 s and the
      default (7 longer rounds) about 5 s; where starting a process is slow
      it takes longer (--quick: about 25 s under Wine). --json prints the
      results as JSON instead of a table.

NAME is a namespaced name (an abstract socket on Linux, a socket file in a
private per-user directory on other Unixes, \\\\.\\pipe\\NAME on Windows);
with --path it is a filesystem path (on Windows, a \\\\.\\pipe\\ path).
USER and GROUP are names, or numeric ids on Unix and SIDs on Windows.

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
        access: Access,
    },
    Connect {
        name: Name,
        expected_server: ExpectedServer,
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
            let line = flags_and_name(rest, &["--path", "--keep", "--echo"], &["--access"])?;
            Ok(Command::Listen {
                name: to_name(&line.name, line.has("--path"))?,
                keep: line.has("--keep"),
                echo: line.has("--echo"),
                access: match line.value("--access") {
                    Some(text) => to_access(text)?,
                    None => Access::default(),
                },
            })
        }
        Some("connect") => {
            let line = flags_and_name(rest, &["--path"], &["--expect-server"])?;
            Ok(Command::Connect {
                name: to_name(&line.name, line.has("--path"))?,
                expected_server: match line.value("--expect-server") {
                    Some(text) => to_expected_server(text)?,
                    None => ExpectedServer::default(),
                },
            })
        }
        Some("names") => {
            let line = flags_and_name(rest, &["--path"], &[])?;
            Ok(Command::Names {
                name: to_name(&line.name, line.has("--path"))?,
            })
        }
        Some("bench") => {
            let flags = only_flags(rest, &["--quick", "--json"])?;
            Ok(Command::Bench {
                quick: flags.contains(&"--quick"),
                json: flags.contains(&"--json"),
            })
        }
        Some(crate::bench::PEER_ARGUMENT) => Ok(Command::Peer(
            rest.iter()
                .map(|arg| arg.to_string_lossy().into_owned())
                .collect(),
        )),
        _ => Err(format!("unknown command {:?}", subcommand.to_string_lossy()).into()),
    }
}

/// A subcommand's flags, options with values, and its one NAME.
struct Line<'a> {
    flags: Vec<&'a str>,
    values: Vec<(&'a str, String)>,
    name: OsString,
}

impl Line<'_> {
    fn has(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    fn value(&self, option: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(name, _)| *name == option)
            .map(|(_, value)| value.as_str())
    }
}

/// Splits `args` into known flags, known options with a value (`--option
/// VALUE` or `--option=VALUE`) and exactly one positional NAME.
fn flags_and_name<'a>(
    args: &[OsString],
    known: &[&'a str],
    valued: &[&'a str],
) -> Result<Line<'a>, String> {
    let mut line = Line {
        flags: Vec::new(),
        values: Vec::new(),
        name: OsString::new(),
    };
    let mut name = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some(text) if text.starts_with("--") => {
                let (option, inline) = match text.split_once('=') {
                    Some((option, value)) => (option, Some(value.to_owned())),
                    None => (text, None),
                };
                if let Some(option) = valued.iter().find(|known| **known == option) {
                    let value = match inline {
                        Some(value) => value,
                        None => args
                            .next()
                            .and_then(|value| value.to_str())
                            .ok_or_else(|| format!("{option} needs a value"))?
                            .to_owned(),
                    };
                    line.values.push((option, value));
                } else {
                    line.flags.push(flag(text, known)?);
                }
            }
            _ if name.is_some() => {
                return Err(format!("unexpected argument {:?}", arg.to_string_lossy()));
            }
            _ => name = Some(arg.clone()),
        }
    }
    line.name = name.ok_or("missing NAME")?;
    Ok(line)
}

/// A user by name, or by number (Unix) or SID (Windows).
fn to_user(text: &str) -> io::Result<User> {
    #[cfg(unix)]
    if let Ok(uid) = text.parse() {
        return Ok(<User as localipc::os::unix::identity::UserExt>::from_uid(
            uid,
        ));
    }
    #[cfg(windows)]
    if text.starts_with("S-") {
        return <User as localipc::os::windows::identity::UserExt>::from_sid(text);
    }
    User::from_name(text)
}

/// A group by name, or by number (Unix) or SID (Windows).
fn to_group(text: &str) -> io::Result<Group> {
    #[cfg(unix)]
    if let Ok(gid) = text.parse() {
        return Ok(<Group as localipc::os::unix::identity::GroupExt>::from_gid(
            gid,
        ));
    }
    #[cfg(windows)]
    if text.starts_with("S-") {
        return <Group as localipc::os::windows::identity::GroupExt>::from_sid(text);
    }
    Group::from_name(text)
}

/// `--access`: current-user, any-user, group:GROUP or users:USER[,USER...].
fn to_access(text: &str) -> Result<Access, Refusal> {
    let invalid = |error: io::Error| Refusal::Invalid(format!("--access {text}: {error}"));
    match text.split_once(':') {
        None if text == "current-user" => Ok(Access::current_user()),
        None if text == "any-user" => Ok(Access::any_user()),
        Some(("group", group)) => Ok(Access::group(to_group(group).map_err(invalid)?)),
        Some(("users", users)) => {
            let users: io::Result<Vec<User>> = users.split(',').map(to_user).collect();
            Ok(Access::users(users.map_err(invalid)?))
        }
        _ => Err(Refusal::Usage(format!(
            "--access takes current-user, any-user, group:GROUP or users:USER[,USER...], not {text:?}"
        ))),
    }
}

/// `--expect-server`: current-user, any-user or user:USER.
fn to_expected_server(text: &str) -> Result<ExpectedServer, Refusal> {
    let invalid = |error: io::Error| Refusal::Invalid(format!("--expect-server {text}: {error}"));
    match text.split_once(':') {
        None if text == "current-user" => Ok(ExpectedServer::current_user()),
        None if text == "any-user" => Ok(ExpectedServer::any_user()),
        Some(("user", user)) => Ok(ExpectedServer::user(to_user(user).map_err(invalid)?)),
        _ => Err(Refusal::Usage(format!(
            "--expect-server takes current-user, any-user or user:USER, not {text:?}"
        ))),
    }
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
