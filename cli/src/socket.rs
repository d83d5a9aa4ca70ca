//! `listen`, `connect` and `names`: local sockets from the shell.

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use localipc::local_socket::{ConnectOptions, ListenerOptions, Name, Stream};
use localipc::shm::{ShmListener, ShmOptions};

use crate::args::{ConnectArgs, ListenArgs, NameArgs};
use crate::relay::{self, Connection};
use crate::stop::{self, Stop};
use crate::who;

/// The name `args` give, checked by the library.
///
/// # Errors
///
/// The library's reason the name is bad, its advice worded for the command
/// line.
pub(crate) fn name(args: &NameArgs) -> io::Result<Name> {
    let name = if args.path {
        Name::path(&args.name)
    } else {
        Name::namespaced(&args.name)
    };
    name.map_err(for_the_command_line)
}

/// The library's advice names its API; on the command line it is a flag.
pub(crate) fn for_the_command_line(error: io::Error) -> io::Error {
    let mut message = error.to_string();
    for (api, flag) in [
        ("`Name::path`", "--path"),
        ("`ExpectedServer::user`", "--expect-server user:USER"),
        ("`ExpectedServer::any_user`", "--expect-server any-user"),
        // A name the other kind (streams, messages) listens on.
        ("with `MessageSocket::connect`", "with --messages"),
        ("with `Stream::connect`", "without --messages"),
    ] {
        message = message.replace(api, flag);
    }
    io::Error::new(error.kind(), message)
}

/// Serves one client, or with `--keep` one after another; says on standard
/// error which clients the access policy refused. SIGINT and SIGTERM stop
/// it in order: the listener is dropped, which removes its socket file and
/// lock file, and the process then dies of the signal.
pub(crate) fn listen(args: &ListenArgs) -> io::Result<ExitCode> {
    let name_args = args
        .name_args()
        .expect("clap requires NAME without --activated");
    let name = name(&name_args)?;
    let mut options = ListenerOptions::new(&name);
    options
        .access(who::access(args.access.as_ref())?)
        .on_refused(|peer| {
            let who = match (peer.uid, peer.pid) {
                (Some(uid), Some(pid)) => format!("uid {uid}, pid {pid}"),
                (Some(uid), None) => format!("uid {uid}"),
                (None, Some(pid)) => format!("pid {pid}"),
                (None, None) => "unknown".to_owned(),
            };
            eprintln!("localipc: refused a client ({who}): the access policy does not admit it");
        });
    // Before the bind: from then on a signal must not end the process
    // where it stands, leaving the files behind.
    let stop = Stop::on_signals()?;
    #[cfg(message_sockets)]
    if args.messages {
        let listener = options.bind_messages()?;
        eprintln!("localipc: listening on {} (messages)", resolved(&name));
        stop.wake_with(wake(&name, ConnectOptions::connect_messages));
        return serve_then_end(listener, &stop, |listener, stop| {
            serve(args, stop, || {
                let socket = listener.accept()?;
                let pid = socket.peer_credentials().ok().and_then(|peer| peer.pid);
                Ok((Connection::Messages(socket), pid))
            })
        });
    }
    if args.shm {
        let listener = ShmListener::bind_with(&options, &ShmOptions::new())?;
        eprintln!("localipc: listening on {} (shared memory)", resolved(&name));
        stop.wake_with(wake(&name, crate::shm::offer));
        return serve_then_end(listener, &stop, |listener, stop| {
            crate::shm::serve(listener, args.serving.keep, args.serving.echo, stop)
        });
    }
    let listener = options.bind()?;
    eprintln!("localipc: listening on {}", resolved(&name));
    stop.wake_with(wake(&name, ConnectOptions::connect));
    serve_then_end(listener, &stop, |listener, stop| {
        serve(args, stop, || {
            let stream = listener.accept()?;
            let pid = stream.peer_credentials().ok().and_then(|peer| peer.pid);
            Ok((connection(stream), pid))
        })
    })
}

/// The relay's serving loop, as `args` ask.
pub(crate) fn serve(
    args: &ListenArgs,
    stop: &Stop,
    accept: impl FnMut() -> io::Result<(Connection, Option<u32>)>,
) -> io::Result<()> {
    relay::serve(accept, args.serving.keep, args.serving.echo, stop)
}

/// Serves the clients of `listener` with `serve`, then drops it, which
/// removes its files, and ends as the signal that stopped it would have
/// ended it, or as serving went.
pub(crate) fn serve_then_end<L>(
    listener: L,
    stop: &Stop,
    serve: impl FnOnce(&L, &Stop) -> io::Result<()>,
) -> io::Result<ExitCode> {
    let served = serve(&listener, stop);
    drop(listener);
    match stop.signal() {
        Some(signal) => Ok(stop::exit_as_signalled(signal)),
        None => served.map(|()| ExitCode::SUCCESS),
    }
}

/// What wakes a listener's accept for a stop: a connection to it of our
/// own (the listener's user, whom every access policy admits), made with
/// `connect`.
pub(crate) fn wake<T: Send + 'static>(
    name: &Name,
    connect: fn(&ConnectOptions) -> io::Result<T>,
) -> impl FnOnce() -> Option<T> + Send + 'static {
    let mut options = ConnectOptions::new(name);
    options.timeout(Some(Duration::from_secs(1)));
    move || connect(&options).ok()
}

/// The name as `listening on` shows it: a relative path resolved against
/// the current directory, so the line says where the socket file is.
pub(crate) fn resolved(name: &Name) -> String {
    name.fs_path()
        .filter(|path| path.is_relative())
        .and_then(|path| std::path::absolute(path).ok())
        .and_then(|path| Name::path(path).ok())
        .unwrap_or_else(|| name.clone())
        .to_string()
}

/// Relays standard input and output through a connection to the name.
pub(crate) fn connect(args: &ConnectArgs) -> io::Result<()> {
    let mut options = ConnectOptions::new(&name(&args.name)?);
    options.expected_server(who::expected_server(args.expect_server.as_ref())?);
    #[cfg(message_sockets)]
    if args.messages {
        let socket = options.connect_messages().map_err(for_the_command_line)?;
        return relay::relay(Connection::Messages(socket));
    }
    if args.shm {
        return crate::shm::connect(&options).map_err(for_the_command_line);
    }
    relay::relay(connection(options.connect().map_err(for_the_command_line)?))
}

/// A local socket stream as the relay takes it: itself on Unix.
#[cfg(unix)]
fn connection(stream: Stream) -> Connection {
    Connection::Stream(stream)
}

/// A local socket stream as the relay takes it: the named pipe it is on
/// Windows.
#[cfg(windows)]
fn connection(stream: Stream) -> Connection {
    Connection::Stream(stream.into())
}

/// Prints what the name resolves to.
pub(crate) fn describe(args: &NameArgs) -> io::Result<()> {
    let name = name(args)?;
    let kind = if name.is_namespaced() {
        "namespaced name"
    } else {
        "path name"
    };
    println!("{kind} resolves to: {name}");
    match name.fs_path() {
        Some(path) => println!("socket file: {}", path.display()),
        None if cfg!(windows) => println!("kind: Windows named pipe (no socket file)"),
        // Any local user can reach an abstract socket: the listener checks
        // each client's credentials when it accepts it.
        None => println!("kind: abstract socket (no socket file; clients checked at accept)"),
    }
    // Every kind of name carries the listener's access policy.
    println!(
        "who may connect: this user and the superuser (the default); \
         `listen --access` admits others"
    );
    Ok(())
}
