//! The peer: the second process of every measurement, this same binary run
//! with `--peer`. It runs the same plain blocking code for every contender of
//! a family, so the contenders differ only on the measured side.

mod process;
mod serve;

use std::ffi::OsString;
use std::path::PathBuf;

pub(crate) use process::Peer;
pub(crate) use serve::main;

use crate::job::Job;

/// The most the peer reads at once: large, so that it drains whatever the
/// kernel holds and the measured writer, not the peer, sets the pace.
pub(crate) const READ_BUFFER: usize = 1 << 20;

/// The variable through which a pipe peer finds the end it reads.
const INPUT_VAR: &str = "LOCALIPC_BENCH_PEER_INPUT";
/// The variable through which a pipe peer finds the end it writes.
const OUTPUT_VAR: &str = "LOCALIPC_BENCH_PEER_OUTPUT";

/// How the peer meets the measured side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    /// Listen with std's `UnixListener` on a socket file.
    SocketPath(PathBuf),
    /// Listen with std's `UnixListener` on a Linux abstract name.
    SocketAbstract(String),
    /// Use the pipe ends handed over with `localipc::pipe::Handoff`.
    Pipe,
}

/// Everything a peer is told on its command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spec {
    pub(crate) transport: Transport,
    pub(crate) job: Job,
    /// Whether to check every byte of a throughput transfer.
    pub(crate) verify: bool,
}

impl Spec {
    /// The arguments after `--peer`.
    fn to_arguments(&self) -> Vec<OsString> {
        let mut arguments: Vec<OsString> = match &self.transport {
            Transport::SocketPath(path) => vec!["socket-path".into(), path.into()],
            Transport::SocketAbstract(name) => vec!["socket-abstract".into(), name.into()],
            Transport::Pipe => vec!["pipe".into()],
        };
        arguments.push(self.job.to_argument().into());
        arguments.push(if self.verify { "verify" } else { "count" }.into());
        arguments
    }

    /// The inverse of [`Spec::to_arguments`].
    fn parse(arguments: &[String]) -> Result<Self, String> {
        let (transport, rest) = match arguments {
            [kind, path, rest @ ..] if kind == "socket-path" => {
                (Transport::SocketPath(path.into()), rest)
            }
            [kind, name, rest @ ..] if kind == "socket-abstract" => {
                (Transport::SocketAbstract(name.clone()), rest)
            }
            [kind, rest @ ..] if kind == "pipe" => (Transport::Pipe, rest),
            _ => return Err(format!("no transport in the peer arguments {arguments:?}")),
        };
        match rest {
            [job, check] => Ok(Self {
                transport,
                job: Job::parse(job).ok_or_else(|| format!("bad job {job:?}"))?,
                verify: check == "verify",
            }),
            _ => Err(format!("bad peer arguments {arguments:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_survives_the_command_line() {
        let spec = Spec {
            transport: Transport::SocketPath("/tmp/x/s1.sock".into()),
            job: Job::RoundTrip {
                message_size: 64,
                warm: 3,
                count: 9,
            },
            verify: true,
        };
        let arguments: Vec<String> = spec
            .to_arguments()
            .into_iter()
            .map(|argument| argument.into_string().unwrap())
            .collect();
        assert_eq!(Spec::parse(&arguments), Ok(spec));
    }
}
