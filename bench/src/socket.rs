//! The Unix-socket family: the measured side connects with each library to a
//! peer that listens with std's `UnixListener`.

use std::io;
use std::os::unix::net::UnixStream;
use std::path::Path;

use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::{Contender, Family};
use localipc_bench_engine::job::Job;
use localipc_bench_engine::link::at_socket_path;
#[cfg(any(target_os = "linux", target_os = "android"))]
use localipc_bench_engine::link::at_unique_name;
use localipc_bench_engine::measure::{self, Measurement};
use localipc_bench_engine::peer::Transport;

use crate::measure::{on_futures, on_tokio};

/// The family's key in the JSON output.
pub(crate) const KEY: &str = "sockets";
pub(crate) const LOCALIPC_PATH: &str = "localipc Stream (path)";
pub(crate) const LOCALIPC_NAMESPACED: &str = "localipc Stream (namespaced)";
pub(crate) const INTERPROCESS: &str = "interprocess Stream";
pub(crate) const TOKIO: &str = "tokio UnixStream";
pub(crate) const LOCALIPC_TOKIO: &str = "localipc tokio Stream (path)";
pub(crate) const INTERPROCESS_TOKIO: &str = "interprocess tokio Stream";
pub(crate) const ASYNC_IO: &str = "async-io Async<UnixStream>";
pub(crate) const LOCALIPC_SMOL: &str = "localipc smol Stream (path)";

pub(crate) fn family() -> Family {
    Family {
        name: "Unix sockets",
        key: KEY,
        compared: true,
        contenders: vec![
            Contender {
                name: "std UnixStream",
                run: std_stream,
            },
            Contender {
                name: LOCALIPC_PATH,
                run: localipc_path,
            },
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Contender {
                name: LOCALIPC_NAMESPACED,
                run: localipc_namespaced,
            },
            Contender {
                name: TOKIO,
                run: tokio_stream,
            },
            Contender {
                name: LOCALIPC_TOKIO,
                run: localipc_tokio_stream,
            },
            Contender {
                name: ASYNC_IO,
                run: async_io_stream,
            },
            Contender {
                name: LOCALIPC_SMOL,
                run: localipc_smol_stream,
            },
            Contender {
                name: INTERPROCESS,
                run: interprocess_stream,
            },
            Contender {
                name: INTERPROCESS_TOKIO,
                run: interprocess_tokio_stream,
            },
        ],
    }
}

/// A peer listening with std's `UnixListener` on a fresh socket file, and
/// `measure` connecting to it.
fn at_path(
    context: &Context,
    job: Job,
    measure: impl FnOnce(&Path) -> io::Result<Measurement>,
) -> io::Result<Measurement> {
    at_socket_path(context, Transport::StdSocketPath, job, measure)
}

fn std_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    at_path(context, job, |path| {
        let stream = UnixStream::connect(path)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn localipc_path(context: &Context, job: Job) -> io::Result<Measurement> {
    use localipc::local_socket::{Name, Stream};

    at_path(context, job, |path| {
        let stream = Stream::connect(&Name::path(path)?)?;
        measure::blocking(&stream, &stream, job)
    })
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn localipc_namespaced(context: &Context, job: Job) -> io::Result<Measurement> {
    use localipc::local_socket::{Name, Stream};

    at_unique_name(context, Transport::StdSocketAbstract, job, |name| {
        let stream = Stream::connect(&Name::namespaced(name)?)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn tokio_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    at_path(context, job, |path| {
        on_tokio(job, || tokio::net::UnixStream::connect(path))
    })
}

fn localipc_tokio_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    use localipc::local_socket::Name;
    use localipc::local_socket::tokio::Stream;

    at_path(context, job, |path| {
        let name = Name::path(path)?;
        on_tokio(job, || Stream::connect(&name))
    })
}

fn async_io_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    at_path(context, job, |path| {
        on_futures(job, || async_io::Async::<UnixStream>::connect(path))
    })
}

fn localipc_smol_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    use localipc::local_socket::Name;
    use localipc::local_socket::smol::Stream;

    at_path(context, job, |path| {
        let name = Name::path(path)?;
        on_futures(job, || Stream::connect(&name))
    })
}

fn interprocess_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    use interprocess::local_socket::prelude::*;
    use interprocess::local_socket::{GenericFilePath, Stream};

    at_path(context, job, |path| {
        let stream = Stream::connect(path.to_fs_name::<GenericFilePath>()?)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn interprocess_tokio_stream(context: &Context, job: Job) -> io::Result<Measurement> {
    use interprocess::local_socket::GenericFilePath;
    use interprocess::local_socket::tokio::Stream;
    use interprocess::local_socket::tokio::prelude::*;

    at_path(context, job, |path| {
        let name = path.to_fs_name::<GenericFilePath>()?;
        on_tokio(job, || Stream::connect(name))
    })
}
