//! `shm-offsets`: does a `ShmStream`'s throughput depend on where the
//! bytes fall? 64 KiB writes from a source buffer starting at every offset
//! 0..63 past a 4 KiB boundary into a ring whose write position sits at
//! every offset 0..63 (4,096 pairs), each pair timed over `--mib` MiB in
//! each of `--rounds` rounds (the pairs interleaved, so a slow moment of
//! the machine spreads over many pairs), the figure of a pair being the
//! median of its rounds. The reader is a second thread of this process
//! reading into a page-aligned buffer: the copies are the ones two
//! processes make, the rings being the same shared memory.
//!
//! It prints the fastest and slowest pairs and their ratio (the goal:
//! the slowest at least 0.8× the fastest), the slowest pairs, and the
//! median figure by the distance between destination and source within a
//! page, where a copy routine that depends on relative alignment would
//! show a band.
//!
//! ```sh
//! cargo run --release -p localipc-bench --bin shm-offsets -- --rounds 5 --mib 4
//! ```

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use localipc::local_socket::Name;
use localipc::shm::{ShmListener, ShmStream};

/// The write size measured.
const WRITE: usize = 64 * 1024;
/// Offsets tried for the source and for the ring position.
const OFFSETS: usize = 64;
/// The alignment the offsets are counted from: a page, which is what a
/// copy routine's relative-alignment paths look at.
const PAGE: usize = 4096;

struct Settings {
    rounds: usize,
    mib: usize,
    confirm: usize,
}

fn parse() -> Result<Settings, String> {
    let mut settings = Settings {
        rounds: 5,
        mib: 4,
        confirm: 21,
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let value = |arguments: &mut dyn Iterator<Item = String>| -> Result<usize, String> {
            arguments
                .next()
                .and_then(|value| value.parse().ok())
                .filter(|&value| value > 0)
                .ok_or(format!("{flag} takes a positive number"))
        };
        match flag.as_str() {
            "--rounds" => settings.rounds = value(&mut arguments)?,
            "--mib" => settings.mib = value(&mut arguments)?,
            "--confirm" => settings.confirm = value(&mut arguments)?,
            "--help" | "-h" => {
                return Err(
                    "usage: shm-offsets [--rounds N (5)] [--mib N (4): MiB per pair and round] [--confirm N (21): rounds of the second look]"
                        .into(),
                );
            }
            other => return Err(format!("unknown argument {other:?}; see --help")),
        }
    }
    Ok(settings)
}

/// Where ring offset `ring` puts the write position within a page:
/// `ring` bytes past a 64-byte line, and `ring` lines into the page, so
/// that the 4,096 pairs put the destination at almost every distance
/// (mod 4 KiB) from the source: a copy routine's slow path for some
/// relative alignment cannot hide between the pairs.
fn ring_position(ring: usize) -> usize {
    ring * (OFFSETS + 1) % PAGE
}

/// The order the pairs are measured in, the same in every round: a stride
/// through them, so neighbouring offsets are not measured back to back.
fn schedule() -> Vec<(usize, usize)> {
    let pairs = OFFSETS * OFFSETS;
    (0..pairs)
        .map(|i| (i * 1031) % pairs)
        .map(|pair| (pair / OFFSETS, pair % OFFSETS))
        .collect()
}

/// Reads what the writer sends, pair by pair: an 8-byte little-endian
/// count, that many bytes (the ones that move the ring position, then the
/// pair's), then one byte of acknowledgement. A count of 0 ends.
fn reader(mut stream: ShmStream) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let mut header = [0u8; 8];
        stream.read_exact(&mut header)?;
        let mut left = usize::try_from(u64::from_le_bytes(header))
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
        if left == 0 {
            return Ok(());
        }
        while left > 0 {
            let n = stream.read(&mut buf[..left.min(1 << 20)])?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            left -= n;
        }
        stream.write_all(&[1])?;
    }
}

/// The measuring side: times one pair at a time.
struct Writer {
    stream: ShmStream,
    /// A source buffer starting on a page, with room for every offset.
    storage: Vec<u8>,
    base: usize,
    /// Bytes written so far: the ring's write position, modulo its size.
    position: usize,
    per_pair: usize,
}

impl Writer {
    /// 64 KiB writes from `source` bytes past a page, with the ring's write
    /// position at `ring_position(ring)` past a page: GB/s.
    fn time(&mut self, ring: usize, source: usize) -> io::Result<f64> {
        const HEADER: usize = 8;
        let shift = (ring_position(ring) + 2 * PAGE - (self.position + HEADER) % PAGE) % PAGE;
        let count = (shift + self.per_pair) as u64;
        self.stream.write_all(&count.to_le_bytes())?;
        self.stream
            .write_all(&self.storage[self.base..self.base + shift])?;
        self.position += HEADER + shift;
        let from = &self.storage[self.base + source..self.base + source + WRITE];
        let timed = Instant::now();
        for _ in 0..self.per_pair / WRITE {
            self.stream.write_all(from)?;
        }
        let mut ack = [0u8; 1];
        self.stream.read_exact(&mut ack)?;
        let seconds = timed.elapsed().as_secs_f64();
        self.position += self.per_pair;
        Ok(self.per_pair as f64 / seconds / 1e9)
    }

    /// Tells the reader the run is over.
    fn finish(mut self) -> io::Result<()> {
        self.stream.write_all(&0u64.to_le_bytes())
    }
}

fn main() -> ExitCode {
    let settings = match parse() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("shm-offsets: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("shm-offsets: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(settings: &Settings) -> io::Result<()> {
    let name = Name::namespaced(format!("localipc-shm-offsets-{}.sock", std::process::id()))?;
    let listener = ShmListener::bind(&name)?;
    let rounds = settings.rounds;
    let peer = thread::spawn(move || -> io::Result<()> { reader(ShmStream::connect(&name)?) });
    let mut stream = listener.accept()?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut storage = vec![0u8; WRITE + OFFSETS + 3 * PAGE];
    let base = storage.as_ptr().align_offset(PAGE);
    for (i, byte) in storage.iter_mut().enumerate() {
        *byte = (i % 251) as u8;
    }
    let mut writer = Writer {
        stream,
        storage,
        base,
        position: 0,
        per_pair: settings.mib << 20,
    };
    let mut figures: Vec<Vec<f64>> = (0..OFFSETS * OFFSETS)
        .map(|_| Vec::with_capacity(rounds))
        .collect();
    for round in 0..rounds {
        let started = Instant::now();
        for (ring, source) in schedule() {
            figures[ring * OFFSETS + source].push(writer.time(ring, source)?);
        }
        eprintln!(
            "shm-offsets: round {} of {rounds} done in {:.1} s",
            round + 1,
            started.elapsed().as_secs_f64()
        );
    }
    let medians: Vec<f64> = figures.iter_mut().map(|round| median(round)).collect();
    let confirmed = confirm(&mut writer, &medians, settings.confirm)?;
    writer.finish()?;
    peer.join()
        .map_err(|_| io::Error::other("the reader thread panicked"))??;
    report(&medians, &confirmed);
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// How many of the slowest and of the fastest pairs the second look takes.
const EXTREMES: usize = 8;

/// The second look: the sweep's [`EXTREMES`] slowest and fastest pairs,
/// timed again, interleaved, over `rounds` rounds. With 4,096 pairs a few
/// land in the tails of the machine's noise; a pair slow for where its
/// bytes fall stays slow. Returns (pair, median GB/s), slowest first.
fn confirm(writer: &mut Writer, medians: &[f64], rounds: usize) -> io::Result<Vec<(usize, f64)>> {
    let mut order: Vec<usize> = (0..medians.len()).collect();
    order.sort_by(|&a, &b| medians[a].total_cmp(&medians[b]));
    let extremes: Vec<usize> = order[..EXTREMES]
        .iter()
        .chain(&order[order.len() - EXTREMES..])
        .copied()
        .collect();
    let mut figures = vec![Vec::with_capacity(rounds); extremes.len()];
    for _ in 0..rounds {
        for (figure, &pair) in figures.iter_mut().zip(&extremes) {
            figure.push(writer.time(pair / OFFSETS, pair % OFFSETS)?);
        }
    }
    let mut confirmed: Vec<(usize, f64)> = extremes
        .into_iter()
        .zip(figures.iter_mut().map(|figure| median(figure)))
        .collect();
    confirmed.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(confirmed)
}

fn describe(pair: usize) -> String {
    format!("ring +{}, source +{}", pair / OFFSETS, pair % OFFSETS)
}

fn report(medians: &[f64], confirmed: &[(usize, f64)]) {
    let mut sorted = medians.to_vec();
    sorted.sort_by(f64::total_cmp);
    println!(
        "sweep: {} pairs, median {:.1} GB/s, slowest {:.1}, fastest {:.1}",
        sorted.len(),
        sorted[sorted.len() / 2],
        sorted[0],
        sorted[sorted.len() - 1]
    );
    let (slowest, fastest) = (confirmed[0], confirmed[confirmed.len() - 1]);
    let ratio = slowest.1 / fastest.1;
    println!(
        "second look at the {EXTREMES} slowest and {EXTREMES} fastest: slowest {:.1} GB/s ({}), fastest {:.1} GB/s ({}); slowest ÷ fastest: {ratio:.3} (goal ≥ 0.8: {})",
        slowest.1,
        describe(slowest.0),
        fastest.1,
        describe(fastest.0),
        if ratio >= 0.8 { "yes" } else { "NO" }
    );
    let distance = |pair: usize| (ring_position(pair / OFFSETS) + PAGE - pair % OFFSETS) % PAGE;
    println!("the second look, slowest first (distance: destination − source, mod {PAGE}):");
    for &(pair, figure) in confirmed {
        println!(
            "  {figure:>5.1} GB/s  {}, distance {}",
            describe(pair),
            distance(pair)
        );
    }
    println!("sweep median GB/s by distance, in bands of {OFFSETS} bytes:");
    let mut line = String::new();
    for band in 0..PAGE / OFFSETS {
        let mut figures: Vec<f64> = (0..medians.len())
            .filter(|&pair| distance(pair) / OFFSETS == band)
            .map(|pair| medians[pair])
            .collect();
        line.push_str(&format!(
            "{:>5}:{:>5.1} ",
            band * OFFSETS,
            median(&mut figures)
        ));
        if band % 8 == 7 {
            println!("{}", line.trim_end());
            line.clear();
        }
    }
}
