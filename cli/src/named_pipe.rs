//! `named-pipe listen|connect`: Windows named pipes from the shell, in byte
//! or message mode.

use std::ffi::{OsStr, OsString};
use std::io;
use std::time::Duration;

use localipc::os::windows::named_pipe::{ConnectOptions, ListenerOptions, PipeMode as Mode};

use crate::args::{NamedPipeCommand, PipeMode};
use crate::relay;

pub(crate) fn run(command: &NamedPipeCommand) -> io::Result<()> {
    match command {
        NamedPipeCommand::Listen {
            pipe_mode,
            instances,
            serving,
            path,
        } => {
            let path = full_path(path);
            let listener = ListenerOptions::new(&path)
                .mode(match pipe_mode {
                    PipeMode::Byte => Mode::Bytes,
                    PipeMode::Message => Mode::Messages,
                })
                .max_instances(*instances)
                .create()?;
            let limit = match instances {
                Some(n) => format!("at most {n} instance(s)"),
                None => "no instance limit".to_owned(),
            };
            eprintln!(
                "localipc: listening on {} ({} mode, {limit})",
                listener.path(),
                match pipe_mode {
                    PipeMode::Byte => "byte",
                    PipeMode::Message => "message",
                },
            );
            relay::serve(
                || {
                    let stream = listener.accept()?;
                    let pid = stream.client_process_id().ok();
                    Ok((relay::Connection::Stream(stream), pid))
                },
                serving.keep,
                serving.echo,
                // A pipe leaves nothing behind: Ctrl-C keeps its default.
                &crate::stop::Stop::never(),
            )
        }
        NamedPipeCommand::Connect { timeout, path } => {
            let stream = ConnectOptions::new(full_path(path))
                .timeout(timeout.map(Duration::from_millis))
                .connect()?;
            relay::relay(relay::Connection::Stream(stream))
        }
    }
}

/// `\\.\pipe\NAME` for a bare NAME; anything else as given, for the
/// library to check.
fn full_path(path: &OsStr) -> OsString {
    if path.to_string_lossy().starts_with(r"\\") {
        return path.to_owned();
    }
    let mut full = OsString::from(r"\\.\pipe\");
    full.push(path);
    full
}
