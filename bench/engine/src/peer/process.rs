//! The measured side's handle on its peer process.

use std::io::{self, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use localipc::pipe::{Handoff, Receiver, Sender};
use localipc_test_support::surviving_wine_faults;

use super::{INPUT_VAR, OUTPUT_VAR, Spec, Transport};
use crate::context::Context;
use crate::job::Job;
use crate::measure::Measurement;
use crate::watchdog;

/// What a listening peer prints on its standard output once it listens.
pub(super) const READY: &[u8] = b"ready\n";
/// The first word of the line in which a peer reports its CPU time, last.
pub(super) const CPU: &str = "cpu";

/// A running peer. [`Peer::conclude`] waits for it, reports its failure
/// and adds its CPU time to the measurement.
#[derive(Debug)]
pub struct Peer {
    child: Child,
    /// The peer's standard output, where its CPU time comes.
    stdout: ChildStdout,
    job: Job,
}

impl Peer {
    /// Starts a peer that listens on `transport` to answer `job`, and
    /// returns once it listens.
    ///
    /// # Errors
    ///
    /// If the peer cannot be started or stops before it listens (its own
    /// message is on standard error), or `InvalidInput` for
    /// `Transport::Pipe`, which [`Peer::with_pipes`] starts.
    pub fn listen(context: &Context, transport: Transport, job: Job) -> io::Result<Self> {
        if !transport.listens() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a pipe peer is started with its pipes",
            ));
        }
        let mut command = command(context, transport, job);
        let mut peer = Self::watch(surviving_wine_faults(|| command.spawn())?, job);
        if read_line(&mut peer.stdout)? == READY {
            Ok(peer)
        } else {
            let status = peer.child.wait()?;
            watchdog::forget_peer();
            Err(io::Error::other(format!(
                "the peer stopped before it listened ({status})"
            )))
        }
    }

    /// Starts a peer that answers `job` reading from `input` and writing to
    /// `output`. Close both in this process afterwards, or the pipes never
    /// end.
    ///
    /// # Errors
    ///
    /// If the peer cannot be started.
    pub fn with_pipes(
        context: &Context,
        job: Job,
        input: &Receiver,
        output: &Sender,
    ) -> io::Result<Self> {
        let mut command = command(context, Transport::Pipe, job);
        let child = surviving_wine_faults(|| {
            Handoff::new()
                .receiver(INPUT_VAR, input)
                .sender(OUTPUT_VAR, output)
                .spawn(&mut command)
        })?;
        Ok(Self::watch(child, job))
    }

    fn watch(mut child: Child, job: Job) -> Self {
        watchdog::watch_peer(child.id());
        let stdout = child.stdout.take().expect("the peer's stdout is piped");
        Self { child, stdout, job }
    }

    /// Ends the measurement whose result is `measured`. After an error the
    /// peer may still wait for a connection or data that never come, so it
    /// is killed and the error returned. Otherwise the peer is waited for,
    /// and the result stands only if the peer succeeded: if it got every
    /// byte it expected, then the end of the stream. The peer's CPU time
    /// is added to the measurement's (see [`Measurement::cpu_ns_per_op`]).
    ///
    /// # Errors
    ///
    /// The measurement's error, or the peer's failure.
    pub fn conclude(mut self, measured: io::Result<Measurement>) -> io::Result<Measurement> {
        match measured {
            Ok(mut measurement) => {
                let peer_cpu = self.finish()?;
                measurement.add_peer_cpu(self.job, peer_cpu);
                Ok(measurement)
            }
            Err(error) => {
                // Killing a peer that already exited fails harmlessly.
                let _ = self.child.kill();
                let _ = self.child.wait();
                watchdog::forget_peer();
                Err(error)
            }
        }
    }

    /// Waits for the peer; returns the CPU time it reported.
    fn finish(&mut self) -> io::Result<Option<Duration>> {
        // Read to the end first: the peer's last line is small, but a peer
        // is never left blocked on a full pipe.
        let mut rest = String::new();
        let read = self.stdout.read_to_string(&mut rest);
        let status = self.child.wait()?;
        watchdog::forget_peer();
        if status.success() {
            read?;
            Ok(reported_cpu(&rest))
        } else {
            Err(io::Error::other(format!(
                "the peer failed ({status}); its message is above"
            )))
        }
    }
}

fn command(context: &Context, transport: Transport, job: Job) -> Command {
    let spec = Spec {
        transport,
        job,
        verify: context.verify,
    };
    let mut command = Command::new(&context.exe);
    command
        .arg(context.peer_argument)
        .args(spec.to_arguments())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    command
}

/// The CPU time in the peer's last words, if it knew it.
fn reported_cpu(output: &str) -> Option<Duration> {
    let line = output.lines().rev().find(|line| line.starts_with(CPU))?;
    let nanos = line[CPU.len()..].trim().parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The first line the peer prints, with its newline; shorter if the peer
/// exits first.
fn read_line(stdout: &mut ChildStdout) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0];
    while line.len() < 64 && stdout.read(&mut byte)? == 1 {
        line.push(byte[0]);
        if byte[0] == b'\n' {
            break;
        }
    }
    Ok(line)
}
