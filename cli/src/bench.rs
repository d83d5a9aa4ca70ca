//! `localipc bench`: throughput and round-trip latency of every primitive,
//! measured between this process and a second one it starts.

use std::io::{self, IsTerminal, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::measure;
use crate::peer::{IN_VAR, NAME_VAR, OUT_VAR};

/// The primitives this OS has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Primitive {
    SocketNamespaced,
    SocketPath,
    Pipe,
    #[cfg(unix)]
    Fifo,
    #[cfg(windows)]
    NamedPipeBytes,
    #[cfg(windows)]
    NamedPipeMessages,
}

const PRIMITIVES: &[Primitive] = &[
    Primitive::SocketNamespaced,
    Primitive::SocketPath,
    Primitive::Pipe,
    #[cfg(unix)]
    Primitive::Fifo,
    #[cfg(windows)]
    Primitive::NamedPipeBytes,
    #[cfg(windows)]
    Primitive::NamedPipeMessages,
];

impl Primitive {
    fn id(self) -> &'static str {
        match self {
            Self::SocketNamespaced => "socket-namespaced",
            Self::SocketPath => "socket-path",
            Self::Pipe => "pipe",
            #[cfg(unix)]
            Self::Fifo => "fifo",
            #[cfg(windows)]
            Self::NamedPipeBytes => "named-pipe-bytes",
            #[cfg(windows)]
            Self::NamedPipeMessages => "named-pipe-messages",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::SocketNamespaced => "local socket, namespaced",
            Self::SocketPath => "local socket, path",
            Self::Pipe => "unnamed pipe",
            #[cfg(unix)]
            Self::Fifo => "FIFO",
            #[cfg(windows)]
            Self::NamedPipeBytes => "named pipe, byte mode",
            #[cfg(windows)]
            Self::NamedPipeMessages => "named pipe, message mode",
        }
    }

    pub(crate) fn from_id(id: &str) -> io::Result<Self> {
        PRIMITIVES
            .iter()
            .copied()
            .find(|primitive| primitive.id() == id)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("unknown primitive {id}"),
                )
            })
    }
}

/// One measurement, sized for the run's mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Test {
    Bulk { chunk: usize, total: u64 },
    RoundTrips { size: usize, count: usize },
}

impl Test {
    fn all(quick: bool) -> [Test; 4] {
        let scale = if quick { 8 } else { 1 };
        [
            Test::Bulk {
                chunk: 64 * 1024,
                total: (512 << 20) / scale,
            },
            Test::Bulk {
                chunk: 4 * 1024,
                total: (128 << 20) / scale,
            },
            Test::RoundTrips {
                size: 1,
                count: 20_000 / scale as usize,
            },
            Test::RoundTrips {
                size: 64,
                count: 20_000 / scale as usize,
            },
        ]
    }

    fn id(self) -> String {
        match self {
            Test::Bulk { chunk, total } => format!("bulk:{chunk}:{total}"),
            Test::RoundTrips { size, count } => format!("rtt:{size}:{count}"),
        }
    }

    pub(crate) fn from_id(id: &str) -> io::Result<Self> {
        let invalid = || io::Error::new(io::ErrorKind::InvalidInput, format!("unknown test {id}"));
        let mut parts = id.split(':');
        let (kind, a, b) = (parts.next(), parts.next(), parts.next());
        let a: u64 = a.and_then(|a| a.parse().ok()).ok_or_else(invalid)?;
        let b: u64 = b.and_then(|b| b.parse().ok()).ok_or_else(invalid)?;
        match kind {
            Some("bulk") => Ok(Test::Bulk {
                chunk: a as usize,
                total: b,
            }),
            Some("rtt") => Ok(Test::RoundTrips {
                size: a as usize,
                count: b as usize,
            }),
            _ => Err(invalid()),
        }
    }

    pub(crate) fn bulk_total(self) -> Option<u64> {
        match self {
            Test::Bulk { total, .. } => Some(total),
            Test::RoundTrips { .. } => None,
        }
    }

    pub(crate) fn message_size(self) -> usize {
        match self {
            Test::Bulk { chunk, .. } => chunk,
            Test::RoundTrips { size, .. } => size,
        }
    }

    pub(crate) fn count(self) -> usize {
        match self {
            Test::Bulk { .. } => 0,
            Test::RoundTrips { count, .. } => count,
        }
    }
}

/// One primitive's figures.
#[derive(Debug, Default)]
struct Row {
    label: &'static str,
    throughput_64k: f64,
    throughput_4k: f64,
    rtt_1: (Duration, Duration),
    rtt_64: (Duration, Duration),
}

/// Runs every measurement of every primitive and prints the results.
pub(crate) fn run(quick: bool, json: bool) -> io::Result<()> {
    let progress = io::stderr().is_terminal();
    let mut rows = Vec::new();
    for &primitive in PRIMITIVES {
        let mut row = Row {
            label: primitive.label(),
            ..Row::default()
        };
        for test in Test::all(quick) {
            if progress {
                eprint!(
                    "\r\x1b[2K  measuring {}: {}",
                    primitive.label(),
                    describe(test)
                );
                io::stderr().flush()?;
            }
            match test {
                Test::Bulk { chunk, total } => {
                    let elapsed = with_link(primitive, test, |to, from| {
                        measure::send_bulk(to, from, total, chunk)
                    })?;
                    let rate = measure::rate(total, elapsed);
                    if chunk == 64 * 1024 {
                        row.throughput_64k = rate
                    } else {
                        row.throughput_4k = rate
                    }
                }
                Test::RoundTrips { size, count } => {
                    let times = with_link(primitive, test, |to, from| {
                        measure::ping(to, from, size, count)
                    })?;
                    let figures = measure::median_and_p99(times);
                    if size == 1 {
                        row.rtt_1 = figures
                    } else {
                        row.rtt_64 = figures
                    }
                }
            }
        }
        rows.push(row);
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    if json {
        print_json(&rows, quick)
    } else {
        print_table(&rows, quick)
    }
    Ok(())
}

fn describe(test: Test) -> String {
    match test {
        Test::Bulk { chunk, total } => {
            format!("{} MiB in {} KiB writes", total >> 20, chunk / 1024)
        }
        Test::RoundTrips { size, count } => format!("{count} round trips of {size} B"),
    }
}

fn unique() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "localipc-bench-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn peer_command(primitive: Primitive, test: Test) -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .args(["__peer", primitive.id(), &test.id()])
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    Ok(command)
}

/// Sets up `primitive` between this process and a peer running its half of
/// `test`, runs `measure` on this side, and checks the peer succeeded.
fn with_link<T>(
    primitive: Primitive,
    test: Test,
    measure: impl FnOnce(&mut dyn Write, &mut dyn Read) -> io::Result<T>,
) -> io::Result<T> {
    let mut command = peer_command(primitive, test)?;
    let (mut child, mut to_peer, mut from_peer, _cleanup) = open(primitive, &mut command)?;
    let result = measure(&mut *to_peer, &mut *from_peer);
    drop((to_peer, from_peer));
    let status = finish(&mut child, result.is_err())?;
    let value = result
        .map_err(|error| io::Error::new(error.kind(), format!("{}: {error}", primitive.label())))?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "{}: the peer process ended with {status}",
            primitive.label()
        )));
    }
    Ok(value)
}

fn finish(child: &mut Child, failed: bool) -> io::Result<std::process::ExitStatus> {
    if failed {
        let _ = child.kill();
    }
    child.wait()
}

/// Something removed when the measurement is over.
struct Cleanup(Option<std::path::PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

type Opened = (Child, Box<dyn Write>, Box<dyn Read>, Cleanup);

/// This side of `primitive`, with the peer started on the other.
fn open(primitive: Primitive, command: &mut Command) -> io::Result<Opened> {
    use localipc::local_socket::{Listener, Name};
    match primitive {
        Primitive::SocketNamespaced | Primitive::SocketPath => {
            let (name, given, cleanup) = if primitive == Primitive::SocketNamespaced {
                let given = format!("{}.sock", unique());
                (
                    Name::namespaced(&given)?,
                    std::ffi::OsString::from(given),
                    Cleanup(None),
                )
            } else {
                let (given, cleanup) = socket_path()?;
                (Name::path(&given)?, given, cleanup)
            };
            let listener = Listener::bind(&name)?;
            let child = command.env(NAME_VAR, given).spawn()?;
            let stream = listener.accept()?;
            Ok((
                child,
                Box::new(stream.try_clone()?),
                Box::new(stream),
                cleanup,
            ))
        }
        Primitive::Pipe => {
            let (down_tx, down_rx) = localipc::pipe::pipe()?;
            let (up_tx, up_rx) = localipc::pipe::pipe()?;
            let child = localipc::pipe::Handoff::new()
                .receiver(IN_VAR, &down_rx)
                .sender(OUT_VAR, &up_tx)
                .spawn(command)?;
            drop((down_rx, up_tx));
            Ok((child, Box::new(down_tx), Box::new(up_rx), Cleanup(None)))
        }
        #[cfg(unix)]
        Primitive::Fifo => {
            use localipc::os::unix::fifo;
            let dir = std::env::temp_dir().join(unique());
            std::fs::create_dir(&dir)?;
            let cleanup = Cleanup(Some(dir.clone()));
            let (down, up) = (dir.join("down"), dir.join("up"));
            fifo::create(&down, 0o600)?;
            fifo::create(&up, 0o600)?;
            let child = command.env(IN_VAR, &down).env(OUT_VAR, &up).spawn()?;
            let to_peer = fifo::open_sender(&down)?;
            let from_peer = fifo::open_receiver(&up)?;
            Ok((child, Box::new(to_peer), Box::new(from_peer), cleanup))
        }
        #[cfg(windows)]
        Primitive::NamedPipeBytes | Primitive::NamedPipeMessages => {
            use localipc::os::windows::named_pipe::{ListenerOptions, PipeMode};
            let path = format!(r"\\.\pipe\{}", unique());
            let mode = if primitive == Primitive::NamedPipeMessages {
                PipeMode::Messages
            } else {
                PipeMode::Bytes
            };
            let listener = ListenerOptions::new(&path).mode(mode).create()?;
            let child = command.env(NAME_VAR, &path).spawn()?;
            let stream = listener.accept()?;
            Ok((
                child,
                Box::new(stream.try_clone()?),
                Box::new(stream),
                Cleanup(None),
            ))
        }
    }
}

/// A socket path for the path-name rows, and what removes it.
#[cfg(unix)]
fn socket_path() -> io::Result<(std::ffi::OsString, Cleanup)> {
    let dir = std::env::temp_dir().join(unique());
    std::fs::create_dir(&dir)?;
    Ok((dir.join("bench.sock").into_os_string(), Cleanup(Some(dir))))
}

#[cfg(windows)]
fn socket_path() -> io::Result<(std::ffi::OsString, Cleanup)> {
    Ok((format!(r"\\.\pipe\{}-path", unique()).into(), Cleanup(None)))
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn print_table(rows: &[Row], quick: bool) {
    println!(
        "localipc bench{}: {} ({} CPUs), both ends in separate processes, unpinned",
        if quick { " --quick" } else { "" },
        std::env::consts::OS,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "{:<28} {:>12} {:>12} {:>18} {:>18}",
        "primitive", "64 KiB MiB/s", "4 KiB MiB/s", "RTT 1 B med/p99", "RTT 64 B med/p99"
    );
    for row in rows {
        println!(
            "{:<28} {:>12.0} {:>12.0} {:>8.1}/{:<6.1}us {:>8.1}/{:<6.1}us",
            row.label,
            row.throughput_64k,
            row.throughput_4k,
            micros(row.rtt_1.0),
            micros(row.rtt_1.1),
            micros(row.rtt_64.0),
            micros(row.rtt_64.1),
        );
    }
}

fn print_json(rows: &[Row], quick: bool) {
    let entries: Vec<String> = rows
        .iter()
        .map(|row| {
            format!(
                "    {{\"primitive\": \"{}\", \"throughput_64k_mib_s\": {:.1}, \"throughput_4k_mib_s\": {:.1}, \
                 \"rtt_1b_median_us\": {:.2}, \"rtt_1b_p99_us\": {:.2}, \"rtt_64b_median_us\": {:.2}, \"rtt_64b_p99_us\": {:.2}}}",
                row.label,
                row.throughput_64k,
                row.throughput_4k,
                micros(row.rtt_1.0),
                micros(row.rtt_1.1),
                micros(row.rtt_64.0),
                micros(row.rtt_64.1),
            )
        })
        .collect();
    println!(
        "{{\n  \"os\": \"{}\",\n  \"cpus\": {},\n  \"quick\": {quick},\n  \"placement\": \"unpinned\",\n  \"results\": [\n{}\n  ]\n}}",
        std::env::consts::OS,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        entries.join(",\n")
    );
}
