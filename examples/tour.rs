//! A tour of every primitive localipc has today: this program starts a copy of
//! itself as a real child process and moves data through each primitive, in
//! both directions, checking every byte with a checksum: unnamed pipes,
//! FIFOs (Unix), local sockets on both kinds of name, message sockets, a
//! pipe end passed to the child over a `ResourceStream`, and a
//! shared-memory channel.
//!
//! Run it with `cargo run --release --example tour` (add a size in MiB, e.g.
//! `-- 256`, to move more).

use std::io::{self, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use localipc::local_socket::{
    Listener, MessageListener, MessageSocket, Name, ResourceStream, Stream,
};
use localipc::pipe::{self, Handoff, Sender};
use localipc::resource::AsResource;
use localipc::shm::{ShmListener, ShmStream};

/// The variable through which the parent tells the child what to do.
const ROLE: &str = "LOCALIPC_TOUR_ROLE";
/// The variable under which a pipe end is handed to the child.
const END: &str = "LOCALIPC_TOUR_END";
/// The size of every transfer, in bytes (set by the parent for the child).
const SIZE: &str = "LOCALIPC_TOUR_SIZE";

fn main() -> ExitCode {
    let result = match std::env::var(ROLE) {
        Ok(role) => child(&role),
        Err(_) => parent(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tour: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parent() -> io::Result<()> {
    let mib: u64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| invalid(format!("not a size in MiB: {arg}")))?,
        None => 64,
    };
    let size = mib << 20;
    // A child that fails before opening its end would leave the parent waiting
    // in a blocking open or read forever: bound the whole tour instead.
    let limit = Duration::from_secs(60 + mib / 4);
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("tour: still running after {limit:?}; giving up");
        std::process::exit(2);
    });
    println!(
        "localipc tour: moving {mib} MiB through each primitive between this process (pid {}) and a child process\n  (rates include starting the child and checksumming every byte)",
        std::process::id()
    );
    let mut report = Report::default();

    // Unnamed pipe, child -> parent, the write end handed over explicitly.
    let (tx, rx) = pipe::pipe()?;
    let mut command = child_command("send-handoff", size);
    let started = Instant::now();
    let child = Handoff::new().sender(END, &tx).spawn(&mut command)?;
    drop(tx); // the child now holds the only write end
    let got = receive(rx)?;
    report.record(
        "unnamed pipe, handed end",
        "child -> parent",
        child,
        Some(got),
        size,
        started,
    )?;

    // Unnamed pipe, parent -> child, as the child's standard input.
    let (tx, rx) = pipe::pipe()?;
    let mut command = child_command("receive-stdin", size);
    command.stdin(Stdio::from(rx)).stdout(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn()?;
    send(tx, size)?;
    let verdict = read_verdict(&mut child)?;
    report.record(
        "unnamed pipe, stdin",
        "parent -> child",
        child,
        verdict,
        size,
        started,
    )?;

    #[cfg(unix)]
    fifo_legs(&mut report, size)?;

    let unique = format!("localipc-tour-{}", std::process::id());
    let namespaced = Name::namespaced(format!("{unique}.sock"))?;
    socket_legs(&mut report, "local socket, namespaced", &namespaced, size)?;
    #[cfg(unix)]
    let path = Name::path(std::env::temp_dir().join(format!("{unique}.sock")))?;
    #[cfg(windows)]
    let path = Name::path(format!(r"\\.\pipe\{unique}-path"))?;
    socket_legs(&mut report, "local socket, path", &path, size)?;

    let messages = Name::namespaced(format!("{unique}-messages.sock"))?;
    message_legs(&mut report, &messages, size)?;
    let resources = Name::namespaced(format!("{unique}-resources.sock"))?;
    resource_leg(&mut report, &resources, size)?;
    let shared = Name::namespaced(format!("{unique}-shm.sock"))?;
    shm_legs(&mut report, &shared, size)?;

    report.finish()
}

/// Both directions through message sockets, one message per 16 KiB.
fn message_legs(report: &mut Report, name: &Name, size: u64) -> io::Result<()> {
    let listener = MessageListener::bind(name)?;
    let label = format!("message socket ({name})");
    let roles = ("send-messages", "receive-messages");
    legs(report, &label, name, roles, size, || {
        listener.accept().map(Messages)
    })
}

/// A message socket read and written as bytes: each write is one message
/// (of at most [`MESSAGE`] bytes), each read one message.
struct Messages(MessageSocket);

const MESSAGE: usize = 16 * 1024;

impl Write for Messages {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len().min(MESSAGE);
        self.0.send(&buf[..len])?;
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for Messages {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.recv(buf)
    }
}

/// A pipe's write end passed to the child over a `ResourceStream`: the
/// child then sends through the pipe it was given.
fn resource_leg(report: &mut Report, name: &Name, size: u64) -> io::Result<()> {
    let listener = Listener::bind(name)?;
    let label = format!("pipe end passed over a ResourceStream ({name})");
    let mut command = child_command("send-through-passed-pipe", size);
    pass_name(&mut command, name);
    let started = Instant::now();
    let child = command.spawn()?;
    let (tx, rx) = pipe::pipe()?;
    let control = ResourceStream::new(listener.accept()?)?;
    control.send_with(b"p", &[tx.as_resource()])?;
    drop(tx); // the child now holds the only write end
    let got = receive(rx)?;
    report.record(&label, "child -> parent", child, Some(got), size, started)
}

/// Both directions through a shared-memory channel.
fn shm_legs(report: &mut Report, name: &Name, size: u64) -> io::Result<()> {
    let listener = ShmListener::bind(name)?;
    let label = format!("shared-memory channel ({name})");
    let roles = ("send-shm", "receive-shm");
    legs(report, &label, name, roles, size, || listener.accept())
}

/// The pipe end the parent passes over the `ResourceStream` at `name`.
fn passed_pipe(name: &Name) -> io::Result<Sender> {
    let control = ResourceStream::new(Stream::connect(name)?)?;
    let mut resources = Vec::new();
    let mut byte = [0; 1];
    control.recv_with(&mut byte, &mut resources)?;
    let end = resources
        .pop()
        .ok_or_else(|| invalid("no pipe end came".to_owned()))?;
    Ok(Sender::from(end))
}

/// Both directions over a local socket: the parent listens, the child connects.
fn socket_legs(report: &mut Report, label: &str, name: &Name, size: u64) -> io::Result<()> {
    let listener = Listener::bind(name)?;
    let label = format!("{label} ({name})");
    let roles = ("send-socket", "receive-socket");
    legs(report, &label, name, roles, size, || listener.accept())
}

/// Both directions of one primitive: the child (in the roles given, one
/// sending, one receiving) connects to `name`, and `accept` takes its
/// connection each time.
fn legs<C: Read + Write>(
    report: &mut Report,
    label: &str,
    name: &Name,
    (sender, receiver): (&str, &str),
    size: u64,
    mut accept: impl FnMut() -> io::Result<C>,
) -> io::Result<()> {
    let mut command = child_command(sender, size);
    pass_name(&mut command, name);
    let started = Instant::now();
    let child = command.spawn()?;
    let got = receive(accept()?)?;
    report.record(label, "child -> parent", child, Some(got), size, started)?;

    let mut command = child_command(receiver, size);
    pass_name(&mut command, name);
    command.stdout(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn()?;
    send(accept()?, size)?;
    let verdict = read_verdict(&mut child)?;
    report.record(label, "parent -> child", child, verdict, size, started)
}

/// The child rebuilds the name from these variables.
fn pass_name(command: &mut Command, name: &Name) {
    let given = match name.fs_path() {
        Some(path) => path.as_os_str().to_owned(),
        None => name.to_string().into(),
    };
    let kind = if name.is_namespaced() {
        "namespaced"
    } else {
        "path"
    };
    command.env(END, given).env("LOCALIPC_TOUR_NAME_KIND", kind);
}

fn name_from_parent() -> io::Result<Name> {
    let given = std::env::var_os(END).ok_or_else(|| invalid(format!("{END} is not set")))?;
    if std::env::var("LOCALIPC_TOUR_NAME_KIND").as_deref() != Ok("namespaced") {
        return Name::path(given);
    }
    // Display form back to the name: `@name` on Linux, the pipe path on
    // Windows, the socket file elsewhere.
    let given = given.to_string_lossy().into_owned();
    let bare = given
        .trim_start_matches('@')
        .trim_start_matches(r"\\.\pipe\");
    let bare = std::path::Path::new(bare)
        .file_name()
        .map_or(bare.into(), |file| file.to_owned());
    Name::namespaced(bare)
}

/// The FIFO legs: one in each direction, each end opened by path in its own process.
#[cfg(unix)]
fn fifo_legs(report: &mut Report, size: u64) -> io::Result<()> {
    use localipc::os::unix::fifo;

    let dir = std::env::temp_dir().join(format!("localipc-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("fifo");
    let result = (|| {
        fifo::create(&path, 0o600)?;

        let mut command = child_command("send-fifo", size);
        command.env(END, &path);
        let started = Instant::now();
        let child = command.spawn()?;
        let got = receive(fifo::open_receiver(&path)?)?;
        report.record("FIFO", "child -> parent", child, Some(got), size, started)?;

        let mut command = child_command("receive-fifo", size);
        command.env(END, &path).stdout(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn()?;
        send(fifo::open_sender(&path)?, size)?;
        let verdict = read_verdict(&mut child)?;
        report.record("FIFO", "parent -> child", child, verdict, size, started)
    })();
    std::fs::remove_dir_all(&dir)?;
    result
}

fn child(role: &str) -> io::Result<()> {
    let size: u64 = std::env::var(SIZE)
        .ok()
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| invalid(format!("{SIZE} is not set")))?;
    match role {
        // SAFETY: the parent handed this end with a Handoff under END; claimed once.
        "send-handoff" => send(unsafe { Sender::from_handoff(END) }?, size).map(drop),
        "receive-stdin" => report_verdict(receive(io::stdin().lock())?),
        #[cfg(unix)]
        "send-fifo" => {
            let path = std::env::var_os(END).ok_or_else(|| invalid(format!("{END} is not set")))?;
            send(localipc::os::unix::fifo::open_sender(path)?, size).map(drop)
        }
        #[cfg(unix)]
        "receive-fifo" => {
            let path = std::env::var_os(END).ok_or_else(|| invalid(format!("{END} is not set")))?;
            report_verdict(receive(localipc::os::unix::fifo::open_receiver(path)?)?)
        }
        "send-socket" => send(Stream::connect(&name_from_parent()?)?, size).map(drop),
        "receive-socket" => report_verdict(receive(Stream::connect(&name_from_parent()?)?)?),
        "send-messages" => send(
            Messages(MessageSocket::connect(&name_from_parent()?)?),
            size,
        )
        .map(drop),
        "receive-messages" => report_verdict(receive(Messages(MessageSocket::connect(
            &name_from_parent()?,
        )?))?),
        "send-through-passed-pipe" => send(passed_pipe(&name_from_parent()?)?, size).map(drop),
        "send-shm" => send(ShmStream::connect(&name_from_parent()?)?, size).map(drop),
        "receive-shm" => report_verdict(receive(ShmStream::connect(&name_from_parent()?)?)?),
        other => Err(invalid(format!("unknown role {other}"))),
    }
}

fn child_command(role: &str, size: u64) -> Command {
    let exe = std::env::current_exe().expect("the path of this program");
    let mut command = Command::new(exe);
    command.env(ROLE, role).env(SIZE, size.to_string());
    command
}

/// The data every leg moves: a deterministic pseudo-random stream.
fn fill(offset: u64, buf: &mut [u8]) {
    for (i, chunk) in buf.chunks_mut(8).enumerate() {
        let mut x = (offset / 8 + i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 29;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
}

/// What one side saw: how many bytes, and their FNV-1a checksum.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Seen {
    bytes: u64,
    checksum: u64,
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn send(mut writer: impl Write, size: u64) -> io::Result<Seen> {
    let mut buf = vec![0; 64 * 1024];
    let mut fnv = Fnv::new();
    let mut offset = 0;
    while offset < size {
        let len = buf.len().min((size - offset) as usize);
        fill(offset, &mut buf[..len]);
        fnv.update(&buf[..len]);
        writer.write_all(&buf[..len])?;
        offset += len as u64;
    }
    Ok(Seen {
        bytes: size,
        checksum: fnv.0,
    })
}

fn receive(mut reader: impl Read) -> io::Result<Seen> {
    let mut buf = vec![0; 64 * 1024];
    let mut fnv = Fnv::new();
    let mut bytes = 0;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(Seen {
                bytes,
                checksum: fnv.0,
            });
        }
        fnv.update(&buf[..n]);
        bytes += n as u64;
    }
}

/// A receiving child prints what it saw on its standard output for the parent.
fn report_verdict(seen: Seen) -> io::Result<()> {
    println!("{} {:016x}", seen.bytes, seen.checksum);
    Ok(())
}

fn read_verdict(child: &mut std::process::Child) -> io::Result<Option<Seen>> {
    let mut text = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut text)?;
    }
    let mut fields = text.split_whitespace();
    let bytes = fields.next().and_then(|f| f.parse().ok());
    let checksum = fields.next().and_then(|f| u64::from_str_radix(f, 16).ok());
    Ok(bytes
        .zip(checksum)
        .map(|(bytes, checksum)| Seen { bytes, checksum }))
}

#[derive(Default)]
struct Report {
    failures: usize,
    /// The primitive of the last line printed, to print each heading once.
    heading: String,
}

impl Report {
    /// Waits for the child, checks what arrived against what the stream must
    /// be, and prints one line.
    fn record(
        &mut self,
        primitive: &str,
        direction: &str,
        mut child: std::process::Child,
        arrived: Option<Seen>,
        size: u64,
        started: Instant,
    ) -> io::Result<()> {
        let status = child.wait()?;
        let elapsed = started.elapsed();
        let expected = send(io::sink(), size)?;
        let ok = status.success() && arrived == Some(expected);
        if !ok {
            self.failures += 1;
        }
        if self.heading != primitive {
            println!("  {primitive}");
            self.heading = primitive.to_owned();
        }
        println!(
            "    {direction:<16} child pid {:<7} {:>6} MiB in {:>8.1?} ({:>7.1} MiB/s)  checksum {:016x} {}",
            child.id(),
            size >> 20,
            elapsed,
            throughput(size, elapsed),
            expected.checksum,
            if ok { "ok" } else { "MISMATCH" },
        );
        if !ok {
            println!("    child {status}; arrived {arrived:?}, expected {expected:?}");
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        if self.failures == 0 {
            println!("every byte arrived intact");
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "{} transfers failed",
                self.failures
            )))
        }
    }
}

/// The rate including process start-up, which dominates small transfers.
fn throughput(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / elapsed.as_secs_f64()
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
