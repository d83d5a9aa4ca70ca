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
}

fn parse() -> Result<Settings, String> {
    let mut settings = Settings { rounds: 5, mib: 4 };
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
            "--help" | "-h" => {
                return Err(
                    "usage: shm-offsets [--rounds N (5)] [--mib N (4): MiB per pair and round]"
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

/// Reads what the writer sends, pair by pair: the bytes that move the ring
/// position, then the pair's bytes, then one byte of acknowledgement.
fn reader(mut stream: ShmStream, settings: &Settings) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let mut position = 0usize;
    let per_pair = settings.mib << 20;
    for _ in 0..settings.rounds {
        for (ring, _) in schedule() {
            let shift = (ring_position(ring) + PAGE - position % PAGE) % PAGE;
            let mut left = shift + per_pair;
            while left > 0 {
                let n = stream.read(&mut buf[..left.min(1 << 20)])?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                left -= n;
            }
            position += shift + per_pair;
            stream.write_all(&[1])?;
        }
    }
    Ok(())
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
    let mib = settings.mib;
    let peer = thread::spawn(move || -> io::Result<()> {
        let stream = ShmStream::connect(&name)?;
        reader(stream, &Settings { rounds, mib })
    });
    let mut stream = listener.accept()?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    // A source buffer starting on a page, with room for every offset.
    let mut storage = vec![0u8; WRITE + OFFSETS + 2 * PAGE];
    let base = storage.as_ptr().align_offset(PAGE);
    for (i, byte) in storage.iter_mut().enumerate() {
        *byte = (i % 251) as u8;
    }
    let per_pair = settings.mib << 20;
    let writes = per_pair / WRITE;
    let mut figures: Vec<Vec<f64>> = (0..OFFSETS * OFFSETS)
        .map(|_| Vec::with_capacity(rounds))
        .collect();
    let mut position = 0usize;
    let mut ack = [0u8; 1];
    for round in 0..rounds {
        let started = Instant::now();
        for (ring, source) in schedule() {
            let shift = (ring_position(ring) + PAGE - position % PAGE) % PAGE;
            stream.write_all(&storage[base..base + shift])?;
            position += shift;
            let from = &storage[base + source..base + source + WRITE];
            let timed = Instant::now();
            for _ in 0..writes {
                stream.write_all(from)?;
            }
            stream.read_exact(&mut ack)?;
            let seconds = timed.elapsed().as_secs_f64();
            position += per_pair;
            figures[ring * OFFSETS + source].push(per_pair as f64 / seconds / 1e9);
        }
        eprintln!(
            "shm-offsets: round {} of {rounds} done in {:.1} s",
            round + 1,
            started.elapsed().as_secs_f64()
        );
    }
    drop(stream);
    peer.join()
        .map_err(|_| io::Error::other("the reader thread panicked"))??;
    report(&mut figures);
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn report(figures: &mut [Vec<f64>]) {
    let medians: Vec<f64> = figures.iter_mut().map(|round| median(round)).collect();
    let (slowest, fastest) = medians.iter().enumerate().fold(
        ((0, f64::MAX), (0, 0.0)),
        |(low, high), (pair, &figure)| {
            (
                if figure < low.1 { (pair, figure) } else { low },
                if figure > high.1 {
                    (pair, figure)
                } else {
                    high
                },
            )
        },
    );
    let describe = |pair: usize| format!("ring +{}, source +{}", pair / OFFSETS, pair % OFFSETS);
    println!(
        "fastest: {:.1} GB/s ({}); slowest: {:.1} GB/s ({}); slowest ÷ fastest: {:.3} (goal ≥ 0.8: {})",
        fastest.1,
        describe(fastest.0),
        slowest.1,
        describe(slowest.0),
        slowest.1 / fastest.1,
        if slowest.1 / fastest.1 >= 0.8 {
            "yes"
        } else {
            "NO"
        }
    );
    let mut sorted = medians.clone();
    println!(
        "median over the {} pairs: {:.1} GB/s",
        sorted.len(),
        median(&mut sorted)
    );
    let distance = |pair: usize| (ring_position(pair / OFFSETS) + PAGE - pair % OFFSETS) % PAGE;
    let mut order: Vec<usize> = (0..medians.len()).collect();
    order.sort_by(|&a, &b| medians[a].total_cmp(&medians[b]));
    println!("the slowest pairs (distance: destination − source, mod {PAGE}):");
    for &pair in &order[..8] {
        println!(
            "  {:>5.1} GB/s  {}, distance {}",
            medians[pair],
            describe(pair),
            distance(pair)
        );
    }
    println!("median GB/s by distance, in bands of {OFFSETS} bytes:");
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
