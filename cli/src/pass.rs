//! `pass` and `take`: descriptors (handles on Windows) from one process to
//! another over a local socket, from the shell.
//!
//! `take NAME COMMAND...` listens on NAME for one client; `pass NAME`
//! connects and sends its own standard input and standard output, the
//! descriptors themselves, not what flows through them. `take` runs COMMAND
//! with them as its standard input and output, so COMMAND reads and writes
//! whatever `pass` was started with (a file, a terminal, a pipe), with no
//! copy through the socket; then it answers with COMMAND's exit status,
//! which `pass` exits with.
//!
//! The exchange on the connection: `pass` sends one byte (`p`) with the two
//! resources; `take` answers one byte, the status. Anything else is an
//! error, and resources that came otherwise are closed.

use std::io;
use std::process::{Command, ExitCode, Stdio};

use localipc::local_socket::{ConnectOptions, ListenerOptions, ResourceStream};
use localipc::resource::{AsResource, OwnedResource};

use crate::args::{PassArgs, TakeArgs};
use crate::socket::{for_the_command_line, name};
use crate::who;

/// The byte that carries the resources.
const CARRIER: u8 = b'p';

/// Sends this process's standard input and output to the `take` on the
/// name, waits for its command to end, and exits as it did.
pub(crate) fn pass(args: &PassArgs) -> io::Result<ExitCode> {
    let mut options = ConnectOptions::new(&name(&args.name)?);
    options.expected_server(who::expected_server(args.expect_server.as_ref())?);
    let stream = options.connect().map_err(for_the_command_line)?;
    let stream = ResourceStream::new(stream)?;
    let stdin = io::stdin();
    let stdout = io::stdout();
    stream.send_with(&[CARRIER], &[stdin.as_resource(), stdout.as_resource()])?;
    let mut status = [0; 1];
    let mut came = Vec::new();
    match stream.recv_with(&mut status, &mut came)? {
        1 if came.is_empty() => Ok(ExitCode::from(status[0])),
        0 => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the taker closed the connection before its command ended",
        )),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the taker answered something other than a status",
        )),
    }
}

/// Listens on the name for one `pass`, runs the command with the standard
/// input and output it sent, answers with the command's status and exits
/// with it.
pub(crate) fn take(args: &TakeArgs) -> io::Result<ExitCode> {
    let name = name(&args.name)?;
    let mut options = ListenerOptions::new(&name);
    options.access(who::access(args.access.as_ref())?);
    let listener = options.bind()?;
    eprintln!("localipc: listening on {name} (taking a standard input and output)");
    let stream = ResourceStream::new(listener.accept()?)?;
    drop(listener);
    let (stdin, stdout) = receive_ends(&stream)?;
    let (program, arguments) = args.command.split_first().expect("clap requires a command");
    let status = Command::new(program)
        .args(arguments)
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::from(stdout))
        .status()
        .map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot run {}: {error}", program.to_string_lossy()),
            )
        })?;
    let status = crate::spawn::status_byte(status);
    // A `pass` that already left misses the answer, nothing more.
    let _ = stream.send_with(&[status], &[]);
    Ok(ExitCode::from(status))
}

/// The two ends a `pass` sends, checked: the carrier byte with exactly two
/// resources.
fn receive_ends(stream: &ResourceStream) -> io::Result<(OwnedResource, OwnedResource)> {
    let mut byte = [0; 1];
    let mut came = Vec::new();
    let n = stream.recv_with(&mut byte, &mut came)?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the client closed the connection without passing anything",
        ));
    }
    let mut came = came.into_iter();
    match (byte[0], came.next(), came.next(), came.next()) {
        (CARRIER, Some(stdin), Some(stdout), None) => Ok((stdin, stdout)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the client did not pass a standard input and output (is it `localipc pass`?)",
        )),
    }
}
