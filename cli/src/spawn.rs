//! `spawn`: a child process whose standard input and output (or handed-off
//! pipe ends) are localipc unnamed pipes, relayed to and from this
//! process's own.

use std::io::{self, Write};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::thread;

use localipc::pipe::{self, Handoff};

use crate::args::SpawnArgs;

/// Runs the command and relays through its pipes; its exit status is the
/// result.
///
/// # Errors
///
/// If the pipes cannot be created or the command cannot be started.
pub(crate) fn run(args: &SpawnArgs) -> io::Result<ExitCode> {
    let (program, arguments) = args.command.split_first().expect("clap requires COMMAND");
    let (to_child, child_input) = pipe::pipe()?;
    let (child_output, from_child) = pipe::pipe()?;
    let mut command = Command::new(program);
    command.args(arguments);
    let mut handoff = Handoff::new();
    match &args.input_var {
        Some(var) => {
            handoff.receiver(var, &child_input);
            command.stdin(Stdio::null());
        }
        None => {
            command.stdin(Stdio::from(child_input.try_clone()?));
        }
    }
    if let Some(var) = &args.output_var {
        handoff.sender(var, &child_output);
    } else {
        command.stdout(Stdio::from(child_output.try_clone()?));
    }
    let mut child = handoff.spawn(&mut command).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot run {}: {error}", program.to_string_lossy()),
        )
    })?;
    // The child holds its ends now (and `command` the copies given as its
    // standard streams): with ours gone, each pipe ends when its last
    // writer closes.
    drop(command);
    drop(handoff);
    drop((child_input, child_output));
    // Not joined: standard input may never end (a terminal), and the child
    // may never read it; the process exits without waiting for it.
    thread::spawn(move || {
        let mut to_child = to_child;
        // A child that stops reading ends the copy with BrokenPipe: fine.
        let _ = io::copy(&mut io::stdin().lock(), &mut to_child);
    });
    let mut from_child = from_child;
    let mut stdout = io::stdout().lock();
    io::copy(&mut from_child, &mut stdout)?;
    stdout.flush()?;
    Ok(exit_code(child.wait()?))
}

/// The child's exit status as this process's: its code, or 128 plus the
/// number of the signal that ended it, as shells report it.
fn exit_code(status: ExitStatus) -> ExitCode {
    ExitCode::from(status_byte(status))
}

/// An exit status as one byte: its code, or 128 plus the number of the
/// signal that ended it, as shells report it; 1 if neither is known.
pub(crate) fn status_byte(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        // Windows codes can exceed a byte; the low byte is what a Unix
        // parent would see anyway.
        return code as u8;
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return 128u8.wrapping_add(signal as u8);
    }
    1
}
