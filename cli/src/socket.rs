//! `listen`, `connect` and `names`: local sockets from the shell.

use std::io;

use localipc::local_socket::{ConnectOptions, ListenerOptions, Name, Stream};

use crate::args::{ConnectArgs, ListenArgs, NameArgs};
use crate::relay::{self, Connection};
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
    // The library's advice names its API; on the command line it is a flag.
    name.map_err(|error| {
        io::Error::new(
            error.kind(),
            error.to_string().replace("`Name::path`", "--path"),
        )
    })
}

/// Serves one client, or with `--keep` one after another; says on standard
/// error which clients the access policy refused.
pub(crate) fn listen(args: &ListenArgs) -> io::Result<()> {
    let name = name(&args.name)?;
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
    #[cfg(message_sockets)]
    if args.messages {
        return listen_messages(args, &options, &name);
    }
    let listener = options.bind()?;
    eprintln!("localipc: listening on {name}");
    relay::serve(
        || {
            let stream = listener.accept()?;
            let pid = stream
                .peer_credentials()
                .ok()
                .and_then(|credentials| credentials.pid);
            Ok((connection(stream), pid))
        },
        args.serving.keep,
        args.serving.echo,
    )
}

/// Serves message sockets as `listen` serves streams.
#[cfg(message_sockets)]
fn listen_messages(args: &ListenArgs, options: &ListenerOptions, name: &Name) -> io::Result<()> {
    let listener = options.bind_messages()?;
    eprintln!("localipc: listening on {name} (messages)");
    relay::serve(
        || {
            let socket = listener.accept()?;
            let pid = socket
                .peer_credentials()
                .ok()
                .and_then(|credentials| credentials.pid);
            Ok((Connection::Messages(socket), pid))
        },
        args.serving.keep,
        args.serving.echo,
    )
}

/// Relays standard input and output through a connection to the name.
pub(crate) fn connect(args: &ConnectArgs) -> io::Result<()> {
    let mut options = ConnectOptions::new(&name(&args.name)?);
    options.expected_server(who::expected_server(args.expect_server.as_ref())?);
    #[cfg(message_sockets)]
    if args.messages {
        let socket = options.connect_messages().map_err(other_kind_advice)?;
        return relay::relay(Connection::Messages(socket));
    }
    relay::relay(connection(options.connect().map_err(other_kind_advice)?))
}

/// The library's advice for a name the other kind (streams, messages)
/// listens on names its API; on the command line it is a flag.
fn other_kind_advice(error: io::Error) -> io::Error {
    let text = error.to_string();
    if !text.contains("a name belongs to one kind") {
        return error;
    }
    io::Error::new(
        error.kind(),
        text.replace("with `MessageSocket::connect`", "with --messages")
            .replace("with `Stream::connect`", "without --messages"),
    )
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
        None => println!("kind: abstract socket (no socket file; any local user may connect)"),
    }
    Ok(())
}
