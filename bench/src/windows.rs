//! The Windows measurement: local sockets (named pipes) through localipc's
//! blocking API, its Tokio and smol front ends, and Tokio's own named pipes,
//! side by side in one run. It backs the design note of the Windows async
//! core (completions awaited through thread-pool waits): the async rows are
//! read as ratios to the blocking row and to Tokio's IOCP-based pipes.
//!
//! The peer is the same for every contender: a thread serving a blocking
//! localipc listener. Each round measures every contender for one figure,
//! in an order rotated every round; a figure is the median over rounds.
//! Here CI runs it under Wine, whose figures say how the designs compare on
//! Wine, not what Windows gives.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use localipc::local_socket::{self, Listener, Name};

const ROUNDS: usize = 5;
const THROUGHPUT_BYTES: u64 = 64 << 20;
const CHUNK: usize = 64 * 1024;
const TRIPS: usize = 2000;
const MESSAGE: usize = 64;
const ACK: u8 = 0x06;

/// What a contender runs, on a stream it connected to `name` itself.
#[derive(Clone, Copy, Debug)]
enum Job {
    Throughput,
    RoundTrip,
}

type Run = fn(&Name, Job) -> io::Result<Duration>;

const CONTENDERS: [(&str, Run); 4] = [
    ("localipc Stream (blocking)", blocking),
    ("localipc tokio Stream", localipc_tokio),
    ("localipc smol Stream", localipc_smol),
    ("tokio NamedPipeClient", tokio_pipe),
];

/// Tiny transfers and one round, for CI.
static SMOKE: AtomicBool = AtomicBool::new(false);

/// The bytes of a throughput job and the trips of a round-trip job.
fn sizes() -> (u64, usize) {
    if SMOKE.load(Ordering::Relaxed) {
        (THROUGHPUT_BYTES / 64, TRIPS / 64)
    } else {
        (THROUGHPUT_BYTES, TRIPS)
    }
}

pub(crate) fn main(smoke: bool) -> io::Result<()> {
    SMOKE.store(smoke, Ordering::Relaxed);
    let rounds = if smoke { 1 } else { ROUNDS };
    let mut samples = vec![[Vec::new(), Vec::new()]; CONTENDERS.len()];
    for round in 0..rounds {
        for (figure, job) in [Job::Throughput, Job::RoundTrip].into_iter().enumerate() {
            for offset in 0..CONTENDERS.len() {
                let index = (offset + round) % CONTENDERS.len();
                let (label, run) = CONTENDERS[index];
                let took = measure(run, job)
                    .map_err(|error| io::Error::new(error.kind(), format!("{label}: {error}")))?;
                samples[index][figure].push(took);
            }
        }
    }
    let (bytes, trips) = sizes();
    let median = |values: &[Duration]| {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        sorted[sorted.len() / 2]
    };
    let base = [median(&samples[0][0]), median(&samples[0][1])];
    println!("Windows local sockets (named pipes), median of {rounds} rounds");
    println!("| contender | 64 KiB writes, MiB/s | ×blocking | round trip 64 B, µs | ×blocking |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (index, (label, _)) in CONTENDERS.iter().enumerate() {
        let throughput = median(&samples[index][0]);
        let trip = median(&samples[index][1]);
        let mib_per_s = bytes as f64 / f64::from(1 << 20) / throughput.as_secs_f64();
        let trip_us = trip.as_secs_f64() * 1e6 / trips as f64;
        println!(
            "| {label} | {mib_per_s:.0} | {:.3} | {trip_us:.2} | {:.3} |",
            base[0].as_secs_f64() / throughput.as_secs_f64(),
            trip.as_secs_f64() / base[1].as_secs_f64(),
        );
    }
    Ok(())
}

/// Runs one contender on one job against a fresh peer thread.
fn measure(run: Run, job: Job) -> io::Result<Duration> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = Name::namespaced(format!(
        "localipc-bench-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))?;
    let listener = Listener::bind(&name)?;
    let peer = std::thread::spawn(move || serve(&listener, job, sizes().0));
    let took = run(&name, job)?;
    peer.join()
        .map_err(|_| io::Error::other("the peer panicked"))??;
    Ok(took)
}

/// The peer: reads everything and acknowledges, or echoes until the end.
fn serve(listener: &Listener, job: Job, bytes: u64) -> io::Result<()> {
    let mut stream = listener.accept()?;
    match job {
        Job::Throughput => {
            let mut buf = vec![0; CHUNK];
            let mut left = bytes;
            while left > 0 {
                let n = stream.read(&mut buf)?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                left -= n as u64;
            }
            stream.write_all(&[ACK])?;
        }
        Job::RoundTrip => {
            let mut message = [0; MESSAGE];
            loop {
                match stream.read_exact(&mut message) {
                    Ok(()) => stream.write_all(&message)?,
                    Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(error) => return Err(error),
                }
            }
        }
    }
    // Wait for the measured side to hang up, so nothing is cut short.
    let _ = stream.read(&mut [0]);
    Ok(())
}

fn blocking(name: &Name, job: Job) -> io::Result<Duration> {
    let mut stream = local_socket::Stream::connect(name)?;
    let (bytes, trips) = sizes();
    let started = Instant::now();
    match job {
        Job::Throughput => {
            let chunk = vec![7; CHUNK];
            for _ in 0..bytes / CHUNK as u64 {
                stream.write_all(&chunk)?;
            }
            let mut ack = [0];
            stream.read_exact(&mut ack)?;
        }
        Job::RoundTrip => {
            let mut message = [9; MESSAGE];
            for _ in 0..trips {
                stream.write_all(&message)?;
                stream.read_exact(&mut message)?;
            }
        }
    }
    Ok(started.elapsed())
}

/// Defines `run`, the measured loop over an async stream, for one family of
/// async I/O traits (Tokio's and futures-io's have the same method names).
macro_rules! measured_loop {
    ($($io:ident)::+) => {
        pub(super) async fn run<S>(stream: &mut S, job: super::Job) -> std::io::Result<std::time::Duration>
        where
            S: $($io)::+::AsyncRead + $($io)::+::AsyncWrite + Unpin,
        {
            use $($io)::+::{AsyncReadExt as _, AsyncWriteExt as _};
            let (bytes, trips) = super::sizes();
            let started = std::time::Instant::now();
            match job {
                super::Job::Throughput => {
                    let chunk = vec![7; super::CHUNK];
                    for _ in 0..bytes / super::CHUNK as u64 {
                        stream.write_all(&chunk).await?;
                    }
                    let mut ack = [0];
                    stream.read_exact(&mut ack).await?;
                }
                super::Job::RoundTrip => {
                    let mut message = [9; super::MESSAGE];
                    for _ in 0..trips {
                        stream.write_all(&message).await?;
                        stream.read_exact(&mut message).await?;
                    }
                }
            }
            Ok(started.elapsed())
        }
    };
}

mod tokio_loop {
    measured_loop!(tokio::io);
}

mod futures_loop {
    measured_loop!(futures_lite::io);
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
}

fn localipc_tokio(name: &Name, job: Job) -> io::Result<Duration> {
    runtime()?.block_on(async {
        let mut stream = local_socket::tokio::Stream::connect(name).await?;
        tokio_loop::run(&mut stream, job).await
    })
}

fn tokio_pipe(name: &Name, job: Job) -> io::Result<Duration> {
    runtime()?.block_on(async {
        let path = name.to_string();
        let mut stream = tokio::net::windows::named_pipe::ClientOptions::new().open(&path)?;
        tokio_loop::run(&mut stream, job).await
    })
}

fn localipc_smol(name: &Name, job: Job) -> io::Result<Duration> {
    futures_lite::future::block_on(async {
        let mut stream = local_socket::smol::Stream::connect(name).await?;
        futures_loop::run(&mut stream, job).await
    })
}
