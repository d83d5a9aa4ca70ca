//! The peer process itself: plain blocking std and localipc code, the same
//! for every contender of a family.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use localipc::local_socket::{Listener, Name};
use localipc::pipe::{Receiver, Sender};

use super::process::READY;
use super::{INPUT_VAR, OUTPUT_VAR, READ_BUFFER, Spec, Transport};
use crate::job::Job;
use crate::measure::ACK;
use crate::{pattern, watchdog};

/// How long a peer may live. Longer than the measured side's own bound, so
/// that side reports a hang first, with the better message.
const LIFETIME: Duration = Duration::from_secs(120);

/// The peer's `main`: `arguments` are those after the peer argument that
/// the binary gave [`Context::new`](crate::context::Context::new).
pub fn main(arguments: &[String]) -> ExitCode {
    watchdog::start();
    watchdog::arm("serving", "peer", LIFETIME);
    match Spec::parse(arguments)
        .map_err(io::Error::other)
        .and_then(serve)
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{} (peer): {error}", watchdog::program());
            ExitCode::FAILURE
        }
    }
}

fn serve(spec: Spec) -> io::Result<()> {
    let Spec {
        transport,
        job,
        verify,
    } = spec;
    match transport {
        #[cfg(unix)]
        Transport::StdSocketPath(path) => {
            let listener = std::os::unix::net::UnixListener::bind(path)?;
            serve_one(|| Ok(listener.accept()?.0), job, verify)
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Transport::StdSocketAbstract(name) => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            use std::os::unix::net::{SocketAddr, UnixListener};

            let address = SocketAddr::from_abstract_name(name.as_bytes())?;
            let listener = UnixListener::bind_addr(&address)?;
            serve_one(|| Ok(listener.accept()?.0), job, verify)
        }
        Transport::LocalSocketNamespaced(name) => {
            let listener = Listener::bind(&Name::namespaced(name)?)?;
            serve_one(|| listener.accept(), job, verify)
        }
        Transport::LocalSocketPath(path) => {
            let listener = Listener::bind(&Name::path(path)?)?;
            serve_one(|| listener.accept(), job, verify)
        }
        #[cfg(windows)]
        Transport::NamedPipe { path, messages } => {
            use localipc::os::windows::named_pipe::{ListenerOptions, PipeMode};

            let mode = if messages {
                PipeMode::Messages
            } else {
                PipeMode::Bytes
            };
            let listener = ListenerOptions::new(path).mode(mode).create()?;
            serve_one(|| listener.accept(), job, verify)
        }
        Transport::Pipe => {
            // SAFETY: the measured side set the variable with a `Handoff`, and
            // this is the only claim of it in this process.
            let input = unsafe { Receiver::from_handoff(INPUT_VAR) }?;
            // SAFETY: as for the input.
            let output = unsafe { Sender::from_handoff(OUTPUT_VAR) }?;
            answer(&input, &output, job, verify)
        }
    }
}

/// Says the peer listens, then serves the one connection `accept` returns.
fn serve_one<S>(accept: impl FnOnce() -> io::Result<S>, job: Job, verify: bool) -> io::Result<()>
where
    for<'a> &'a S: Read + Write,
{
    let mut stdout = io::stdout().lock();
    stdout.write_all(READY)?;
    stdout.flush()?;
    drop(stdout);
    let stream = accept()?;
    answer(&stream, &stream, job, verify)
}

/// The peer's half of `job`; then checks that the measured side sent nothing
/// more and closed its end.
fn answer(mut reader: impl Read, mut writer: impl Write, job: Job, verify: bool) -> io::Result<()> {
    match job {
        Job::Throughput {
            warm_bytes,
            total_bytes,
            ..
        } => {
            let mut buffer = vec![0; READ_BUFFER];
            drain(&mut reader, &mut buffer, 0..warm_bytes, verify)?;
            writer.write_all(&[ACK])?;
            drain(
                &mut reader,
                &mut buffer,
                warm_bytes..warm_bytes + total_bytes,
                verify,
            )?;
            writer.write_all(&[ACK])?;
        }
        Job::RoundTrip {
            message_size,
            warm,
            count,
        } => {
            let mut message = vec![0; message_size];
            for _ in 0..u64::from(warm) + u64::from(count) {
                reader.read_exact(&mut message)?;
                writer.write_all(&message)?;
            }
        }
    }
    expect_end(reader)
}

/// Reads the stream bytes `range`, checking each against the pattern if
/// `verify`.
fn drain(
    reader: &mut impl Read,
    buffer: &mut [u8],
    range: std::ops::Range<u64>,
    verify: bool,
) -> io::Result<()> {
    let mut offset = range.start;
    while offset < range.end {
        let want =
            usize::try_from(range.end - offset).map_or(buffer.len(), |left| left.min(buffer.len()));
        let got = reader.read(&mut buffer[..want])?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the stream ended at byte {offset} of {}", range.end),
            ));
        }
        if verify {
            if let Some(at) = pattern::first_mismatch(&buffer[..got], offset) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("byte {at} of the stream differs from what was sent"),
                ));
            }
        }
        offset += got as u64;
    }
    Ok(())
}

fn expect_end(mut reader: impl Read) -> io::Result<()> {
    match reader.read(&mut [0])? {
        0 => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the measured side sent more than the job asked for",
        )),
    }
}
