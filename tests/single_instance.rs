//! Single instances: one primary among simultaneous starts, recovery after
//! a killed primary, forwarding (whole arguments, acknowledgement, bounded
//! waits against a peer that stalls), the scopes against another user, and
//! the async front ends. Cross-process behaviour is tested with real
//! processes: this binary, re-run in a child role.

mod util;

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use localipc::local_socket::Stream;
use localipc::single_instance::{Scope, SingleInstance, Start};
use util::{Spawn, TempDir, child_command, is_child, watchdog};

const LIMIT: Duration = Duration::from_secs(60);
const ROLE_VAR: &str = "LOCALIPC_TEST_ROLE";
const ID_VAR: &str = "LOCALIPC_TEST_INSTANCE";
const OUT_VAR: &str = "LOCALIPC_TEST_OUT";
const EXPECT_VAR: &str = "LOCALIPC_TEST_EXPECT";
const SCOPE_VAR: &str = "LOCALIPC_TEST_SCOPE";

fn unique_id(label: &str) -> String {
    util::names::unique(&format!("si-{label}"))
}

fn scope_from_env() -> Scope {
    match std::env::var(SCOPE_VAR).as_deref() {
        Ok("machine") => Scope::Machine,
        Ok("session") => Scope::Session,
        _ => Scope::User,
    }
}

fn instance_from_env() -> SingleInstance {
    let mut instance = SingleInstance::new(std::env::var(ID_VAR).expect("instance id"));
    instance
        .scope(scope_from_env())
        .timeout(Duration::from_secs(20));
    instance
}

/// Writes a child's outcome to its own file in the test's directory.
fn report(line: &str) {
    let dir = PathBuf::from(std::env::var_os(OUT_VAR).expect("output directory"));
    let path = dir.join(format!("{}.out", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("opening the outcome file");
    writeln!(file, "{line}").expect("writing the outcome");
}

/// Runs this process's role if it is a child; true if it was one.
fn run_child_role() -> bool {
    if !is_child() {
        return false;
    }
    match std::env::var(ROLE_VAR).as_deref() {
        Ok("start") => start_role(),
        Ok("hold") => hold_role(),
        role => panic!("unknown child role {role:?}"),
    }
    true
}

/// Starts: a primary serves `EXPECT` forwarded starts, reporting each; a
/// later start forwards its pid and reports whom it forwarded to.
fn start_role() {
    let expect: usize = std::env::var(EXPECT_VAR)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let instance = instance_from_env();
    for _ in 0..5 {
        match instance.start().expect("start") {
            Start::Primary(primary) => {
                report("primary");
                for _ in 0..expect {
                    let arrival = primary.accept().expect("accepting a forwarded start");
                    let args: Vec<String> = arrival
                        .args()
                        .iter()
                        .map(|arg| arg.to_string_lossy().into_owned())
                        .collect();
                    report(&format!("from {:?}: {}", arrival.pid(), args.join(" ")));
                    arrival.acknowledge().expect("acknowledging");
                }
                return;
            }
            Start::Running(running) => {
                let pid = running.pid();
                match running.forward([format!("child-{}", std::process::id())]) {
                    Ok(()) => {
                        report(&format!("forwarded to {pid:?}"));
                        return;
                    }
                    Err(error) if error.kind() == io::ErrorKind::ConnectionAborted => continue,
                    Err(error) => panic!("forwarding: {error}"),
                }
            }
        }
    }
    panic!("five starts in a row found a primary that was exiting");
}

/// Starts, reports `primary` or `running`, and (a primary) holds the name
/// until killed or for 30 s.
fn hold_role() {
    match instance_from_env().start().expect("start") {
        Start::Primary(primary) => {
            report("primary");
            std::thread::sleep(Duration::from_secs(30));
            drop(primary);
        }
        Start::Running(running) => report(&format!("running {:?}", running.pid())),
    }
}

/// The lines each child reported, by pid.
fn outcomes(dir: &Path) -> Vec<(u32, Vec<String>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("reading the outcomes") {
        let path = entry.expect("an outcome").path();
        let Some(pid) = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .and_then(|stem| stem.parse().ok())
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("reading an outcome");
        found.push((pid, text.lines().map(str::to_owned).collect()));
    }
    found.sort();
    found
}

/// Waits until `pid`'s outcome file has a line, or fails after 20 s.
fn wait_for_line(dir: &Path, child: &mut Child) -> String {
    let started = Instant::now();
    loop {
        let path = dir.join(format!("{}.out", child.id()));
        if let Ok(text) = std::fs::read_to_string(&path) {
            if let Some(line) = text.lines().next() {
                return line.to_owned();
            }
        }
        if let Some(status) = child.try_wait().expect("polling the child") {
            panic!("the child ended with {status} before reporting");
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the child never reported"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn spawn_role(test: &str, role: &str, id: &str, out: &Path) -> std::process::Command {
    let mut command = child_command(test);
    command
        .env(ROLE_VAR, role)
        .env(ID_VAR, id)
        .env(OUT_VAR, out);
    command
}

#[test]
fn six_simultaneous_starts_make_one_primary_that_hears_the_five_others() {
    const TEST: &str = "six_simultaneous_starts_make_one_primary_that_hears_the_five_others";
    if run_child_role() {
        return;
    }
    let _watchdog = watchdog(TEST, Duration::from_secs(180));
    for round in 0..3 {
        let id = unique_id(&format!("six{round}"));
        let out = TempDir::new("si-six");
        let mut children: Vec<Child> = (0..6)
            .map(|_| {
                spawn_role(TEST, "start", &id, out.path())
                    .env(EXPECT_VAR, "5")
                    .spawn_child()
                    .expect("spawning a start")
            })
            .collect();
        for child in &mut children {
            util::assert_success(child.wait().expect("waiting for a start"), "a start");
        }
        let outcomes = outcomes(out.path());
        assert_eq!(
            outcomes.len(),
            6,
            "round {round}: every start reports: {outcomes:?}"
        );
        let primaries: Vec<_> = outcomes
            .iter()
            .filter(|(_, lines)| lines.first().is_some_and(|line| line == "primary"))
            .collect();
        assert_eq!(
            primaries.len(),
            1,
            "round {round}: one primary: {outcomes:?}"
        );
        let (primary, heard) = primaries[0];
        let mut heard: Vec<_> = heard[1..].to_vec();
        heard.sort();
        let mut expected: Vec<_> = outcomes
            .iter()
            .filter(|(pid, _)| pid != primary)
            .map(|(pid, lines)| {
                assert_eq!(
                    lines,
                    &[format!("forwarded to {:?}", Some(primary))],
                    "round {round}: a later start forwards to the primary"
                );
                format!("from {:?}: child-{pid}", Some(pid))
            })
            .collect();
        expected.sort();
        assert_eq!(
            heard, expected,
            "round {round}: the primary hears each other start once"
        );
    }
}

#[test]
fn a_killed_primary_is_replaced_by_the_next_start() {
    const TEST: &str = "a_killed_primary_is_replaced_by_the_next_start";
    if run_child_role() {
        return;
    }
    let _watchdog = watchdog(TEST, LIMIT);
    let id = unique_id("kill");
    let out = TempDir::new("si-kill");
    let mut holder = spawn_role(TEST, "hold", &id, out.path())
        .spawn_child()
        .expect("spawning the primary");
    assert_eq!(wait_for_line(out.path(), &mut holder), "primary");
    let mut instance = SingleInstance::new(&id);
    instance.timeout(Duration::from_secs(10));
    let Start::Running(running) = instance.start().expect("start beside the primary") else {
        panic!("the child is the primary");
    };
    assert_eq!(running.pid(), Some(holder.id()));
    drop(running);
    // SIGKILL on Unix, TerminateProcess on Windows: nothing is cleaned up.
    holder.kill().expect("killing the primary");
    holder.wait().expect("reaping the primary");
    let Start::Primary(primary) = instance.start().expect("start after the kill") else {
        panic!("a killed primary still counts as running");
    };
    // And the new primary serves.
    let Start::Running(running) = instance.start().expect("a later start") else {
        panic!("the new primary is not found");
    };
    let forwarding = std::thread::spawn(move || running.forward(["again"]));
    let arrival = primary.accept().expect("accept");
    assert_eq!(arrival.args(), ["again"]);
    arrival.acknowledge().expect("acknowledge");
    forwarding.join().unwrap().expect("forward");
}

/// A primary and a later start in this process.
fn pair(
    label: &str,
    timeout: Duration,
) -> (
    localipc::single_instance::Primary,
    localipc::single_instance::Running,
) {
    let mut instance = SingleInstance::new(unique_id(label));
    instance.timeout(timeout);
    let Start::Primary(primary) = instance.start().expect("first start") else {
        panic!("a fresh id has no primary");
    };
    let Start::Running(running) = instance.start().expect("second start") else {
        panic!("the primary is not found");
    };
    (primary, running)
}

#[test]
fn arguments_and_the_working_directory_arrive_whole() {
    let _watchdog = watchdog("arguments_and_the_working_directory_arrive_whole", LIMIT);
    let (primary, running) = pair("whole", Duration::from_secs(10));
    let mut args: Vec<OsString> = vec!["".into(), "two words".into(), "ünïcödé".into()];
    #[cfg(unix)]
    args.push(std::os::unix::ffi::OsStringExt::from_vec(vec![
        0xff, 0xfe, b'x',
    ]));
    #[cfg(windows)]
    args.push(std::os::windows::ffi::OsStringExt::from_wide(&[
        0xd800,
        u16::from(b'x'),
    ]));
    args.push("x".repeat(100_000).into());
    let sent = args.clone();
    let forwarding = std::thread::spawn(move || running.forward(&sent));
    let arrival = primary.accept().expect("accept");
    assert_eq!(arrival.args(), &args[..]);
    assert_eq!(
        arrival.cwd(),
        Some(std::env::current_dir().unwrap().as_path())
    );
    assert_eq!(arrival.pid(), Some(std::process::id()));
    arrival.acknowledge().expect("acknowledge");
    forwarding.join().unwrap().expect("forward");
}

#[test]
fn arguments_over_a_mebibyte_are_refused_before_sending() {
    let _watchdog = watchdog(
        "arguments_over_a_mebibyte_are_refused_before_sending",
        LIMIT,
    );
    let (_primary, running) = pair("big", Duration::from_secs(10));
    let error = running.forward(["x".repeat(1 << 20)]).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
}

#[test]
fn a_primary_that_drops_an_arrival_aborts_the_forward() {
    let _watchdog = watchdog("a_primary_that_drops_an_arrival_aborts_the_forward", LIMIT);
    let (primary, running) = pair("drop", Duration::from_secs(10));
    let forwarding = std::thread::spawn(move || running.forward(["a"]));
    drop(primary.accept().expect("accept"));
    let error = forwarding.join().unwrap().unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted, "{error}");
}

#[test]
fn a_primary_that_never_acknowledges_cannot_hold_a_start_past_its_timeout() {
    let _watchdog = watchdog(
        "a_primary_that_never_acknowledges_cannot_hold_a_start_past_its_timeout",
        LIMIT,
    );
    let (primary, running) = pair("noack", Duration::from_millis(500));
    let started = Instant::now();
    let forwarding = std::thread::spawn(move || running.forward(["a"]));
    let arrival = primary.accept().expect("accept");
    let error = forwarding.join().unwrap().unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(arrival);
}

#[test]
fn a_start_that_stalls_or_sends_garbage_cannot_hold_the_primary() {
    let _watchdog = watchdog(
        "a_start_that_stalls_or_sends_garbage_cannot_hold_the_primary",
        LIMIT,
    );
    let mut instance = SingleInstance::new(unique_id("stall"));
    instance.timeout(Duration::from_millis(500));
    let Start::Primary(primary) = instance.start().expect("start") else {
        panic!("a fresh id has no primary");
    };
    let name = primary.listener().name().expect("a bound name").clone();
    // Connected, sending nothing: the accept ends by the timeout.
    let silent = Stream::connect(&name).expect("connect");
    let started = Instant::now();
    let error = primary.accept().unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(silent);
    // A trickle of bytes, one every 100 ms, is bounded all the same.
    let trickle = std::thread::spawn({
        let name = name.clone();
        move || {
            let mut stream = Stream::connect(&name).expect("connect");
            for byte in b"lsi1\x10\x00\x00\x00abcdefghijklmnop" {
                if stream.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    });
    let started = Instant::now();
    let error = primary.accept().unwrap_err();
    assert!(matches!(error.kind(), io::ErrorKind::TimedOut), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    trickle.join().unwrap();
    // Not a forwarded start, or one announcing too much: InvalidData.
    for garbage in [&b"GET / HTTP/1.1\r\n\r\n"[..], b"lsi1\xff\xff\xff\xff"] {
        let mut stream = Stream::connect(&name).expect("connect");
        stream.write_all(garbage).expect("write");
        let error = primary.accept().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
        // The start learns nothing was acknowledged.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
    }
    // And the primary still serves a real start.
    let Start::Running(running) = instance.start().expect("a later start") else {
        panic!("the primary is not found");
    };
    let forwarding = std::thread::spawn(move || running.forward(["ok"]));
    let arrival = primary.accept().expect("accept");
    arrival.acknowledge().expect("acknowledge");
    forwarding.join().unwrap().expect("forward");
}

#[test]
fn the_id_must_be_a_valid_name() {
    for id in ["", "a/b", "a\0b"] {
        let error = SingleInstance::new(id).start().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{id:?}: {error}");
    }
}

#[test]
fn each_scope_names_its_instance_apart() {
    let id = unique_id("scopes");
    let names: Vec<String> = [Scope::User, Scope::Session, Scope::Machine]
        .into_iter()
        .map(|scope| {
            SingleInstance::new(&id)
                .scope(scope)
                .name()
                .expect("name")
                .to_string()
        })
        .collect();
    assert!(names.iter().all(|name| name.contains(&id)), "{names:?}");
    // Per user differs from machine-wide everywhere; per session differs
    // from per user where a session id is known.
    assert_ne!(names[0], names[2]);
    if cfg!(windows) || std::env::var_os("XDG_SESSION_ID").is_some() {
        assert_ne!(names[0], names[1]);
    }
}

#[cfg(unix)]
mod another_user {
    //! The scopes against a real second user: as root, a child dropped to
    //! uid 65534.
    use std::os::unix::process::CommandExt;

    use super::*;

    const NOBODY: u32 = 65534;

    fn as_nobody(test: &str, role: &str, id: &str, out: &Path, scope: &str) -> Child {
        std::fs::set_permissions(out, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .expect("opening the outcome directory to the child");
        spawn_role(test, role, id, out)
            .env(SCOPE_VAR, scope)
            // The child has its own per-user directory, not root's.
            .env_remove("XDG_RUNTIME_DIR")
            .uid(NOBODY)
            .gid(NOBODY)
            .spawn_child()
            .expect("spawning the other user's start")
    }

    fn can_be_another_user(test: &str) -> bool {
        if rustix::process::geteuid().is_root() {
            return true;
        }
        util::skip(test, "playing another user needs root (CI runs as root)");
        false
    }

    #[test]
    fn another_users_instance_is_neither_joined_nor_in_the_way() {
        const TEST: &str = "another_user::another_users_instance_is_neither_joined_nor_in_the_way";
        if run_child_role() {
            return;
        }
        let _watchdog = watchdog(TEST, LIMIT);
        if !can_be_another_user(TEST) {
            return;
        }
        let id = unique_id("users");
        let out = TempDir::new("si-users");
        // Root's primary does not stop the other user from being primary...
        let mut instance = SingleInstance::new(&id);
        instance.timeout(Duration::from_secs(10));
        let Start::Primary(root_primary) = instance.start().expect("root's start") else {
            panic!("a fresh id has no primary");
        };
        let mut theirs = as_nobody(TEST, "hold", &id, out.path(), "user");
        assert_eq!(wait_for_line(out.path(), &mut theirs), "primary");
        // ... and the other user's primary is neither joined nor in the way.
        drop(root_primary);
        let Start::Primary(_again) = instance.start().expect("root's start again") else {
            panic!("root joined another user's instance");
        };
        theirs.kill().expect("ending the other user's primary");
        theirs.wait().expect("reaping it");
    }

    #[test]
    fn machine_wide_every_user_joins_the_one_primary() {
        const TEST: &str = "another_user::machine_wide_every_user_joins_the_one_primary";
        if run_child_role() {
            return;
        }
        let _watchdog = watchdog(TEST, LIMIT);
        if !can_be_another_user(TEST) {
            return;
        }
        let id = unique_id("machine");
        let out = TempDir::new("si-machine");
        let mut instance = SingleInstance::new(&id);
        instance
            .scope(Scope::Machine)
            .timeout(Duration::from_secs(10));
        let Start::Primary(primary) = instance.start().expect("root's start") else {
            panic!("a fresh id has no primary");
        };
        let mut theirs = as_nobody(TEST, "start", &id, out.path(), "machine");
        let arrival = primary.accept().expect("the other user's start");
        assert_eq!(
            arrival.args(),
            [OsString::from(format!("child-{}", theirs.id()))]
        );
        arrival.acknowledge().expect("acknowledge");
        util::assert_success(theirs.wait().expect("waiting"), "the other user's start");
        let outcome = outcomes(out.path());
        assert_eq!(
            outcome[0].1,
            [format!("forwarded to {:?}", Some(std::process::id()))]
        );
    }
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_starts_forward_and_acknowledge() {
    use localipc::single_instance::tokio::{Start, start};
    let _watchdog = watchdog("tokio_starts_forward_and_acknowledge", LIMIT);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut instance = SingleInstance::new(unique_id("tokio"));
        instance.timeout(Duration::from_millis(500));
        let Start::Primary(primary) = start(&instance).await.unwrap() else {
            panic!("a fresh id has no primary");
        };
        let Start::Running(running) = start(&instance).await.unwrap() else {
            panic!("the primary is not found");
        };
        assert_eq!(running.pid(), Some(std::process::id()));
        let forwarding = tokio::spawn(running.forward(["one", "two"]));
        let arrival = primary.accept().await.unwrap();
        assert_eq!(arrival.args(), ["one", "two"]);
        arrival.acknowledge().await.unwrap();
        forwarding.await.unwrap().unwrap();
        // A primary that never acknowledges: the forward ends by its timeout.
        let Start::Running(running) = start(&instance).await.unwrap() else {
            panic!("the primary is not found");
        };
        let forwarding = tokio::spawn(running.forward(["three"]));
        let held = primary.accept().await.unwrap();
        let error = forwarding.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
        drop(held);
        // A start that sends nothing: the accept ends by its timeout.
        let name = primary.listener().name().unwrap().clone();
        let _silent = localipc::local_socket::tokio::Stream::connect(&name)
            .await
            .unwrap();
        let error = primary.accept().await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    });
}

#[cfg(feature = "smol")]
#[test]
fn smol_starts_forward_and_acknowledge() {
    use localipc::single_instance::smol::{Start, start};
    let _watchdog = watchdog("smol_starts_forward_and_acknowledge", LIMIT);
    smol::block_on(async {
        let mut instance = SingleInstance::new(unique_id("smol"));
        instance.timeout(Duration::from_millis(500));
        let Start::Primary(primary) = start(&instance).await.unwrap() else {
            panic!("a fresh id has no primary");
        };
        let Start::Running(running) = start(&instance).await.unwrap() else {
            panic!("the primary is not found");
        };
        let forwarding = smol::spawn(running.forward(["one", "two"]));
        let arrival = primary.accept().await.unwrap();
        assert_eq!(arrival.args(), ["one", "two"]);
        arrival.acknowledge().await.unwrap();
        forwarding.await.unwrap();
        let Start::Running(running) = start(&instance).await.unwrap() else {
            panic!("the primary is not found");
        };
        let forwarding = smol::spawn(running.forward(["three"]));
        drop(primary.accept().await.unwrap());
        let error = forwarding.await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted, "{error}");
    });
}
