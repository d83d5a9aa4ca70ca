//! `localipc`: every local IPC primitive from the shell.
//!
//! ```text
//! localipc listen [--path] [--keep] [--echo] [--access WHO] NAME   serve one client (or, with --keep, one after another)
//! localipc listen --activated [--fd-name NAME] ...   serve the socket systemd passed (Unix)
//! localipc connect [--path] [--expect-server WHO] NAME            relay stdin/stdout to a listener
//! localipc names [--path] NAME                       show what NAME resolves to on this OS
//! localipc spawn [--input-var VAR] [--output-var VAR] COMMAND [ARG...]   run COMMAND through unnamed pipes
//! localipc fifo create|send|recv PATH                FIFOs (Unix)
//! localipc named-pipe listen|connect PATH            named pipes, byte or message mode (Windows)
//! localipc bench [--quick] [--json] [--plot FILE]    measure every primitive between two processes
//! localipc completions SHELL                         a shell completion script
//! ```
//!
//! `args.rs` declares the command line; each verb lives in its own module.

#[cfg(unix)]
mod activated;
mod args;
mod bench;
#[cfg(unix)]
mod fifo;
#[cfg(windows)]
mod named_pipe;
mod pass;
mod relay;
mod shm;
mod socket;
mod spawn;
mod stop;
mod who;

use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Cli, Command};

/// Counts allocations, so `bench` can hold localipc's data paths to none (a
/// relaxed atomic add per allocation; nothing else changes).
#[global_allocator]
static ALLOCATOR: localipc_bench_engine::allocator::CountingAllocator =
    localipc_bench_engine::allocator::CountingAllocator;

fn main() -> ExitCode {
    let mut arguments = std::env::args_os();
    // The hidden second process of `bench`: not part of the command line
    // people see, so not declared to clap.
    if arguments.nth(1).as_deref() == Some(bench::PEER_ARGUMENT.as_ref()) {
        let request: Vec<String> = arguments
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        return localipc_bench_engine::peer::main(&request);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors (status 2) and --help and --version (status 0),
        // printed as clap words them.
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(error.exit_code() as u8);
        }
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("localipc: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Does what `command` says.
fn run(command: Command) -> io::Result<ExitCode> {
    match command {
        #[cfg(unix)]
        Command::Listen(args) if args.activated => return activated::listen(&args),
        Command::Listen(args) => return socket::listen(&args),
        Command::Connect(args) => socket::connect(&args)?,
        Command::Names(args) => socket::describe(&args)?,
        Command::Spawn(args) => return spawn::run(&args),
        Command::Pass(args) => return pass::pass(&args),
        Command::Take(args) => return pass::take(&args),
        #[cfg(unix)]
        Command::Fifo(command) => fifo::run(&command)?,
        #[cfg(windows)]
        Command::NamedPipe(command) => named_pipe::run(&command)?,
        Command::Bench(args) => bench::run(&args)?,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "localipc", &mut io::stdout());
        }
    }
    Ok(ExitCode::SUCCESS)
}
