//! Who may connect to a listener, and which server a client agrees to talk
//! to, tried against a real second user; and the bind path of socket files:
//! one winner among concurrent binders, never a moment more open than
//! asked, no phantom client for a live listener.
//!
//! CI runs as root, so the other user is a child process of this test
//! binary that drops to uid/gid 65534 (`nobody`); a test that needs one
//! prints a `localipc-test-skip` line when not run as root. Each policy is
//! tried on both kinds of name and through every front end that is built
//! (blocking, Tokio, smol), from one definition.
#![cfg(unix)]

mod util;

#[allow(unused_imports, reason = "where processes are started")]
use util::Spawn as _;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use localipc::identity::{Group, User};
use localipc::local_socket::{
    Access, ConnectOptions, ExpectedServer, Listener, ListenerOptions, Name, Stream,
};
use localipc::os::unix::identity::{GroupExt, UserExt};
use util::names::{both_kinds, name_for_child, name_from_parent, namespaced};
use util::{TempDir, assert_success, child_command, is_child, skip, watchdog};

const LIMIT: Duration = Duration::from_secs(120);

/// The other user: `nobody` on Linux.
const NOBODY: u32 = 65534;
/// A group `nobody` is not in.
const NOT_NOBODYS: u32 = 65533;

const ROLE_VAR: &str = "LOCALIPC_TEST_ROLE";

// --- Child roles -------------------------------------------------------------

/// Runs this process's role if it is a child; true if it was one (the
/// caller then returns at once).
fn run_child_role() -> bool {
    if !is_child() {
        return false;
    }
    match std::env::var(ROLE_VAR).as_deref() {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Ok("client") => policies::client_role(),
        Ok("squatter") => squatter_role(),
        Ok("binder") => binder_role(),
        Ok("mode-binder") => mode_binder_role(),
        Ok("hammer") => hammer_role(),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Ok("flood") => policies::flood_role(),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Ok("raw-client") => policies::raw_client_role(),
        role => panic!("unknown child role {role:?}"),
    }
    true
}

/// The start of a test that plays another user: runs this process's child
/// role if it is a child, else arms the watchdog and checks that another
/// user can be played (printing a skip line if not). `None`: return at once.
fn begin_as_root(test: &str) -> Option<util::Watchdog> {
    if run_child_role() {
        return None;
    }
    let watchdog = watchdog(test, LIMIT);
    can_be_another_user(test).then_some(watchdog)
}

/// Whether another user can be played here (as root); prints a skip line if not.
fn can_be_another_user(test: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    skip(test, "needs root to run a child process as another user");
    false
}

#[test]
fn socket_files_get_the_mode_and_group_of_their_policy() {
    use std::os::unix::fs::MetadataExt;
    let _watchdog = watchdog("socket_files_get_the_mode_and_group_of_their_policy", LIMIT);
    let group = Group::from_gid(rustix::process::getegid().as_raw());
    for (access, mode) in [
        (Access::current_user(), 0o600),
        (Access::any_user(), 0o666),
        (Access::group(group.clone()), 0o660),
        (Access::users([User::from_uid(NOBODY)]), 0o666),
    ] {
        let dir = TempDir::new("policy-mode");
        let name = Name::path(dir.path().join("s.sock")).unwrap();
        let _listener = ListenerOptions::new(&name)
            .access(access.clone())
            .bind()
            .unwrap();
        let metadata = std::fs::metadata(name.fs_path().unwrap()).unwrap();
        assert_eq!(metadata.mode() & 0o777, mode, "{access:?}");
        assert_eq!(metadata.uid(), rustix::process::geteuid().as_raw());
        if access == Access::group(group.clone()) {
            assert_eq!(metadata.gid(), group.gid());
        }
    }
}

#[test]
fn a_socket_file_cannot_go_to_a_group_this_process_is_not_in() {
    let test = "a_socket_file_cannot_go_to_a_group_this_process_is_not_in";
    let _watchdog = watchdog(test, LIMIT);
    if rustix::process::geteuid().is_root() {
        skip(test, "root may give a file to any group");
        return;
    }
    let dir = TempDir::new("foreign-group");
    let name = Name::path(dir.path().join("s.sock")).unwrap();
    let error = ListenerOptions::new(&name)
        .access(Access::group(Group::from_gid(NOT_NOBODYS)))
        .bind()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
    assert!(error.to_string().contains("group 65533"), "{error}");
}

// --- Access policies, with another user (Linux) ------------------------------
//
// Linux's namespaced names are abstract sockets that every user reaches;
// elsewhere they live in a per-user directory, so only path names could
// be tried there, and those systems are checked, not run, here.

#[cfg(any(target_os = "linux", target_os = "android"))]
mod policies {
    use std::process::Command;
    use std::sync::Mutex;

    use localipc::local_socket::PeerCredentials;

    use super::*;

    /// Exit codes of the client role: what it saw. None is 0, which a child
    /// that ran no test at all (a misspelt name) would give.
    const GOT_REPLY: i32 = 22;
    const REFUSED_AT_CONNECT: i32 = 20;
    const SAW_THE_END: i32 = 21;
    const TOLD_REFUSED: i32 = 23;

    /// Connects (any server will do), sends a ping and reads to the end,
    /// through the front end `LOCALIPC_TEST_FRONT_END` names (blocking if
    /// none); the exit code says whether a reply came, the connect was
    /// refused, the listener said it refused, or the stream just ended.
    pub(super) fn client_role() {
        let name = name_from_parent();
        let mut options = ConnectOptions::new(&name);
        options.expected_server(ExpectedServer::any_user());
        let front_end = std::env::var("LOCALIPC_TEST_FRONT_END").unwrap_or_default();
        let (reply, again) = match front_end.as_str() {
            #[cfg(feature = "tokio")]
            "Tokio" => tokio_client(&options),
            #[cfg(feature = "smol")]
            "Smol" => smol_client(&options),
            _ => blocking_client(&options),
        };
        match reply {
            Ok(reply) if reply == b"pong\n" => std::process::exit(GOT_REPLY),
            Ok(reply) if reply.is_empty() => std::process::exit(SAW_THE_END),
            Ok(reply) => panic!("{front_end}: unexpected reply {reply:?}"),
            Err(error) if error.kind() == ErrorKind::PermissionDenied && again.is_none() => {
                std::process::exit(REFUSED_AT_CONNECT)
            }
            // A listener that refused says so, with the kind of policy, and
            // says it again on the next read.
            Err(error)
                if error.kind() == ErrorKind::PermissionDenied
                    && error.to_string().contains("refused this connection")
                    && error.to_string().contains("access policy admits only") =>
            {
                let again = again.unwrap();
                assert_eq!(again.kind(), ErrorKind::PermissionDenied, "{again}");
                std::process::exit(TOLD_REFUSED)
            }
            Err(error) => panic!("{front_end}, {name}: {error}"),
        }
    }

    /// What a client saw: the reply, or the error of the connect (then no
    /// second error) or of the read (then the error of one more read).
    type Seen = (std::io::Result<Vec<u8>>, Option<std::io::Error>);

    fn blocking_client(options: &ConnectOptions) -> Seen {
        let stream = match options.connect() {
            Ok(stream) => stream,
            Err(error) => return (Err(error), None),
        };
        // The write may fail once a refusing listener has closed the stream.
        let _ = (&stream).write_all(b"ping\n");
        let mut reply = Vec::new();
        match (&stream).read_to_end(&mut reply) {
            Ok(_) => (Ok(reply), None),
            Err(error) => {
                if error.kind() == ErrorKind::PermissionDenied {
                    // A write is told too, not just `BrokenPipe`, once the
                    // listener has closed (the notice can come before).
                    let started = Instant::now();
                    let write = loop {
                        match (&stream).write_all(b"more") {
                            Err(error) => break error,
                            Ok(()) if started.elapsed() < Duration::from_secs(10) => {
                                thread::sleep(Duration::from_millis(5));
                            }
                            Ok(()) => panic!("writes still succeed after 10 s"),
                        }
                    };
                    assert_eq!(write.kind(), ErrorKind::PermissionDenied, "{write}");
                }
                (Err(error), (&stream).read(&mut [0; 16]).err())
            }
        }
    }

    #[cfg(feature = "tokio")]
    fn tokio_client(options: &ConnectOptions) -> Seen {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut stream =
                match localipc::local_socket::tokio::Stream::connect_with(options).await {
                    Ok(stream) => stream,
                    Err(error) => return (Err(error), None),
                };
            let _ = stream.write_all(b"ping\n").await;
            let mut reply = Vec::new();
            match stream.read_to_end(&mut reply).await {
                Ok(_) => (Ok(reply), None),
                Err(error) => (Err(error), stream.read(&mut [0; 16]).await.err()),
            }
        })
    }

    #[cfg(feature = "smol")]
    fn smol_client(options: &ConnectOptions) -> Seen {
        use smol::io::{AsyncReadExt, AsyncWriteExt};
        smol::block_on(async {
            let mut stream = match localipc::local_socket::smol::Stream::connect_with(options).await
            {
                Ok(stream) => stream,
                Err(error) => return (Err(error), None),
            };
            let _ = stream.write_all(b"ping\n").await;
            let mut reply = Vec::new();
            match stream.read_to_end(&mut reply).await {
                Ok(_) => (Ok(reply), None),
                Err(error) => (Err(error), stream.read(&mut [0; 16]).await.err()),
            }
        })
    }

    /// A client that is not localipc's (std's `UnixStream` on the abstract
    /// name): prints what it reads before the end of the stream.
    pub(super) fn raw_client_role() {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        let name = name_from_parent().to_string();
        let abstract_name = name.strip_prefix('@').expect("an abstract name");
        let address =
            std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
        let mut stream = std::os::unix::net::UnixStream::connect_addr(&address).unwrap();
        let mut seen = Vec::new();
        stream.read_to_end(&mut seen).unwrap();
        std::io::stdout().write_all(&seen).unwrap();
    }

    #[test]
    fn a_client_that_is_not_localipc_reads_the_refusal_as_a_line() {
        let test = "policies::a_client_that_is_not_localipc_reads_the_refusal_as_a_line";
        let Some(_watchdog) = begin_as_root(test) else {
            return;
        };
        let name = namespaced("raw-refused");
        let listener = Listener::bind(&name).unwrap();
        let server = thread::spawn(move || {
            let mut stream = listener.accept().unwrap();
            stream.write_all(b"served\n").unwrap();
        });
        let output = client_as(test, &name, NOBODY, NOBODY)
            .env(ROLE_VAR, "raw-client")
            .stdout(Stdio::piped())
            .output_child()
            .unwrap();
        assert_success(output.status, "the raw client");
        let seen = String::from_utf8_lossy(&output.stdout);
        // After the test harness's own lines.
        let notice = seen
            .lines()
            .find(|line| line.contains("localipc"))
            .unwrap_or_default();
        assert_eq!(
            notice,
            "\u{15}localipc: refused: its access policy admits only the user it runs as \
             (and the superuser), not uid 65534",
            "{seen:?}"
        );
        // The listener goes on, for this user.
        assert_eq!(ping_only(&name), b"served\n");
        server.join().unwrap();
    }

    /// Connects from this process and reads to the end.
    fn ping_only(name: &Name) -> Vec<u8> {
        let mut reply = Vec::new();
        Stream::connect(name)
            .unwrap()
            .read_to_end(&mut reply)
            .unwrap();
        reply
    }

    /// A client of `name` running as `uid`/`gid`, with no supplementary group.
    fn client_as(test: &str, name: &Name, uid: u32, gid: u32) -> Command {
        let mut command = child_command(test);
        name_for_child(&mut command, name);
        command.env(ROLE_VAR, "client").uid(uid).gid(gid);
        command
    }

    /// A client running as `uid`/`gid` with `group` as its one supplementary group.
    fn client_with_group(test: &str, name: &Name, uid: u32, gid: u32, group: u32) -> Command {
        use rustix::process::{Gid, Uid};
        let mut command = child_command(test);
        name_for_child(&mut command, name);
        command.env(ROLE_VAR, "client");
        let groups = [Gid::from_raw(group)];
        let hook = move || -> std::io::Result<()> {
            rustix::thread::set_thread_groups(&groups)?;
            rustix::thread::set_thread_gid(Gid::from_raw(gid))?;
            rustix::thread::set_thread_uid(Uid::from_raw(uid))?;
            Ok(())
        };
        // SAFETY: the hook runs in the forked child before exec, with no other
        // thread alive; it makes three system calls, which change only that
        // thread (the whole child), and allocates nothing.
        unsafe { command.pre_exec(hook) };
        command
    }

    // --- Serving through each front end ------------------------------------------

    #[derive(Clone, Copy, Debug)]
    enum FrontEnd {
        Blocking,
        #[cfg(feature = "tokio")]
        Tokio,
        #[cfg(feature = "smol")]
        Smol,
    }

    const FRONT_ENDS: &[FrontEnd] = &[
        FrontEnd::Blocking,
        #[cfg(feature = "tokio")]
        FrontEnd::Tokio,
        #[cfg(feature = "smol")]
        FrontEnd::Smol,
    ];

    /// Binds a listener with `options` through `front_end` and, on another
    /// thread, accepts one stream, reads a ping, answers `pong` and closes;
    /// the thread returns the credentials of the client it served.
    fn serve_one(
        front_end: FrontEnd,
        options: &ListenerOptions,
    ) -> thread::JoinHandle<PeerCredentials> {
        match front_end {
            FrontEnd::Blocking => {
                let listener = options.bind().unwrap();
                thread::spawn(move || {
                    let mut stream = listener.accept().unwrap();
                    let mut ping = [0; 5];
                    stream.read_exact(&mut ping).unwrap();
                    assert_eq!(&ping, b"ping\n");
                    stream.write_all(b"pong\n").unwrap();
                    stream.peer_credentials().unwrap()
                })
            }
            #[cfg(feature = "tokio")]
            FrontEnd::Tokio => {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let options = options.clone();
                let (bound, is_bound) = std::sync::mpsc::channel();
                let server = thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        let listener =
                            localipc::local_socket::tokio::Listener::bind_with(&options).unwrap();
                        bound.send(()).unwrap();
                        let mut stream = listener.accept().await.unwrap();
                        let mut ping = [0; 5];
                        stream.read_exact(&mut ping).await.unwrap();
                        assert_eq!(&ping, b"ping\n");
                        stream.write_all(b"pong\n").await.unwrap();
                        stream.peer_credentials().unwrap()
                    })
                });
                is_bound.recv().unwrap();
                server
            }
            #[cfg(feature = "smol")]
            FrontEnd::Smol => {
                use smol::io::{AsyncReadExt, AsyncWriteExt};
                let listener = localipc::local_socket::smol::Listener::bind_with(options).unwrap();
                thread::spawn(move || {
                    smol::block_on(async {
                        let mut stream = listener.accept().await.unwrap();
                        let mut ping = [0; 5];
                        stream.read_exact(&mut ping).await.unwrap();
                        assert_eq!(&ping, b"ping\n");
                        stream.write_all(b"pong\n").await.unwrap();
                        stream.peer_credentials().unwrap()
                    })
                })
            }
        }
    }

    /// Sends a ping from this process and returns the reply.
    fn ping(name: &Name) -> Vec<u8> {
        let mut stream = Stream::connect(name).unwrap();
        stream.write_all(b"ping\n").unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).unwrap();
        reply
    }

    /// Options that record every refused peer.
    fn recording_refusals(name: &Name) -> (ListenerOptions, Arc<Mutex<Vec<PeerCredentials>>>) {
        let refused = Arc::new(Mutex::new(Vec::new()));
        let mut options = ListenerOptions::new(name);
        options.on_refused({
            let refused = Arc::clone(&refused);
            move |peer| refused.lock().unwrap().push(*peer)
        });
        (options, refused)
    }

    /// What a refused client of `name` sees: the socket file's mode stops it
    /// at connect; without a file, the listener tells it and closes the
    /// connection.
    fn refusal_for(name: &Name) -> i32 {
        if name.fs_path().is_some() {
            REFUSED_AT_CONNECT
        } else {
            TOLD_REFUSED
        }
    }

    /// Serves a refused client and then one from this process through each
    /// front end: the refused one never comes out of `accept`, which goes on
    /// waiting and returns the next.
    fn assert_refused(test: &str, access: Access, uid: u32, gid: u32) {
        for &front_end in FRONT_ENDS {
            for (name, _keep) in both_kinds("refused") {
                let (mut options, refused) = recording_refusals(&name);
                options.access(access.clone());
                let server = serve_one(front_end, &options);
                // The client connects through the same front end.
                let status = client_as(test, &name, uid, gid)
                    .env("LOCALIPC_TEST_FRONT_END", format!("{front_end:?}"))
                    .status_child()
                    .unwrap();
                assert_eq!(
                    status.code(),
                    Some(refusal_for(&name)),
                    "{front_end:?}, {name}: the other user's client ended with {status}"
                );
                assert_eq!(ping(&name), b"pong\n", "{front_end:?}, {name}");
                let served = server.join().unwrap();
                assert_eq!(
                    served.pid,
                    Some(std::process::id()),
                    "{front_end:?}, {name}"
                );
                let refused = refused.lock().unwrap();
                if name.fs_path().is_none() {
                    assert_eq!(refused.len(), 1, "{front_end:?}, {name}: {refused:?}");
                    assert_eq!(refused[0].uid, Some(uid), "{front_end:?}, {name}");
                } else {
                    assert!(refused.is_empty(), "{front_end:?}, {name}: {refused:?}");
                }
            }
        }
    }

    /// Serves a client of another user through each front end, which must be
    /// admitted: it gets the reply, and `accept` returned it.
    fn assert_admitted(test: &str, access: Access, client: impl Fn(&Name) -> Command) {
        for &front_end in FRONT_ENDS {
            for (name, _keep) in both_kinds("admitted") {
                let mut options = ListenerOptions::new(&name);
                options.access(access.clone());
                let server = serve_one(front_end, &options);
                let status = client(&name).status_child().unwrap();
                assert_eq!(
                    status.code(),
                    Some(GOT_REPLY),
                    "{front_end:?}, {name}: {test}'s client ended with {status}"
                );
                let served = server.join().unwrap();
                assert_eq!(served.uid, Some(NOBODY), "{front_end:?}, {name}");
            }
        }
    }

    // --- Access policies ---------------------------------------------------------

    #[test]
    fn another_user_is_refused_by_default() {
        let test = "policies::another_user_is_refused_by_default";
        let Some(_watchdog) = begin_as_root(test) else {
            return;
        };
        assert_refused(test, Access::default(), NOBODY, NOBODY);
    }

    #[test]
    fn any_user_admits_another_user() {
        let test = "policies::any_user_admits_another_user";
        let Some(_watchdog) = begin_as_root(test) else {
            return;
        };
        assert_admitted(test, Access::any_user(), |name| {
            client_as(test, name, NOBODY, NOBODY)
        });
    }

    #[test]
    fn a_group_admits_its_members_by_primary_group() {
        let test = "policies::a_group_admits_its_members_by_primary_group";
        let Some(_watchdog) = begin_as_root(test) else {
            return;
        };
        let group = Access::group(Group::from_gid(NOBODY));
        assert_admitted(test, group.clone(), |name| {
            client_as(test, name, NOBODY, NOBODY)
        });
        assert_refused(test, group, NOBODY, NOT_NOBODYS);
    }

    #[test]
    fn a_group_admits_its_members_by_supplementary_group() {
        let test = "policies::a_group_admits_its_members_by_supplementary_group";
        let Some(_watchdog) = begin_as_root(test) else {
            return;
        };
        let group = Access::group(Group::from_gid(4242));
        assert_admitted(test, group, |name| {
            client_with_group(test, name, NOBODY, NOT_NOBODYS, 4242)
        });
    }

    /// Opens `LOCALIPC_TEST_COUNT` connections to the parent's name, says
    /// so, and keeps them open until standard input ends.
    pub(super) fn flood_role() {
        let name = name_from_parent();
        let count: usize = std::env::var("LOCALIPC_TEST_COUNT")
            .unwrap()
            .parse()
            .unwrap();
        let streams: Vec<Stream> = (0..count)
            .map(|_| {
                ConnectOptions::new(&name)
                    .expected_server(ExpectedServer::any_user())
                    .connect()
                    .unwrap()
            })
            .collect();
        println!("localipc-flooded");
        std::io::stdout().flush().unwrap();
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        drop(streams);
    }

    /// Has `nobody` open `count` connections to `name` and waits until they
    /// stand.
    fn flood(test: &str, name: &Name, count: usize) -> Child {
        let mut command = client_as(test, name, NOBODY, NOBODY);
        let mut child = command
            .env(ROLE_VAR, "flood")
            .env("LOCALIPC_TEST_COUNT", count.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn_child()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while line.trim() != "localipc-flooded" {
            line.clear();
            assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "the flood died");
        }
        // Its test harness writes on at exit: keep reading.
        thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        child
    }

    #[test]
    fn a_flood_of_refused_clients_never_holds_accept() {
        let test = "policies::a_flood_of_refused_clients_never_holds_accept";
        let Some(_watchdog) = begin_as_root(test) else {
            return;
        };
        const FLOOD: usize = 200;
        // Nonblocking: each accept skips at most 64 refused clients, then
        // says WouldBlock, so the caller gets control back.
        let name = namespaced("flood");
        let (mut options, refused) = recording_refusals(&name);
        let listener = options.nonblocking(true).bind().unwrap();
        let mut flooder = flood(test, &name, FLOOD);
        let mut calls = 0;
        while refused.lock().unwrap().len() < FLOOD {
            let before = refused.lock().unwrap().len();
            let error = listener.accept().unwrap_err();
            assert_eq!(error.kind(), ErrorKind::WouldBlock, "{error}");
            assert!(refused.lock().unwrap().len() - before <= 64);
            calls += 1;
            assert!(calls <= FLOOD, "accept stopped making progress");
        }
        assert!(calls >= FLOOD.div_ceil(64), "{calls}");
        let _client = Stream::connect(&name).unwrap();
        let served = listener.accept().unwrap();
        assert_eq!(
            served.peer_credentials().unwrap().pid,
            Some(std::process::id())
        );
        drop(flooder.stdin.take());
        assert_success(flooder.wait().unwrap(), "flood");
        // Async: accept skips the whole flood, yielding between batches,
        // and returns the admitted client that came after it.
        for &front_end in FRONT_ENDS {
            let name = namespaced("flood-async");
            let (options, refused) = recording_refusals(&name);
            let server = serve_one(front_end, &options);
            let mut flooder = flood(test, &name, FLOOD);
            assert_eq!(ping(&name), b"pong\n", "{front_end:?}");
            assert_eq!(server.join().unwrap().pid, Some(std::process::id()));
            assert_eq!(refused.lock().unwrap().len(), FLOOD, "{front_end:?}");
            drop(flooder.stdin.take());
            assert_success(flooder.wait().unwrap(), "flood");
        }
    }

    #[test]
    fn a_list_of_users_admits_them_and_refuses_others() {
        let test = "policies::a_list_of_users_admits_them_and_refuses_others";
        let Some(_watchdog) = begin_as_root(test) else {
            return;
        };
        let listed = Access::users([User::from_uid(NOBODY)]);
        assert_admitted(test, listed.clone(), |name| {
            client_as(test, name, NOBODY, NOBODY)
        });
        // A user not on the list reaches the socket file (its mode admits
        // every user), and the listener tells it, unread, and closes.
        for &front_end in FRONT_ENDS {
            for (name, _keep) in both_kinds("unlisted") {
                let (mut options, refused) = recording_refusals(&name);
                options.access(listed.clone());
                let server = serve_one(front_end, &options);
                let status = client_as(test, &name, NOBODY - 1, NOBODY)
                    .status_child()
                    .unwrap();
                assert_eq!(status.code(), Some(TOLD_REFUSED), "{front_end:?}, {name}");
                assert_eq!(ping(&name), b"pong\n");
                assert_eq!(server.join().unwrap().pid, Some(std::process::id()));
                let refused = refused.lock().unwrap();
                assert_eq!(refused.len(), 1, "{front_end:?}, {name}: {refused:?}");
                assert_eq!(refused[0].uid, Some(NOBODY - 1));
            }
        }
    }
}

// --- Squatters -----------------------------------------------------------------

/// Takes the name first (admitting anyone), says so on standard output,
/// and accepts until standard input ends; exits with 0 if not a byte
/// arrived, else 1.
fn squatter_role() {
    let name = name_from_parent();
    let listener = ListenerOptions::new(&name)
        .access(Access::any_user())
        .nonblocking(true)
        .bind()
        .unwrap();
    println!("localipc-squatter-ready");
    std::io::stdout().flush().unwrap();
    let stdin_open = Arc::new(std::sync::atomic::AtomicBool::new(true));
    thread::spawn({
        let stdin_open = Arc::clone(&stdin_open);
        move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            stdin_open.store(false, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let mut received = Vec::new();
    while stdin_open.load(std::sync::atomic::Ordering::SeqCst) {
        match listener.accept() {
            Ok(stream) => {
                stream
                    .set_read_timeout(Some(Duration::from_secs(2)))
                    .unwrap();
                let _ = (&stream).read_to_end(&mut received);
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(error) => panic!("squatter accept: {error}"),
        }
    }
    if !received.is_empty() {
        eprintln!(
            "the squatter received {:?}",
            String::from_utf8_lossy(&received)
        );
        std::process::exit(1);
    }
}

/// Starts a squatter of `name` as `nobody` and waits until it listens.
#[allow(
    clippy::zombie_processes,
    reason = "the caller waits for it; a panic here fails the test anyway"
)]
fn start_squatter(test: &str, name: &Name) -> (Child, BufReader<ChildStdout>) {
    let mut command = child_command(test);
    name_for_child(&mut command, name);
    let mut child = command
        .env(ROLE_VAR, "squatter")
        .uid(NOBODY)
        .gid(NOBODY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn_child()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "the squatter died");
        if line.trim() == "localipc-squatter-ready" {
            return (child, stdout);
        }
    }
}

/// Tries to send a secret to `name`, which a squatter holds: the connect
/// must fail before anything can be written.
fn assert_squatter_refused(name: &Name, how: &str, connected: std::io::Result<impl Write>) {
    match connected {
        Ok(mut stream) => {
            let _ = stream.write_all(b"secret from root\n");
            panic!("{how}: connected to the squatter of {name} and wrote to it");
        }
        Err(error) => {
            assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{how}: {error}");
            let message = error.to_string();
            assert!(
                message.contains("uid 65534") && message.contains(&name.to_string()),
                "{how}: {message}"
            );
            // The way to accept this server anyway, named as the API names it.
            assert!(
                message.contains("`ExpectedServer::user`")
                    && message.contains("`ExpectedServer::any_user`"),
                "{how}: {message}"
            );
        }
    }
}

#[test]
fn a_squatter_of_another_user_never_receives_a_clients_data() {
    let test = "a_squatter_of_another_user_never_receives_a_clients_data";
    let Some(_watchdog) = begin_as_root(test) else {
        return;
    };
    // A shared directory like /tmp, where the other user may create files.
    let shared = TempDir::new("squat");
    std::fs::set_permissions(
        shared.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    let path = Name::path(shared.path().join("s.sock")).unwrap();
    let mut names = vec![path];
    if cfg!(any(target_os = "linux", target_os = "android")) {
        names.push(namespaced("squat"));
    }
    for name in names {
        let (mut squatter, _stdout) = start_squatter(test, &name);
        assert_squatter_refused(&name, "blocking", Stream::connect(&name));
        #[cfg(feature = "tokio")]
        {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let connected = runtime.block_on(localipc::local_socket::tokio::Stream::connect(&name));
            assert_squatter_refused(&name, "tokio", connected.map(|_| Vec::new()));
        }
        #[cfg(feature = "smol")]
        {
            let connected = smol::block_on(localipc::local_socket::smol::Stream::connect(&name));
            assert_squatter_refused(&name, "smol", connected.map(|_| Vec::new()));
        }
        // Asking for that user by name gets through: the check is about who
        // serves, nothing else.
        let stream = ConnectOptions::new(&name)
            .expected_server(ExpectedServer::user(User::from_uid(NOBODY)))
            .connect()
            .unwrap();
        drop(stream);
        // The real service cannot bind, and is told who holds the name.
        let error = Listener::bind(&name).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
        assert!(error.to_string().contains("uid 65534"), "{error}");
        drop(squatter.stdin.take());
        assert_success(squatter.wait().unwrap(), "the squatter (received nothing)");
    }
}

// --- One winner ----------------------------------------------------------------

/// Leaves a stale socket file at `path`: std's listener does not remove it.
fn make_stale(path: &Path) {
    drop(std::os::unix::net::UnixListener::bind(path).unwrap());
    assert!(path.exists());
}

/// Checks one round's results: exactly one binder won, the others got
/// `AddrInUse`, and a client reaches the winner.
fn assert_one_winner(round: &str, path: &Path, results: &[Result<(), ErrorKind>]) -> usize {
    let winners: Vec<usize> = (0..results.len()).filter(|&i| results[i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{round}: {results:?}");
    for result in results {
        if let Err(kind) = result {
            assert_eq!(*kind, ErrorKind::AddrInUse, "{round}: {results:?}");
        }
    }
    assert!(path.exists(), "{round}");
    winners[0]
}

#[test]
fn two_threads_binding_one_path_have_one_winner() {
    let _watchdog = watchdog("two_threads_binding_one_path_have_one_winner", LIMIT);
    let dir = TempDir::new("race-threads");
    for stale in [false, true] {
        for round in 0..200 {
            let path = dir.path().join(format!("{stale}-{round}.sock"));
            if stale {
                make_stale(&path);
            }
            let name = Name::path(&path).unwrap();
            let barrier = Barrier::new(2);
            let listeners: Vec<std::io::Result<Listener>> = thread::scope(|scope| {
                let binders: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            Listener::bind(&name)
                        })
                    })
                    .collect();
                binders.into_iter().map(|b| b.join().unwrap()).collect()
            });
            let results: Vec<_> = listeners
                .iter()
                .map(|l| l.as_ref().map(|_| ()).map_err(|e| e.kind()))
                .collect();
            let label = format!("round {round}, stale {stale}");
            let winner = assert_one_winner(&label, &path, &results);
            let listener = listeners.into_iter().nth(winner).unwrap().unwrap();
            let _client = Stream::connect(&name).unwrap();
            let served = listener.accept().unwrap();
            assert_eq!(
                served.peer_credentials().unwrap().pid,
                Some(std::process::id())
            );
        }
    }
}

/// Binds the paths the parent names on standard input, each at the moment
/// the parent gives, and reports the outcome; a winner serves one client
/// (writing its index) before it reads on.
fn binder_role() {
    let index = std::env::var("LOCALIPC_TEST_INDEX").unwrap();
    let mut held = None;
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let mut words = line.split(' ');
        let (Some("bind"), Some(path), Some(at)) = (words.next(), words.next(), words.next())
        else {
            return;
        };
        drop(held.take());
        let start = UNIX_EPOCH + Duration::from_nanos(at.parse().unwrap());
        while SystemTime::now() < start {
            std::hint::spin_loop();
        }
        match Listener::bind(&Name::path(path).unwrap()) {
            Ok(listener) => {
                println!("localipc-bound {index} won");
                std::io::stdout().flush().unwrap();
                let mut stream = listener.accept().unwrap();
                stream.write_all(index.as_bytes()).unwrap();
                held = Some(listener);
            }
            Err(error) => {
                println!("localipc-bound {index} lost {:?}", error.kind());
                std::io::stdout().flush().unwrap();
            }
        }
    }
}

#[test]
fn six_processes_binding_one_path_have_one_winner() {
    let test = "six_processes_binding_one_path_have_one_winner";
    if run_child_role() {
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let dir = TempDir::new("race-processes");
    let mut binders: Vec<(Child, BufReader<ChildStdout>)> = (0..6)
        .map(|index| {
            let mut child = child_command(test)
                .env(ROLE_VAR, "binder")
                .env("LOCALIPC_TEST_INDEX", index.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn_child()
                .unwrap();
            let stdout = BufReader::new(child.stdout.take().unwrap());
            (child, stdout)
        })
        .collect();
    for stale in [false, true] {
        for round in 0..200 {
            let path = dir.path().join(format!("{stale}-{round}.sock"));
            if stale {
                make_stale(&path);
            }
            let start = SystemTime::now() + Duration::from_millis(3);
            let at = start.duration_since(UNIX_EPOCH).unwrap().as_nanos();
            for (child, _) in &mut binders {
                let stdin = child.stdin.as_mut().unwrap();
                writeln!(stdin, "bind {} {at}", path.display()).unwrap();
                stdin.flush().unwrap();
            }
            let mut results = Vec::new();
            for (_, stdout) in &mut binders {
                results.push(read_bind_result(stdout));
            }
            let label = format!("round {round}, stale {stale}");
            let winner = assert_one_winner(&label, &path, &results);
            let mut stream = Stream::connect(&Name::path(&path).unwrap()).unwrap();
            let mut index = String::new();
            stream.read_to_string(&mut index).unwrap();
            assert_eq!(
                index,
                winner.to_string(),
                "{label}: the winner is reachable"
            );
        }
    }
    for (mut child, _) in binders {
        drop(child.stdin.take());
        assert_success(child.wait().unwrap(), "binder");
    }
}

/// The next outcome a binder child reports: won, or the kind of its error.
fn read_bind_result(stdout: &mut BufReader<ChildStdout>) -> Result<(), ErrorKind> {
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "a binder died");
        let Some(report) = line.trim().strip_prefix("localipc-bound ") else {
            continue;
        };
        let mut words = report.split(' ').skip(1);
        return match (words.next(), words.next()) {
            (Some("won"), _) => Ok(()),
            (Some("lost"), Some("AddrInUse")) => Err(ErrorKind::AddrInUse),
            _ => panic!("unexpected report {report:?}"),
        };
    }
}

// --- Never more open than asked ---------------------------------------------

/// With umask 000, binds (with default options) and drops a listener on the
/// parent's path as many times as asked.
fn mode_binder_role() {
    rustix::process::umask(rustix::fs::Mode::empty());
    let name = name_from_parent();
    let rounds: usize = std::env::var("LOCALIPC_TEST_ROUNDS")
        .unwrap()
        .parse()
        .unwrap();
    for _ in 0..rounds {
        drop(Listener::bind(&name).unwrap());
    }
}

/// As `nobody`, connects to the parent's path over and over until the stop
/// file appears; exits with 0 if it never got in and the file was there to
/// be refused at least once.
fn hammer_role() {
    let name = name_from_parent();
    let stop = PathBuf::from(std::env::var_os("LOCALIPC_TEST_STOP").unwrap());
    let (mut attempts, mut denied, mut connected) = (0_u64, 0_u64, 0_u64);
    while !stop.exists() {
        attempts += 1;
        match ConnectOptions::new(&name)
            .expected_server(ExpectedServer::any_user())
            .connect()
        {
            Ok(_) => connected += 1,
            Err(error) if error.kind() == ErrorKind::PermissionDenied => denied += 1,
            Err(_) => {}
        }
    }
    eprintln!("hammer: {attempts} connects, {denied} denied, {connected} got in");
    if connected > 0 || denied == 0 {
        std::process::exit(1);
    }
}

#[test]
fn a_socket_file_is_never_more_open_than_its_mode() {
    let test = "a_socket_file_is_never_more_open_than_its_mode";
    let Some(_watchdog) = begin_as_root(test) else {
        return;
    };
    let limit = 107; // sun_path holds 108 bytes with the NUL on Linux.
    let base = TempDir::new("mode-window");
    let base_len = base.path().as_os_str().len();
    // A long directory with a short file name, whose staging path would
    // not fit sockaddr_un, and a short directory with a long file name.
    let long_dir = base.path().join("d".repeat(limit - 10 - base_len - 1));
    std::fs::create_dir(&long_dir).unwrap();
    let short_name = long_dir.join("s".repeat(9));
    let long_name = base.path().join("n".repeat(limit - base_len - 1));
    for path in [short_name, long_name] {
        assert_eq!(path.as_os_str().len(), limit);
        let name = Name::path(&path).unwrap();
        let stop = base.path().join("stop");
        let _ = std::fs::remove_file(&stop);
        let mut hammer = child_command(test);
        name_for_child(&mut hammer, &name);
        let mut hammer = hammer
            .env(ROLE_VAR, "hammer")
            .env("LOCALIPC_TEST_STOP", &stop)
            .uid(NOBODY)
            .gid(NOBODY)
            .spawn_child()
            .unwrap();
        let mut binder = child_command(test);
        name_for_child(&mut binder, &name);
        let status = binder
            .env(ROLE_VAR, "mode-binder")
            .env("LOCALIPC_TEST_ROUNDS", "4000")
            .status_child()
            .unwrap();
        assert_success(status, "binder");
        std::fs::write(&stop, b"").unwrap();
        let status = hammer.wait().unwrap();
        assert_success(status, "hammer (it got in, or never met the file)");
    }
}

// --- Manners toward a live listener --------------------------------------------

#[test]
fn a_refused_second_bind_does_not_disturb_the_live_listener() {
    let _watchdog = watchdog(
        "a_refused_second_bind_does_not_disturb_the_live_listener",
        LIMIT,
    );
    for (name, _keep) in both_kinds("phantom") {
        let listener = ListenerOptions::new(&name)
            .nonblocking(true)
            .bind()
            .unwrap();
        for _ in 0..3 {
            let error = Listener::bind(&name).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AddrInUse, "{name}: {error}");
        }
        let error = listener.accept().unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::WouldBlock,
            "{name}: the live listener saw a connection: {error}"
        );
    }
}

#[test]
fn a_listener_that_stops_leaves_the_path_free() {
    let _watchdog = watchdog("a_listener_that_stops_leaves_the_path_free", LIMIT);
    let dir = TempDir::new("free-again");
    let path = dir.path().join("s.sock");
    let name = Name::path(&path).unwrap();
    for _ in 0..3 {
        let listener = Listener::bind(&name).unwrap();
        assert!(path.exists());
        assert!(PathBuf::from(format!("{}.lock", path.display())).exists());
        drop(listener);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn a_server_killed_while_listening_leaves_a_path_the_next_one_binds() {
    let test = "a_server_killed_while_listening_leaves_a_path_the_next_one_binds";
    if is_child() {
        let _listener = Listener::bind(&name_from_parent()).unwrap();
        println!("localipc-listening");
        std::io::stdout().flush().unwrap();
        thread::sleep(Duration::from_secs(60));
        return;
    }
    let _watchdog = watchdog(test, LIMIT);
    let dir = TempDir::new("killed-server");
    let name = Name::path(dir.path().join("s.sock")).unwrap();
    let mut command = child_command(test);
    name_for_child(&mut command, &name);
    let mut child = command.stdout(Stdio::piped()).spawn_child().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while line.trim() != "localipc-listening" {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "the server died");
    }
    // Alive: its lock says so.
    let error = Listener::bind(&name).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
    child.kill().unwrap();
    child.wait().unwrap();
    // Dead: the OS released its lock, and its files are reclaimed.
    let started = Instant::now();
    let listener = Listener::bind(&name).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let _client = Stream::connect(&name).unwrap();
    listener.accept().unwrap();
}
