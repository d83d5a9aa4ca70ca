//! The second process of `localipc bench`: opens its side of one primitive
//! and runs the peer half of one measurement.

use std::io::{self, Read, Write};

use crate::bench::{Primitive, Test};
use crate::measure;

/// Environment variables through which the parent describes the link.
pub(crate) const NAME_VAR: &str = "LOCALIPC_BENCH_NAME";
pub(crate) const IN_VAR: &str = "LOCALIPC_BENCH_IN";
pub(crate) const OUT_VAR: &str = "LOCALIPC_BENCH_OUT";

/// Runs the peer side described by the hidden `__peer` arguments.
pub(crate) fn run(args: &[String]) -> io::Result<()> {
    let [primitive, test] = args else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: __peer PRIMITIVE TEST",
        ));
    };
    let primitive = Primitive::from_id(primitive)?;
    let test = Test::from_id(test)?;
    let (from_parent, to_parent) = open(primitive)?;
    match test.bulk_total() {
        Some(total) => measure::receive_bulk(from_parent, to_parent, total),
        None => measure::pong(from_parent, to_parent, test.message_size(), test.count()),
    }
}

type Reader = Box<dyn Read>;
type Writer = Box<dyn Write>;

fn var(name: &str) -> io::Result<std::ffi::OsString> {
    std::env::var_os(name)
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{name} is not set")))
}

/// This side's (reader, writer) for `primitive`.
fn open(primitive: Primitive) -> io::Result<(Reader, Writer)> {
    use localipc::local_socket::{Name, Stream};
    match primitive {
        Primitive::SocketNamespaced | Primitive::SocketPath => {
            let given = var(NAME_VAR)?;
            let name = if primitive == Primitive::SocketNamespaced {
                Name::namespaced(given)?
            } else {
                Name::path(given)?
            };
            let stream = Stream::connect(&name)?;
            Ok((Box::new(stream.try_clone()?), Box::new(stream)))
        }
        Primitive::Pipe => {
            // SAFETY: the parent handed exactly these two ends with a Handoff;
            // each is claimed once.
            let reader = unsafe { localipc::pipe::Receiver::from_handoff(IN_VAR) }?;
            // SAFETY: as above.
            let writer = unsafe { localipc::pipe::Sender::from_handoff(OUT_VAR) }?;
            Ok((Box::new(reader), Box::new(writer)))
        }
        #[cfg(unix)]
        Primitive::Fifo => {
            use localipc::os::unix::fifo;
            // The parent opens in the opposite order, so neither open waits forever.
            let reader = fifo::open_receiver(var(IN_VAR)?)?;
            let writer = fifo::open_sender(var(OUT_VAR)?)?;
            Ok((Box::new(reader), Box::new(writer)))
        }
        #[cfg(windows)]
        Primitive::NamedPipeBytes | Primitive::NamedPipeMessages => {
            let stream =
                localipc::os::windows::named_pipe::ConnectOptions::new(var(NAME_VAR)?).connect()?;
            Ok((Box::new(stream.try_clone()?), Box::new(stream)))
        }
    }
}
