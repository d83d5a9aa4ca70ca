//! A server that accepts connections and hands each one to a worker
//! process, which serves it directly: the accepted stream itself crosses
//! to the worker over a `ResourceStream` (a descriptor on Unix, a handle on
//! Windows), so the server never relays a byte.
//!
//! ```text
//! cargo run --example handoff            # a server, 3 workers and 12 clients
//! ```
//!
//! The program plays every part: run without arguments it is the server,
//! which starts workers (this same program with `worker NAME`) and then
//! clients (threads here), and checks that each client was answered by a
//! worker process, not by the server. It exits non-zero on any failure and
//! gives up after 60 seconds.

use std::io::{Read, Write};
use std::process::{Child, Command};
use std::time::Duration;

use localipc::local_socket::{Listener, Name, ResourceStream, Stream};
use localipc::resource::AsResource;

const WORKERS: usize = 3;
const CLIENTS: usize = 12;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [role, control] if role == "worker" => worker(&Name::namespaced(control.as_str())?),
        [] => server(),
        _ => {
            eprintln!("usage: handoff [worker CONTROL-NAME]");
            std::process::exit(2);
        }
    }
}

/// A worker: connects to the server's control socket, then serves every
/// stream the server hands it, until the server closes the control socket.
fn worker(control: &Name) -> std::io::Result<()> {
    let control = ResourceStream::new(Stream::connect(control)?)?;
    let mut served = 0;
    loop {
        let mut note = [0; 1];
        let mut resources = Vec::new();
        if control.recv_with(&mut note, &mut resources)? == 0 {
            break;
        }
        for resource in resources {
            let stream = stream_from(resource)?;
            let mut request = [0; 5];
            (&stream).read_exact(&mut request)?;
            let reply = format!(
                "{} served by worker {}",
                String::from_utf8_lossy(&request),
                std::process::id()
            );
            (&stream).write_all(reply.as_bytes())?;
            served += 1;
        }
    }
    let line = format!("worker {}: served {served} clients\n", std::process::id());
    std::io::stderr().write_all(line.as_bytes())?;
    Ok(())
}

#[cfg(unix)]
fn stream_from(resource: localipc::resource::OwnedResource) -> std::io::Result<Stream> {
    Ok(Stream::from(resource))
}

#[cfg(windows)]
fn stream_from(resource: localipc::resource::OwnedResource) -> std::io::Result<Stream> {
    Stream::try_from(resource)
}

/// The server: starts the workers, accepts clients on the public socket,
/// and hands each accepted stream to the next worker, round robin.
fn server() -> std::io::Result<()> {
    let _watchdog = localipc_test_support::watchdog("handoff", Duration::from_secs(60));
    let tag = std::process::id();
    let control_name = format!("localipc-handoff-control-{tag}.sock");
    let public = Name::namespaced(format!("localipc-handoff-{tag}.sock"))?;
    let control_listener = Listener::bind(&Name::namespaced(control_name.as_str())?)?;
    let listener = Listener::bind(&public)?;

    let mut children: Vec<Child> = Vec::new();
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        children.push(
            Command::new(std::env::current_exe()?)
                .args(["worker", &control_name])
                .spawn()?,
        );
        workers.push(ResourceStream::new(control_listener.accept()?)?);
    }

    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let public = public.clone();
            std::thread::spawn(move || -> std::io::Result<String> {
                let mut stream = Stream::connect(&public)?;
                stream.write_all(format!("c{i:04}").as_bytes())?;
                let mut reply = String::new();
                stream.read_to_string(&mut reply)?;
                Ok(reply)
            })
        })
        .collect();

    for i in 0..CLIENTS {
        let accepted = listener.accept()?;
        // The worker gets its own copy; ours is dropped at once.
        workers[i % WORKERS].send_with(b"s", &[accepted.as_resource()])?;
    }

    let mut answered_by = std::collections::BTreeSet::new();
    for (i, client) in clients.into_iter().enumerate() {
        let reply = client.join().expect("client thread")?;
        let expected = format!("c{i:04} served by worker ");
        let Some(pid) = reply.strip_prefix(&expected) else {
            fail(&format!("client {i} got {reply:?}"));
        };
        if pid == std::process::id().to_string() {
            fail("the server answered a client itself");
        }
        answered_by.insert(pid.to_owned());
    }
    drop(workers);
    for mut child in children {
        if !child.wait()?.success() {
            fail("a worker failed");
        }
    }
    if answered_by.len() != WORKERS {
        fail(&format!(
            "{} workers answered, not {WORKERS}",
            answered_by.len()
        ));
    }
    println!(
        "handoff: {CLIENTS} clients accepted by the server and served by {WORKERS} worker processes"
    );
    Ok(())
}

fn fail(why: &str) -> ! {
    eprintln!("handoff: FAILED: {why}");
    std::process::exit(1);
}
