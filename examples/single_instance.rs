//! A single-instance application: `single_instance NAME ARGS...`.
//!
//! The first start prints `primary <pid>`, then `from <pid>: ARGS` for each
//! later start, and exits after 3 s without a new one. A later start
//! forwards its arguments, prints `forwarded to <pid>` once the primary has
//! acknowledged them, and exits 0.
//!
//! ```text
//! $ cargo run --example single_instance -- my-app &
//! primary 4242
//! $ cargo run --example single_instance -- my-app open notes.txt
//! forwarded to 4242
//! from 4243: open notes.txt
//! ```

use std::ffi::OsString;
use std::io;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use localipc::single_instance::{Arrival, Primary, SingleInstance, Start};

/// How long the primary waits for another start before it exits.
const IDLE: Duration = Duration::from_secs(3);

/// How many times a start tries again after finding a primary that was
/// exiting.
const ATTEMPTS: u32 = 5;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(name) = args.next() else {
        eprintln!("usage: single_instance NAME [ARGS...]");
        return ExitCode::from(2);
    };
    let args: Vec<OsString> = args.collect();
    match run(&name, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("single_instance: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(name: &OsString, args: &[OsString]) -> io::Result<()> {
    let instance = SingleInstance::new(name);
    for attempt in 1.. {
        match instance.start()? {
            Start::Primary(primary) => return serve(primary),
            Start::Running(running) => {
                let pid = running.pid();
                match running.forward(args) {
                    Ok(()) => {
                        match pid {
                            Some(pid) => println!("forwarded to {pid}"),
                            None => println!("forwarded to an instance whose pid is unknown"),
                        }
                        return Ok(());
                    }
                    // The primary was exiting: start again.
                    Err(error)
                        if error.kind() == io::ErrorKind::ConnectionAborted
                            && attempt < ATTEMPTS => {}
                    Err(error) => return Err(error),
                }
            }
        }
    }
    unreachable!("the loop returns")
}

/// Prints each forwarded start until none comes for [`IDLE`].
fn serve(primary: Primary) -> io::Result<()> {
    println!("primary {}", std::process::id());
    let (arrivals, arrived) = mpsc::channel::<Arrival>();
    // Accepting blocks, so it has a thread of its own; the main thread
    // waits for arrivals with a deadline, and exiting ends both.
    std::thread::spawn(move || {
        loop {
            match primary.accept() {
                Ok(arrival) => {
                    if arrivals.send(arrival).is_err() {
                        return;
                    }
                }
                Err(error) => eprintln!("single_instance: a start failed to forward: {error}"),
            }
        }
    });
    while let Ok(arrival) = arrived.recv_timeout(IDLE) {
        let words: Vec<_> = arrival
            .args()
            .iter()
            .map(|arg| arg.to_string_lossy())
            .collect();
        let pid = arrival
            .pid()
            .map_or_else(|| "?".to_owned(), |pid| pid.to_string());
        println!("from {pid}: {}", words.join(" "));
        if let Err(error) = arrival.acknowledge() {
            eprintln!("single_instance: could not acknowledge: {error}");
        }
    }
    Ok(())
}
