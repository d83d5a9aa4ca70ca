//! The wait protocol, model-checked: loom runs the real rings, the real
//! [`Wait`](super::wait::Wait) and both real drivers (blocking and async)
//! against a model of the socket, through every interleaving of the two
//! sides (within a bound on preemptions), with spurious wake-ups of the
//! async tasks. A lost wake-up shows as a deadlock, a byte read before it
//! was written as a causality error.
//!
//! Run with `RUSTFLAGS="--cfg localipc_loom" cargo test --release --lib
//! shm::model` (a CI lane of its own); `LOOM_MAX_PREEMPTIONS` widens the
//! search (3 by default here).

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
use loom::thread;

use super::async_core::{AsyncChannel, BellSocket};
use super::blocking::{Bell, BlockingChannel, Waiting};
use super::ring::model_pair;

/// Small rings, so that a few bytes fill them and both sides wait.
const CAPACITY: usize = 4;

/// A blocking call that waits as long as it takes, without spinning.
const BLOCKING: Waiting = Waiting {
    spin: None,
    nonblocking: false,
    timeout: None,
};

/// One direction of the model's socket. It holds one bell: a bell sent
/// while one waits is dropped, as a full socket drops it (the reader has a
/// bell to take either way).
#[derive(Default)]
struct Wire {
    state: Mutex<WireState>,
    changed: Condvar,
}

#[derive(Default)]
struct WireState {
    bells: usize,
    closed: bool,
    /// The async reader to wake.
    waker: Option<Waker>,
}

impl Wire {
    fn lock(&self) -> MutexGuard<'_, WireState> {
        self.state.lock().unwrap()
    }

    fn change(&self, change: impl FnOnce(&mut WireState)) {
        let mut state = self.lock();
        change(&mut state);
        let waker = state.waker.take();
        drop(state);
        self.changed.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn send(&self) {
        self.change(|state| state.bells = 1);
    }

    fn close(&self) {
        self.change(|state| state.closed = true);
    }
}

/// Takes the waiting bells: `None` if there are none and the writer lives.
fn take(state: &mut WireState, buf: &[u8]) -> Option<usize> {
    if state.bells > 0 {
        let taken = state.bells.min(buf.len());
        state.bells -= taken;
        Some(taken)
    } else if state.closed {
        Some(0)
    } else {
        None
    }
}

/// One side's end of the model's socket.
struct Socket {
    incoming: Arc<Wire>,
    outgoing: Arc<Wire>,
}

fn socket_pair() -> (Socket, Socket) {
    let (there, back) = (Arc::new(Wire::default()), Arc::new(Wire::default()));
    (
        Socket {
            incoming: Arc::clone(&back),
            outgoing: Arc::clone(&there),
        },
        Socket {
            incoming: there,
            outgoing: back,
        },
    )
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.outgoing.close();
    }
}

impl Bell for Socket {
    fn ring(&self) -> bool {
        self.outgoing.send();
        true
    }

    fn wait(&self, buf: &mut [u8], _deadline: Option<Instant>) -> io::Result<usize> {
        let mut state = self.incoming.lock();
        loop {
            if let Some(taken) = take(&mut state, buf) {
                return Ok(taken);
            }
            state = self.incoming.changed.wait(state).unwrap();
        }
    }

    fn poll(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        Ok(take(&mut self.incoming.lock(), buf))
    }
}

impl BellSocket for Socket {
    fn poll_bells(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut state = self.incoming.lock();
        match take(&mut state, buf) {
            Some(taken) => Poll::Ready(Ok(taken)),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn ring(&self) {
        self.outgoing.send();
    }
}

/// Loom's search, with a default bound on preemptions that keeps each
/// model within seconds.
fn check(model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(model);
}

fn write_all(channel: &mut BlockingChannel<Socket>, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let written = channel.write(bytes, &BLOCKING)?;
        bytes = &bytes[written..];
    }
    Ok(())
}

fn read_to_end(channel: &mut BlockingChannel<Socket>) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0; 3];
    loop {
        match channel.read(&mut buf, &BLOCKING).unwrap() {
            0 => return got,
            n => got.extend_from_slice(&buf[..n]),
        }
    }
}

async fn read_async(channel: &mut AsyncChannel, socket: &Socket, len: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0; 3];
    while got.len() < len {
        let n = poll_fn(|cx| channel.poll_read(cx, &mut buf, socket))
            .await
            .unwrap();
        assert_ne!(n, 0, "the end came before {len} bytes");
        got.extend_from_slice(&buf[..n]);
    }
    got
}

async fn write_async(channel: &mut AsyncChannel, socket: &Socket, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let n = poll_fn(|cx| channel.poll_write(cx, bytes, socket))
            .await
            .unwrap();
        bytes = &bytes[n..];
    }
}

/// Six bytes through a ring of four, blocking on both sides: the writer
/// waits for room, the reader for bytes, and the end after the last.
#[test]
fn blocking_sides_move_every_byte_then_the_end() {
    check(|| {
        let (offerer, accepter) = model_pair(CAPACITY);
        let (near, far) = socket_pair();
        let mut writer = BlockingChannel::new(offerer, near);
        let mut reader = BlockingChannel::new(accepter, far);
        let reading = thread::spawn(move || read_to_end(&mut reader));
        write_all(&mut writer, &[1, 2, 3, 4, 5, 6]).unwrap();
        writer.shutdown_write();
        assert_eq!(reading.join().unwrap(), [1, 2, 3, 4, 5, 6]);
    });
}

/// A writer whose reader leaves gets `BrokenPipe`, never a hang.
#[test]
fn a_writer_whose_reader_leaves_breaks() {
    check(|| {
        let (offerer, accepter) = model_pair(CAPACITY);
        let (near, far) = socket_pair();
        let mut writer = BlockingChannel::new(offerer, near);
        let mut reader = BlockingChannel::new(accepter, far);
        let reading = thread::spawn(move || {
            let mut buf = [0; 2];
            reader.read(&mut buf, &BLOCKING).unwrap()
        });
        let error = write_all(&mut writer, &[7; 9]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert!(reading.join().unwrap() > 0);
    });
}

/// An async reader (with spurious wake-ups) and a blocking writer.
#[test]
fn an_async_reader_is_woken_for_every_byte() {
    check(|| {
        let (offerer, accepter) = model_pair(CAPACITY);
        let (near, far) = socket_pair();
        let mut writer = BlockingChannel::new(offerer, near);
        let reading = thread::spawn(move || {
            let mut reader = AsyncChannel::new(accepter);
            loom::future::block_on(read_async(&mut reader, &far, 6))
        });
        write_all(&mut writer, &[1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(reading.join().unwrap(), [1, 2, 3, 4, 5, 6]);
    });
}

/// An async writer that waits for room, and a blocking reader that stops
/// after the bytes and then leaves.
#[test]
fn an_async_writer_is_woken_for_room() {
    check(|| {
        let (offerer, accepter) = model_pair(CAPACITY);
        let (near, far) = socket_pair();
        let mut reader = BlockingChannel::new(accepter, far);
        let writing = thread::spawn(move || {
            let mut writer = AsyncChannel::new(offerer);
            loom::future::block_on(write_async(&mut writer, &near, &[1, 2, 3, 4, 5, 6]));
            writer.shutdown(&near);
        });
        assert_eq!(read_to_end(&mut reader), [1, 2, 3, 4, 5, 6]);
        writing.join().unwrap();
    });
}

/// One async side whose read and write wait at once in two threads (as
/// after `split`), sharing one socket: a bell either takes may be the
/// other's. The async write waits for room (five bytes through a ring of
/// four) while the async read waits for the byte the blocking side sends
/// once it has read all five.
#[test]
fn halves_waiting_at_once_wake_each_other() {
    check(|| {
        let (offerer, accepter) = model_pair(CAPACITY);
        let (near, far) = socket_pair();
        let mut blocking = BlockingChannel::new(offerer, near);
        let shared = Arc::new(Mutex::new((AsyncChannel::new(accepter), far)));
        let halves = Arc::clone(&shared);
        let reading = thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0; 2];
            while got.is_empty() {
                let n = loom::future::block_on(poll_fn(|cx| {
                    let (channel, socket) = &mut *halves.lock().unwrap();
                    channel.poll_read(cx, &mut buf, &*socket)
                }))
                .unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            got
        });
        let writing = thread::spawn(move || {
            let mut bytes: &[u8] = &[9, 8, 7, 6, 5];
            while !bytes.is_empty() {
                let n = loom::future::block_on(poll_fn(|cx| {
                    let (channel, socket) = &mut *shared.lock().unwrap();
                    channel.poll_write(cx, bytes, &*socket)
                }))
                .unwrap();
                bytes = &bytes[n..];
            }
        });
        let mut back = [0; 5];
        let mut got = 0;
        while got < back.len() {
            got += blocking.read(&mut back[got..], &BLOCKING).unwrap();
        }
        write_all(&mut blocking, &[1]).unwrap();
        assert_eq!(back, [9, 8, 7, 6, 5]);
        assert_eq!(reading.join().unwrap(), [1]);
        writing.join().unwrap();
    });
}

/// The checker sees a lost wake-up: the same async writer, over a socket
/// whose bell goes through a runtime that may say "not now" (as Tokio's
/// task budget did) and drops it then, deadlocks in some interleaving. The
/// channel's rule is that only a full socket drops a bell; this model
/// breaks it on purpose, to show that the models above would catch it.
/// Loom ends a process whose model deadlocks, so the model runs in a child
/// process (this test binary again), which must fail with a deadlock.
#[test]
fn the_checker_sees_a_bell_dropped_by_the_runtime() {
    const CHILD: &str = "LOCALIPC_LOOM_SELF_TEST";
    if std::env::var_os(CHILD).is_some() {
        return a_bell_dropped_by_the_runtime_is_a_lost_wake_up();
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "shm::model::the_checker_sees_a_bell_dropped_by_the_runtime",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("deadlock"),
        "the checker did not find the lost wake-up ({}):\n{stderr}",
        output.status
    );
}

fn a_bell_dropped_by_the_runtime_is_a_lost_wake_up() {
    /// The writer's socket, whose bells a runtime may refuse.
    struct Refusing {
        socket: Socket,
        budget_spent: Arc<AtomicBool>,
    }

    impl BellSocket for Refusing {
        fn poll_bells(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            BellSocket::poll_bells(&self.socket, cx, buf)
        }

        fn ring(&self) {
            if !self.budget_spent.load(Ordering::SeqCst) {
                BellSocket::ring(&self.socket);
            }
        }
    }

    check(|| {
        let (offerer, accepter) = model_pair(CAPACITY);
        let (near, far) = socket_pair();
        let budget_spent = Arc::new(AtomicBool::new(false));
        let spender = Arc::clone(&budget_spent);
        let near = Refusing {
            socket: near,
            budget_spent,
        };
        let mut reader = BlockingChannel::new(accepter, far);
        thread::spawn(move || spender.store(true, Ordering::SeqCst));
        let writing = thread::spawn(move || {
            let mut writer = AsyncChannel::new(offerer);
            loom::future::block_on(poll_fn(|cx| writer.poll_write(cx, &[1], &near))).unwrap();
            // Then waits for an answer that never comes, keeping the socket.
            let mut buf = [0; 1];
            let _ = loom::future::block_on(poll_fn(|cx| writer.poll_read(cx, &mut buf, &near)));
        });
        let mut buf = [0; 1];
        assert_eq!(reader.read(&mut buf, &BLOCKING).unwrap(), 1);
        drop(reader);
        writing.join().unwrap();
    });
}
