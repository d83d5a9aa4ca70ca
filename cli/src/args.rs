//! The command line, declared with clap: every verb, its options and its
//! help. Values that need a lookup (users, groups) or that the library
//! checks (names) are only parsed here; turning them into library values is
//! an error of exit status 1 (`who.rs`, `main.rs`), not a usage error.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

/// What NAME is, for the help of the tool and of the local-socket verbs
/// (a macro, so that `concat!` can put the texts together).
macro_rules! names_paragraph {
    () => {
        "NAME is a namespaced name (an abstract socket on Linux, a socket file in a
private per-user directory on other Unixes, \\\\.\\pipe\\NAME on Windows); with
--path it is a filesystem path (on Windows, a \\\\.\\pipe\\ path).

"
    };
}

/// The exit statuses, after every help.
macro_rules! exit_status {
    () => {
        "Exit status: 0 on success, 1 on an error (one line on standard error), 2 on
a usage error"
    };
}

const TOOL_AFTER_HELP: &str = concat!(
    names_paragraph!(),
    exit_status!(),
    "; `spawn` exits with its command's status."
);
const NAME_AFTER_HELP: &str = concat!(names_paragraph!(), exit_status!(), ".");
const AFTER_HELP: &str = concat!(exit_status!(), ".");

/// Every local IPC primitive from the shell.
///
/// `listen` and `connect` relay standard input and output over a local
/// socket, like `nc -lU` and `nc -U`: what one side reads from its standard
/// input the other writes to its standard output, both ways at once. When
/// standard input ends, the sending side is shut down and the output is
/// relayed until the peer closes. `named-pipe listen` and `named-pipe
/// connect` (Windows) relay the same way over a named pipe, in byte or
/// message mode; `fifo send` and `fifo recv` (Unix) copy standard input into
/// a FIFO and out of one; `spawn` runs a command with its standard input and
/// output on unnamed pipes; `bench` measures them all.
#[derive(Debug, Parser)]
#[command(
    name = "localipc",
    // Not argv[0], which is `localipc.exe` on Windows.
    bin_name = "localipc",
    version,
    after_help = TOOL_AFTER_HELP,
    arg_required_else_help = true,
    max_term_width = 80
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What the command line asks for.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve a local socket and relay stdin/stdout (like `nc -lU`)
    ///
    /// Listens on NAME and relays standard input and output to the client
    /// that connects. Serves one client and exits when it is done, or with --keep one
    /// client after another. Clients the access policy refuses are reported
    /// on standard error and never see a byte. With --path it creates the
    /// socket file and NAME.lock, the lock that says who owns the name, and
    /// removes both when it ends, on SIGINT (Ctrl-C) and SIGTERM too: it
    /// then dies of the signal, so a shell sees status 130 or 143.
    #[command(after_help = NAME_AFTER_HELP)]
    Listen(ListenArgs),
    /// Connect to a local socket and relay stdin/stdout (like `nc -U`)
    ///
    /// Connects to NAME and relays standard input and output. When standard
    /// input ends, the sending side is shut down and the
    /// output is relayed until the peer closes. (Windows pipes have no
    /// half-close: there localipc waits until the peer has read everything,
    /// relays its output until it has been quiet for 200 ms, and closes.)
    /// The server is checked before a byte is sent (see --expect-server).
    #[command(after_help = NAME_AFTER_HELP)]
    Connect(ConnectArgs),
    /// Show what NAME resolves to on this OS
    #[command(after_help = NAME_AFTER_HELP)]
    Names(NameArgs),
    /// Run a command with its stdin and stdout on unnamed pipes
    ///
    /// An unnamed pipe has no name to give on a command line: the only way
    /// to use one is for a process to create it and hand an end to a child.
    /// This does that: it creates two localipc pipes, runs COMMAND with one
    /// as its standard input and the other as its standard output, and
    /// relays its own standard input and output through them. With
    /// --input-var or --output-var the child gets that pipe end through a
    /// localipc handoff instead (the variable holds its descriptor or handle,
    /// as `Receiver::from_handoff` and `Sender::from_handoff` expect), which
    /// tries out a program that takes its pipes that way; the child's own
    /// standard input is then empty, and its standard output is localipc's.
    ///
    /// Exits with COMMAND's exit status (128 + the signal's number if a
    /// signal ended it), or 1 if COMMAND cannot be run; 2 on a usage error.
    Spawn(SpawnArgs),
    /// Send this process's stdin and stdout to a `take` (descriptor passing)
    ///
    /// Connects to NAME, where `localipc take` listens, and sends it the
    /// descriptors (handles on Windows) of its own standard input and
    /// output, not what flows through them: the taker's command then reads
    /// and writes them directly, with no copy through the socket. Waits for
    /// that command to end and exits with its status. The server is checked
    /// before anything is sent (see --expect-server).
    #[command(after_help = NAME_AFTER_HELP)]
    Pass(PassArgs),
    /// Take a `pass`'s stdin and stdout and run a command on them
    ///
    /// Listens on NAME for one `localipc pass`, runs COMMAND with the
    /// standard input and output that process sent as its own, tells it the
    /// command's exit status and exits with it (128 + the signal's number if
    /// a signal ended it; 1 if COMMAND cannot be run).
    #[command(after_help = NAME_AFTER_HELP)]
    Take(TakeArgs),
    /// Create a FIFO, send stdin into one, or receive from one (Unix)
    #[cfg(unix)]
    #[command(subcommand)]
    Fifo(FifoCommand),
    /// Serve or open a named pipe and relay stdin/stdout (Windows)
    #[cfg(windows)]
    #[command(subcommand)]
    NamedPipe(NamedPipeCommand),
    /// Measure every primitive between two processes
    ///
    /// Measures throughput and round-trip latency of every primitive between
    /// this process and a second one it starts, in interleaved rounds, and
    /// shows each figure's median with its lowest and highest round. Which
    /// primitives: local sockets (namespaced and path names), unnamed pipes,
    /// FIFOs on Unix or named pipes (byte and message mode) on Windows,
    /// shared-memory streams with the default spin and with spin off against
    /// std's Unix socket (a std File on a named pipe on Windows), and (Linux,
    /// Android, Windows) the blocking message socket against the raw
    /// transport under it: SOCK_SEQPACKET, or a message-mode named pipe.
    /// The shared-memory and message-socket rows are held to targets,
    /// printed as yes/NO lines (reported, not enforced).
    /// On a 2-core Linux machine --quick (5 rounds, fewer small writes and
    /// round trips) takes about 6 s and the default (7 rounds) 10 to 30 s,
    /// the more where a wake-up on the other CPU is slow; where starting a
    /// process is slow it takes longer (--quick: about 40 s under Wine).
    #[command(after_help = AFTER_HELP)]
    Bench(BenchArgs),
    /// Print a shell completion script
    ///
    /// Prints the completion script for SHELL on standard output, for
    /// example: `localipc completions bash >
    /// ~/.local/share/bash-completion/completions/localipc`.
    #[command(after_help = AFTER_HELP)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// A local socket name as given: a namespaced name, or a path.
#[derive(Debug, Args)]
pub(crate) struct NameArgs {
    /// NAME is a filesystem path (on Windows, a \\.\pipe\ path) rather than
    /// a namespaced name.
    #[arg(long)]
    pub(crate) path: bool,
    /// The local socket's name.
    #[arg(value_name = "NAME")]
    pub(crate) name: OsString,
}

/// `listen`.
#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// NAME is a filesystem path (on Windows, a \\.\pipe\ path) rather than
    /// a namespaced name.
    #[arg(long)]
    pub(crate) path: bool,
    /// The local socket's name (none with --activated).
    #[cfg_attr(
        unix,
        arg(
            value_name = "NAME",
            required_unless_present = "activated",
            conflicts_with = "activated"
        )
    )]
    #[cfg_attr(not(unix), arg(value_name = "NAME", required = true))]
    pub(crate) name: Option<OsString>,
    /// Serve the listening socket a service manager passed (systemd's
    /// LISTEN_FDS protocol) instead of binding NAME: a stream socket, or a
    /// SOCK_SEQPACKET socket with --messages. With several, the first, or
    /// the one --fd-name names. Clients are checked against --access as
    /// they connect; the socket file is the manager's and is left alone.
    #[cfg(unix)]
    #[arg(long, conflicts_with_all = ["path", "shm"])]
    pub(crate) activated: bool,
    /// With --activated: serve the socket of this name (its LISTEN_FDNAMES
    /// entry, systemd's FileDescriptorName=) instead of the first.
    #[cfg(unix)]
    // `requires` alone lets NAME through: clap excuses a missing
    // --activated that conflicts with a NAME given.
    #[arg(
        long,
        value_name = "NAME",
        requires = "activated",
        conflicts_with = "name"
    )]
    pub(crate) fd_name: Option<String>,
    #[command(flatten)]
    pub(crate) serving: Serving,
    /// Who may connect: current-user (the default), any-user, group:GROUP or
    /// user:USER[,USER...]; this user and the superuser always may. USER
    /// and GROUP are names, or numeric ids on Unix and SIDs on Windows.
    #[arg(long, value_name = "WHO", value_parser = parse_access)]
    pub(crate) access: Option<Who<AccessKind>>,
    /// Serve a message socket: each line of input is one message, each
    /// message received one line of output (empty lines are not sent).
    #[cfg(message_sockets)]
    #[arg(long)]
    pub(crate) messages: bool,
    /// Serve a shared-memory channel (set up over a local socket of this
    /// name, with its access policy): the fastest byte stream between two
    /// processes; connect with `connect --shm`.
    #[cfg_attr(message_sockets, arg(long, conflicts_with = "messages"))]
    #[cfg_attr(not(message_sockets), arg(long))]
    pub(crate) shm: bool,
}

/// How a listener serves its clients; shared by every listening verb.
#[derive(Debug, Args)]
pub(crate) struct Serving {
    /// Serve clients one after another instead of exiting after the first.
    #[arg(long)]
    pub(crate) keep: bool,
    /// Send back what each client sends instead of relaying standard input
    /// and output.
    #[arg(long)]
    pub(crate) echo: bool,
}

impl ListenArgs {
    /// The name to bind, as the other verbs take it; `None` with
    /// --activated, which binds none.
    pub(crate) fn name_args(&self) -> Option<NameArgs> {
        Some(NameArgs {
            path: self.path,
            name: self.name.clone()?,
        })
    }
}

/// `connect`.
#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    #[command(flatten)]
    pub(crate) name: NameArgs,
    /// Whose server to talk to: current-user (this user or the superuser,
    /// the default), any-user, or user:USER (a server runs as one user);
    /// any other server is refused before a byte is sent.
    #[arg(long, value_name = "WHO", value_parser = parse_expected_server)]
    pub(crate) expect_server: Option<Who<ServerKind>>,
    /// Connect to a message socket: each line of input is one message, each
    /// message received one line of output (empty lines are not sent).
    #[cfg(message_sockets)]
    #[arg(long)]
    pub(crate) messages: bool,
    /// Connect to a shared-memory channel (`listen --shm`), checking its
    /// server as for a stream.
    #[cfg_attr(message_sockets, arg(long, conflicts_with = "messages"))]
    #[cfg_attr(not(message_sockets), arg(long))]
    pub(crate) shm: bool,
}

/// `pass`.
#[derive(Debug, Args)]
pub(crate) struct PassArgs {
    #[command(flatten)]
    pub(crate) name: NameArgs,
    /// Whose server to pass to: current-user (this user or the superuser,
    /// the default), any-user, or user:USER.
    #[arg(long, value_name = "WHO", value_parser = parse_expected_server)]
    pub(crate) expect_server: Option<Who<ServerKind>>,
}

/// `take`.
#[derive(Debug, Args)]
pub(crate) struct TakeArgs {
    #[command(flatten)]
    pub(crate) name: NameArgs,
    /// Who may pass: current-user (the default), any-user, group:GROUP or
    /// user:USER[,USER...]; this user and the superuser always may.
    #[arg(long, value_name = "WHO", value_parser = parse_access)]
    pub(crate) access: Option<Who<AccessKind>>,
    /// The command to run and its arguments (after `--` if any of them
    /// starts with a dash before COMMAND).
    #[arg(
        value_name = "COMMAND",
        required = true,
        trailing_var_arg = true,
        num_args = 1..
    )]
    pub(crate) command: Vec<OsString>,
}

/// `spawn`.
#[derive(Debug, Args)]
pub(crate) struct SpawnArgs {
    /// Hand the child the read end of its input pipe through this
    /// environment variable instead of as its standard input.
    #[arg(long, value_name = "VAR")]
    pub(crate) input_var: Option<OsString>,
    /// Hand the child the write end of its output pipe through this
    /// environment variable instead of as its standard output.
    #[arg(long, value_name = "VAR")]
    pub(crate) output_var: Option<OsString>,
    /// The command to run and its arguments (after `--` if any of them
    /// starts with a dash before COMMAND).
    #[arg(
        value_name = "COMMAND",
        required = true,
        trailing_var_arg = true,
        num_args = 1..
    )]
    pub(crate) command: Vec<OsString>,
}

/// `bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// 5 short rounds instead of 7 longer ones.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Also measure std's counterpart of the local sockets and pipes (std's
    /// UnixStream and pipe; on Windows a std File opened on the pipe, and
    /// std's pipe) and draw each primitive's ratio to its family's baseline,
    /// with its spread over rounds, as an SVG picture in FILE: a bar is
    /// green or orange only where every round was better or worse. Says
    /// where it wrote the picture on standard error.
    #[arg(long, value_name = "FILE")]
    pub(crate) plot: Option<PathBuf>,
}

/// `fifo` (Unix).
#[cfg(unix)]
#[derive(Debug, Subcommand)]
pub(crate) enum FifoCommand {
    /// Create a FIFO at PATH
    ///
    /// Fails if anything exists at PATH. The mode is reduced by the umask,
    /// so the FIFO is never more open than asked.
    #[command(after_help = AFTER_HELP)]
    Create {
        /// Its permission bits, in octal.
        #[arg(long, value_name = "OCTAL", default_value = "600", value_parser = parse_mode)]
        mode: u32,
        /// Where to create it.
        path: PathBuf,
    },
    /// Copy standard input into the FIFO at PATH
    ///
    /// Waits until some process opens the FIFO for reading; the reader sees
    /// the end of the stream when standard input ends.
    #[command(after_help = AFTER_HELP)]
    Send {
        /// An existing FIFO.
        path: PathBuf,
    },
    /// Copy what is written into the FIFO at PATH to standard output
    ///
    /// Waits until some process opens the FIFO for writing, and ends when
    /// every writer has closed it.
    #[command(after_help = AFTER_HELP)]
    Recv {
        /// An existing FIFO.
        path: PathBuf,
    },
}

/// `named-pipe` (Windows).
#[cfg(windows)]
#[derive(Debug, Subcommand)]
pub(crate) enum NamedPipeCommand {
    /// Serve a named pipe and relay stdin/stdout
    ///
    /// Creates the pipe and relays standard input and output to the client
    /// that connects, as `localipc listen` does. In message mode each line of standard input is sent as one message
    /// (without its line ending) and each message received is written as
    /// one line. Only this user may connect; remote clients are refused.
    #[command(after_help = AFTER_HELP)]
    Listen {
        /// Byte stream or discrete messages.
        #[arg(long, value_enum, default_value_t = PipeMode::Byte)]
        pipe_mode: PipeMode,
        /// The pipe's instance limit, 1 to 254: how many clients may be
        /// connected at once (the one served and those waiting their turn);
        /// others wait for a free instance. Default: no limit.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=254))]
        instances: Option<u8>,
        #[command(flatten)]
        serving: Serving,
        /// \\.\pipe\NAME, or NAME alone for that.
        path: OsString,
    },
    /// Open a named pipe and relay stdin/stdout
    ///
    /// Opens the pipe and relays standard input and output. The pipe's mode is the server's: in message mode each line of
    /// standard input is one message and each message received is one line.
    /// When standard input ends, localipc waits until the server has read
    /// everything, relays its output until it has been quiet for 200 ms,
    /// and closes.
    #[command(after_help = AFTER_HELP)]
    Connect {
        /// How long to wait for a free instance when every instance is
        /// busy, in milliseconds; by default as long as it takes.
        #[arg(long, value_name = "MS")]
        timeout: Option<u64>,
        /// \\.\pipe\NAME, or NAME alone for that.
        path: OsString,
    },
}

/// A named pipe's mode on the command line.
#[cfg(windows)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PipeMode {
    /// A byte stream.
    Byte,
    /// Discrete messages.
    Message,
}

/// An `--access` or `--expect-server` value as written: its text, for
/// messages, and its parts, whose names are looked up later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Who<Kind> {
    pub(crate) text: String,
    pub(crate) kind: Kind,
}

/// Who may connect to a listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AccessKind {
    CurrentUser,
    AnyUser,
    Group(String),
    Users(Vec<String>),
}

/// Whose server a client talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ServerKind {
    CurrentUser,
    AnyUser,
    User(String),
}

/// The users of a `user:USER[,USER...]` value, or `None` if `text` is not
/// one. `users:` is the spelling `--access` had first: it still works, in
/// both options, but the help shows only `user:`, the one both share.
fn users(text: &str) -> Option<Vec<&str>> {
    let (prefix, list) = text.split_once(':')?;
    let users: Vec<&str> = list.split(',').collect();
    (matches!(prefix, "user" | "users") && users.iter().all(|user| !user.is_empty()))
        .then_some(users)
}

/// `--access`: current-user, any-user, group:GROUP or user:USER[,USER...].
fn parse_access(text: &str) -> Result<Who<AccessKind>, String> {
    let kind = match (text, text.split_once(':'), users(text)) {
        ("current-user", ..) => AccessKind::CurrentUser,
        ("any-user", ..) => AccessKind::AnyUser,
        (_, Some(("group", group)), _) if !group.is_empty() => AccessKind::Group(group.to_owned()),
        (.., Some(users)) => AccessKind::Users(users.into_iter().map(str::to_owned).collect()),
        _ => {
            return Err(
                "expected current-user, any-user, group:GROUP or user:USER[,USER...]".to_owned(),
            );
        }
    };
    Ok(Who {
        text: text.to_owned(),
        kind,
    })
}

/// `--expect-server`: current-user, any-user or user:USER.
fn parse_expected_server(text: &str) -> Result<Who<ServerKind>, String> {
    let kind = match (text, users(text).as_deref()) {
        ("current-user", _) => ServerKind::CurrentUser,
        ("any-user", _) => ServerKind::AnyUser,
        (_, Some([user])) => ServerKind::User((*user).to_owned()),
        (_, Some(_)) => return Err("the server is one user: expected user:USER".to_owned()),
        _ => return Err("expected current-user, any-user or user:USER".to_owned()),
    };
    Ok(Who {
        text: text.to_owned(),
        kind,
    })
}

/// Permission bits in octal, at most `7777`.
#[cfg(unix)]
fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text, 8)
        .ok()
        .filter(|mode| *mode <= 0o7777)
        .ok_or_else(|| "expected permission bits in octal, such as 600 or 0640".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn who_values_are_parsed_by_their_shape() {
        assert_eq!(parse_access("any-user").unwrap().kind, AccessKind::AnyUser);
        assert_eq!(
            parse_access("users:alice,bob").unwrap().kind,
            AccessKind::Users(vec!["alice".into(), "bob".into()])
        );
        assert_eq!(
            parse_access("user:alice,bob").unwrap().kind,
            AccessKind::Users(vec!["alice".into(), "bob".into()])
        );
        for server in ["user:alice", "users:alice"] {
            assert_eq!(
                parse_expected_server(server).unwrap().kind,
                ServerKind::User("alice".into())
            );
        }
        for bad in [
            "everybody",
            "users:",
            "user:",
            "users:a,,b",
            "group:",
            "who:alice",
        ] {
            assert!(parse_access(bad).is_err(), "{bad}");
        }
        for bad in [
            "root",
            "group:wheel",
            "user:",
            "user:alice,bob",
            "users:a,b",
        ] {
            assert!(parse_expected_server(bad).is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_octal_permission_bits() {
        assert_eq!(parse_mode("600"), Ok(0o600));
        assert_eq!(parse_mode("0640"), Ok(0o640));
        assert!(parse_mode("800").is_err());
        assert!(parse_mode("17777").is_err());
    }
}
