//! What `localipc bench` measures: every primitive, in families whose
//! baselines give the ratios, and the targets the shared-memory and
//! message-socket rows are held to (the engine's, which the benchmark
//! suite prints too).

use std::io;

use localipc::local_socket::{Name, Stream};
use localipc::shm::Spin;
use localipc_bench_engine::context::Context;
use localipc_bench_engine::family::{Contender, Family};
use localipc_bench_engine::job::Job;
#[cfg(any(target_os = "linux", target_os = "android", windows))]
use localipc_bench_engine::link;
#[cfg(unix)]
use localipc_bench_engine::link::std_unix_stream;
#[cfg(windows)]
use localipc_bench_engine::link::with_listening_peer;
use localipc_bench_engine::link::{Pipes, at_socket_path, at_unique_name, shm_channel};
use localipc_bench_engine::measure::{self, Measurement};
use localipc_bench_engine::peer::Transport;
use localipc_bench_engine::results::PlacementTables;
use localipc_bench_engine::targets::{Check, ShmRows, shm_checks};
#[cfg(any(target_os = "linux", target_os = "android", windows))]
use localipc_bench_engine::targets::{MessageRows, message_checks};

/// The families of a run, each primitive in the same place with or without
/// `plot`: the local sockets, then the pipes (in one family without a
/// baseline, or with `plot` each in a family whose baseline is std's
/// counterpart), then shared memory and (Linux, Android, Windows) message
/// sockets, each against its baseline.
pub(super) fn families(plot: bool) -> Vec<Family> {
    let mut families = if plot {
        vec![
            against(
                "local sockets",
                "local_sockets",
                STD_SOCKET,
                local_sockets(),
            ),
            against("pipes", "pipes", STD_PIPE, pipes()),
        ]
    } else {
        vec![Family {
            name: "every primitive",
            key: "primitives",
            contenders: [local_sockets(), pipes()].concat(),
            compared: false,
        }]
    };
    families.push(against(
        "shared memory",
        "shm",
        STD_SOCKET,
        vec![SHM, SHM_SPIN_OFF],
    ));
    #[cfg(any(target_os = "linux", target_os = "android", windows))]
    families.push(against(
        "message sockets",
        "messages",
        RAW_MESSAGES,
        vec![MESSAGE_SOCKET],
    ));
    families
}

/// A family of `contenders` compared with `baseline`.
fn against(
    name: &'static str,
    key: &'static str,
    baseline: Contender,
    contenders: Vec<Contender>,
) -> Family {
    Family {
        name,
        key,
        contenders: [vec![baseline], contenders].concat(),
        compared: true,
    }
}

/// The local sockets, and on Windows the named pipes they are made of.
/// std's counterpart: its Unix socket, or on Windows a std `File` opened on
/// a named pipe (std has no pipe server).
fn local_sockets() -> Vec<Contender> {
    vec![
        SOCKET_NAMESPACED,
        SOCKET_PATH,
        #[cfg(windows)]
        NAMED_PIPE_BYTES,
        #[cfg(windows)]
        NAMED_PIPE_MESSAGES,
    ]
}

/// The unnamed pipe and (Unix) FIFOs. std's counterpart: its pipe, which
/// FIFOs are compared with too (std has no FIFO API).
fn pipes() -> Vec<Contender> {
    vec![
        PIPE,
        #[cfg(unix)]
        FIFO,
    ]
}

/// The rows the shared-memory targets speak of.
const SHM_ROWS: ShmRows<'static> = ShmRows {
    spinning: SHM.name,
    spin_off: SHM_SPIN_OFF.name,
    all: &[SHM.name, SHM_SPIN_OFF.name],
};

/// The rows the message-socket targets speak of.
#[cfg(any(target_os = "linux", target_os = "android", windows))]
const MESSAGE_ROWS: MessageRows<'static> = MessageRows {
    raw: RAW_MESSAGES.name,
    localipc: MESSAGE_SOCKET.name,
};

/// The shared-memory and message-socket targets (the benchmark suite's)
/// over the families with a baseline that hold their rows.
pub(super) fn targets(tables: &PlacementTables) -> Vec<Check> {
    let mut checks = Vec::new();
    for family in tables
        .families
        .iter()
        .filter(|family| family.baseline.is_some())
    {
        shm_checks(family, SHM_ROWS, tables.placement, &mut checks);
        #[cfg(any(target_os = "linux", target_os = "android", windows))]
        message_checks(family, MESSAGE_ROWS, tables.placement, &mut checks);
    }
    checks
}

const SOCKET_NAMESPACED: Contender = Contender {
    name: "local socket, namespaced",
    run: socket_namespaced,
};
const SOCKET_PATH: Contender = Contender {
    name: "local socket, path",
    run: socket_path,
};
const PIPE: Contender = Contender {
    name: "unnamed pipe",
    run: pipe,
};
#[cfg(unix)]
const FIFO: Contender = Contender {
    name: "FIFO",
    run: fifo,
};
#[cfg(windows)]
const NAMED_PIPE_BYTES: Contender = Contender {
    name: "named pipe, byte mode",
    run: named_pipe_bytes,
};
#[cfg(windows)]
const NAMED_PIPE_MESSAGES: Contender = Contender {
    name: "named pipe, message mode",
    run: named_pipe_messages,
};
/// A shared-memory stream with the default spin at both ends.
const SHM: Contender = Contender {
    name: "shared memory, spinning",
    run: shm,
};
/// A shared-memory stream that never spins, at both ends.
const SHM_SPIN_OFF: Contender = Contender {
    name: "shared memory, spin off",
    run: shm_spin_off,
};
const STD_PIPE: Contender = Contender {
    name: "std pipe",
    run: std_pipe,
};
#[cfg(unix)]
const STD_SOCKET: Contender = Contender {
    name: "std UnixStream",
    run: std_socket,
};
#[cfg(windows)]
const STD_SOCKET: Contender = Contender {
    name: "std File on a named pipe",
    run: std_socket,
};
/// The raw message transport under a message socket, the message
/// sockets' baseline.
#[cfg(any(target_os = "linux", target_os = "android"))]
const RAW_MESSAGES: Contender = Contender {
    name: "raw SOCK_SEQPACKET",
    run: link::raw_messages,
};
#[cfg(windows)]
const RAW_MESSAGES: Contender = Contender {
    name: "raw message-mode pipe",
    run: link::raw_messages,
};
/// localipc's blocking `MessageSocket`.
#[cfg(any(target_os = "linux", target_os = "android", windows))]
const MESSAGE_SOCKET: Contender = Contender {
    name: "message socket",
    run: link::message_socket,
};

/// std's Unix socket at both ends.
#[cfg(unix)]
fn std_socket(context: &Context, job: Job) -> io::Result<Measurement> {
    std_unix_stream(context, job)
}

/// A std `File` opened on the pipe of a localipc listener: what a std
/// program does to talk to a named-pipe server.
#[cfg(windows)]
fn std_socket(context: &Context, job: Job) -> io::Result<Measurement> {
    at_socket_path(context, Transport::LocalSocketPath, job, |path| {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        measure::blocking(&file, &file, job)
    })
}

fn std_pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::std()?.measure_blocking(context, job)
}

fn socket_namespaced(context: &Context, job: Job) -> io::Result<Measurement> {
    at_unique_name(context, Transport::LocalSocketNamespaced, job, |name| {
        let stream = Stream::connect(&Name::namespaced(name)?)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn socket_path(context: &Context, job: Job) -> io::Result<Measurement> {
    at_socket_path(context, Transport::LocalSocketPath, job, |path| {
        let stream = Stream::connect(&Name::path(path)?)?;
        measure::blocking(&stream, &stream, job)
    })
}

fn pipe(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::localipc()?.measure_blocking(context, job)
}

#[cfg(unix)]
fn fifo(context: &Context, job: Job) -> io::Result<Measurement> {
    Pipes::fifos(context)?.measure_blocking(context, job)
}

#[cfg(windows)]
fn named_pipe_bytes(context: &Context, job: Job) -> io::Result<Measurement> {
    named_pipe(context, job, false)
}

#[cfg(windows)]
fn named_pipe_messages(context: &Context, job: Job) -> io::Result<Measurement> {
    named_pipe(context, job, true)
}

fn shm(context: &Context, job: Job) -> io::Result<Measurement> {
    shm_channel(context, job, Spin::default())
}

fn shm_spin_off(context: &Context, job: Job) -> io::Result<Measurement> {
    shm_channel(context, job, Spin::Off)
}

/// A named pipe in message mode if `messages`, else in byte mode.
#[cfg(windows)]
fn named_pipe(context: &Context, job: Job, messages: bool) -> io::Result<Measurement> {
    use localipc::os::windows::named_pipe::ConnectOptions;

    let path = format!(r"\\.\pipe\{}", context.unique_name());
    let transport = Transport::NamedPipe {
        path: path.clone(),
        messages,
    };
    with_listening_peer(context, transport, job, || {
        let stream = ConnectOptions::new(&path).connect()?;
        measure::blocking(&stream, &stream, job)
    })
}
