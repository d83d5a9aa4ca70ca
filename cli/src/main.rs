//! `localipc`: every local IPC primitive from the shell.
//!
//! ```text
//! localipc listen [--path] [--keep] [--echo] [--access WHO] NAME   serve one client (or, with --keep, one after another)
//! localipc connect [--path] [--expect-server WHO] NAME            relay stdin/stdout to a listener
//! localipc names [--path] NAME                       show what NAME resolves to on this OS
//! localipc bench [--quick] [--json]                  measure every primitive between two processes
//! ```

mod args;
mod bench;
mod relay;

use std::process::ExitCode;

use args::{Command, Refusal};

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(Refusal::Usage(message)) => {
            eprintln!("localipc: {message}");
            eprintln!("{}", args::USAGE_HINT);
            return ExitCode::from(2);
        }
        Err(Refusal::Invalid(message)) => {
            eprintln!("localipc: {message}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command {
        Command::Help => {
            print!("{}", args::USAGE);
            Ok(())
        }
        Command::Version => {
            println!("localipc {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Listen {
            name,
            keep,
            echo,
            access,
        } => relay::listen(&name, keep, echo, access),
        Command::Connect {
            name,
            expected_server,
        } => relay::connect(&name, expected_server),
        Command::Names { name } => {
            relay::describe(&name);
            Ok(())
        }
        Command::Bench { quick, json } => bench::run(quick, json),
        Command::Peer(request) => return localipc_bench_engine::peer::main(&request),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("localipc: {error}");
            ExitCode::FAILURE
        }
    }
}
