//! The peer: the second process of every measurement, the measuring binary
//! run again with its hidden peer argument. It runs the same plain blocking
//! code for every contender of a family, so the contenders differ only on
//! the measured side.
//!
//! The protocol: the peer's command line says how to meet the measured side
//! ([`Transport`]) and which job to answer. A peer that listens prints
//! `ready` on its standard output once it does. For a throughput job it
//! reads the warm-up bytes and acknowledges with one byte, then reads the
//! timed bytes and acknowledges again; for a round-trip job it echoes every
//! message. Then it expects the end of the stream, prints `cpu` and the CPU
//! time in nanoseconds of its share of the timed part (from the first
//! acknowledgement to the second, or over the timed round trips; `unknown`
//! where the OS does not say, see [`cpu`](crate::cpu)) on its standard
//! output, and exits with success.
//!
//! Over a message transport, or a stream whose messages are
//! [length-prefixed](Transport::LengthPrefixed), the same job goes in whole
//! messages (see [`message`](crate::message)): each write of the measured
//! side is one message of the write size, which the peer receives whole,
//! and its acknowledgements and echoes are messages too.

mod answer;
mod process;
mod serve;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use localipc::shm::Spin;
pub use process::Peer;
pub use serve::{Answer, CustomPeer, main, main_with};

use crate::job::Job;

/// The most the peer reads at once: large, so that it drains whatever the
/// kernel holds and the measured writer, not the peer, sets the pace.
pub const READ_BUFFER: usize = 1 << 20;

/// The variable through which a pipe peer finds the end it reads.
const INPUT_VAR: &str = "LOCALIPC_BENCH_PEER_INPUT";
/// The variable through which a pipe peer finds the end it writes.
const OUTPUT_VAR: &str = "LOCALIPC_BENCH_PEER_OUTPUT";

/// How the peer meets the measured side. The peer listens, or takes pipe
/// ends; the measured side connects with the contender's library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Listen with std's `UnixListener` on this socket file.
    #[cfg(unix)]
    StdSocketPath(PathBuf),
    /// Listen with std's `UnixListener` on this Linux abstract name.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    StdSocketAbstract(String),
    /// Listen with a localipc `Listener` on `Name::namespaced` of this.
    LocalSocketNamespaced(String),
    /// Listen with a localipc `Listener` on `Name::path` of this.
    LocalSocketPath(PathBuf),
    /// Listen with a localipc `ShmListener` on `Name::namespaced` of `name`,
    /// whose channels wait with `spin` (each side of a channel has its own
    /// spin: the measured side gives its own the same).
    Shm {
        /// The name.
        name: String,
        /// The peer's spin.
        spin: Spin,
    },
    /// Listen with localipc's Windows named-pipe listener on this path, in
    /// message mode if `messages`, else in byte mode.
    #[cfg(windows)]
    NamedPipe {
        /// A `\\.\pipe\` path.
        path: String,
        /// Message mode rather than byte mode.
        messages: bool,
    },
    /// Listen with a raw `SOCK_SEQPACKET` socket (see
    /// [`seqpacket`](crate::seqpacket)) on this Linux abstract name, and
    /// speak whole messages.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    SeqpacketAbstract(String),
    /// Listen with a localipc `MessageListener` on `Name::namespaced` of
    /// this, and speak whole messages.
    #[cfg(any(target_os = "linux", target_os = "android", windows))]
    MessageSocketNamespaced(String),
    /// The stream transport inside, over which every message goes as its
    /// 4-byte little-endian length and then its bytes (see
    /// [`LengthPrefixed`](crate::message::LengthPrefixed)).
    LengthPrefixed(Box<Transport>),
    /// Use the pipe ends handed over with `localipc::pipe::Handoff`.
    Pipe,
    /// A transport the binary serves itself, through the hook it gives
    /// [`main_with`]: one made with a library the engine does not depend
    /// on. The hook says `ready` (see [`Answer::say_ready`]) when the
    /// measured side may connect.
    Custom {
        /// Which of the binary's transports, as its hook knows them.
        kind: String,
        /// Where the peer meets the measured side (a name, a path).
        address: String,
    },
}

impl Transport {
    /// Whether the peer listens (and says `ready`), rather than take pipes.
    fn listens(&self) -> bool {
        match self {
            Self::LengthPrefixed(inner) => inner.listens(),
            _ => !matches!(self, Self::Pipe),
        }
    }

    /// The transport as command-line arguments.
    fn to_arguments(&self) -> Vec<OsString> {
        match self {
            #[cfg(unix)]
            Self::StdSocketPath(path) => vec!["std-socket-path".into(), path.into()],
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Self::StdSocketAbstract(name) => vec!["std-socket-abstract".into(), name.into()],
            Self::LocalSocketNamespaced(name) => {
                vec!["local-socket-namespaced".into(), name.into()]
            }
            Self::LocalSocketPath(path) => vec!["local-socket-path".into(), path.into()],
            Self::Shm { name, spin } => {
                vec!["shm".into(), spin_argument(*spin).into(), name.into()]
            }
            #[cfg(windows)]
            Self::NamedPipe { path, messages } => {
                let kind = if *messages {
                    "named-pipe-messages"
                } else {
                    "named-pipe-bytes"
                };
                vec![kind.into(), path.into()]
            }
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Self::SeqpacketAbstract(name) => vec!["seqpacket-abstract".into(), name.into()],
            #[cfg(any(target_os = "linux", target_os = "android", windows))]
            Self::MessageSocketNamespaced(name) => {
                vec!["message-socket-namespaced".into(), name.into()]
            }
            Self::LengthPrefixed(inner) => {
                let mut arguments = vec![OsString::from("length-prefixed")];
                arguments.extend(inner.to_arguments());
                arguments
            }
            Self::Pipe => vec!["pipe".into()],
            Self::Custom { kind, address } => {
                vec!["custom".into(), kind.into(), address.into()]
            }
        }
    }

    /// The transport at the start of `arguments` (the inverse of
    /// [`Transport::to_arguments`]), and the arguments after it.
    fn parse(arguments: &[String]) -> Result<(Self, &[String]), String> {
        match arguments {
            [kind, rest @ ..] if kind == "length-prefixed" => {
                let (inner, rest) = Self::parse(rest)?;
                Ok((Self::LengthPrefixed(Box::new(inner)), rest))
            }
            [kind, rest @ ..] if kind == "pipe" => Ok((Self::Pipe, rest)),
            [kind, custom, address, rest @ ..] if kind == "custom" => Ok((
                Self::Custom {
                    kind: custom.clone(),
                    address: address.clone(),
                },
                rest,
            )),
            [kind, spin, name, rest @ ..] if kind == "shm" => Ok((
                Self::Shm {
                    name: name.clone(),
                    spin: parse_spin(spin)?,
                },
                rest,
            )),
            [kind, address, rest @ ..] => Ok((transport(kind, address)?, rest)),
            _ => Err(format!("no transport in the peer arguments {arguments:?}")),
        }
    }
}

/// A spin as one argument: `off`, or the limit in nanoseconds.
fn spin_argument(spin: Spin) -> String {
    match spin {
        Spin::Off => "off".to_owned(),
        Spin::For(limit) => limit.as_nanos().to_string(),
    }
}

/// The inverse of [`spin_argument`].
fn parse_spin(argument: &str) -> Result<Spin, String> {
    if argument == "off" {
        return Ok(Spin::Off);
    }
    argument
        .parse()
        .map(|nanos| Spin::For(Duration::from_nanos(nanos)))
        .map_err(|_| format!("bad spin {argument:?}"))
}

/// Everything a peer is told on its command line.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Spec {
    transport: Transport,
    job: Job,
    /// Whether to check every byte of a throughput transfer.
    verify: bool,
}

impl Spec {
    /// The arguments after the peer argument.
    fn to_arguments(&self) -> Vec<OsString> {
        let mut arguments = self.transport.to_arguments();
        arguments.push(self.job.to_argument().into());
        arguments.push(if self.verify { "verify" } else { "count" }.into());
        arguments
    }

    /// The inverse of [`Spec::to_arguments`].
    fn parse(arguments: &[String]) -> Result<Self, String> {
        let (transport, rest) = Transport::parse(arguments)?;
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

/// The listening transport `kind` at `address`.
fn transport(kind: &str, address: &str) -> Result<Transport, String> {
    let address = address.to_owned();
    Ok(match kind {
        #[cfg(unix)]
        "std-socket-path" => Transport::StdSocketPath(address.into()),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        "std-socket-abstract" => Transport::StdSocketAbstract(address),
        "local-socket-namespaced" => Transport::LocalSocketNamespaced(address),
        "local-socket-path" => Transport::LocalSocketPath(address.into()),
        #[cfg(windows)]
        "named-pipe-bytes" | "named-pipe-messages" => Transport::NamedPipe {
            path: address,
            messages: kind == "named-pipe-messages",
        },
        #[cfg(any(target_os = "linux", target_os = "android"))]
        "seqpacket-abstract" => Transport::SeqpacketAbstract(address),
        #[cfg(any(target_os = "linux", target_os = "android", windows))]
        "message-socket-namespaced" => Transport::MessageSocketNamespaced(address),
        _ => return Err(format!("no transport {kind:?} on this OS")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(spec: &Spec) -> Result<Spec, String> {
        let arguments: Vec<String> = spec
            .to_arguments()
            .into_iter()
            .map(|argument| argument.into_string().unwrap())
            .collect();
        Spec::parse(&arguments)
    }

    #[test]
    fn every_transport_survives_the_command_line() {
        let job = Job::RoundTrip {
            message_size: 64,
            warm: 3,
            count: 9,
        };
        let transports = [
            #[cfg(unix)]
            Transport::StdSocketPath("/tmp/x/s1.sock".into()),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Transport::StdSocketAbstract("bench-1".into()),
            Transport::LocalSocketNamespaced("bench-2".into()),
            Transport::LocalSocketPath("/tmp/x/s2.sock".into()),
            Transport::Shm {
                name: "bench-7".into(),
                spin: Spin::Off,
            },
            Transport::Shm {
                name: "bench-8".into(),
                spin: Spin::For(Duration::from_micros(50)),
            },
            #[cfg(windows)]
            Transport::NamedPipe {
                path: r"\\.\pipe\bench-3".into(),
                messages: true,
            },
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Transport::SeqpacketAbstract("bench-4".into()),
            #[cfg(any(target_os = "linux", target_os = "android", windows))]
            Transport::MessageSocketNamespaced("bench-5".into()),
            Transport::LengthPrefixed(Box::new(Transport::LocalSocketNamespaced("bench-6".into()))),
            Transport::LengthPrefixed(Box::new(Transport::Pipe)),
            Transport::Pipe,
            Transport::Custom {
                kind: "iceoryx2".into(),
                address: "bench-9".into(),
            },
        ];
        for (index, transport) in transports.into_iter().enumerate() {
            let spec = Spec {
                transport,
                job,
                verify: index % 2 == 0,
            };
            assert_eq!(round_trip(&spec), Ok(spec));
        }
    }

    #[test]
    fn an_unknown_transport_is_refused() {
        let arguments = ["carrier-pigeon", "x", "round-trip:1:1:1", "count"].map(String::from);
        assert!(Spec::parse(&arguments).is_err());
        let arguments = ["length-prefixed"].map(String::from);
        assert!(Spec::parse(&arguments).is_err());
    }

    #[test]
    fn a_length_prefixed_transport_listens_as_the_one_inside() {
        let framed = |inner| Transport::LengthPrefixed(Box::new(inner));
        assert!(framed(Transport::LocalSocketNamespaced("x".into())).listens());
        assert!(!framed(Transport::Pipe).listens());
    }
}
