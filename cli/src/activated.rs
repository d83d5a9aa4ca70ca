//! `listen --activated` (Unix): serving the listening socket a service
//! manager passed (systemd's `LISTEN_FDS` protocol) instead of binding one.

use std::io;
use std::process::ExitCode;

use localipc::local_socket::{ConnectOptions, Name};
use localipc::os::unix::activation::{self, ActivatedSocket};

use crate::args::ListenArgs;
use crate::socket::{resolved, serve, serve_then_end, wake};
use crate::stop::Stop;
use crate::who;

/// Serves the activated socket as `listen` serves a name it binds: one
/// client, or with `--keep` one after another. The socket file is the
/// manager's: nothing is removed at the end.
pub(crate) fn listen(args: &ListenArgs) -> io::Result<ExitCode> {
    // SAFETY: `listen` runs on the main thread before the tool starts any
    // other (the signal thread comes below), so nothing reads or writes
    // the environment meanwhile; and nothing else in the process has
    // taken descriptors 3 and up.
    let sockets = unsafe { activation::take()? };
    let socket = choose(sockets, args.fd_name.as_deref())?;
    let access = who::access(args.access.as_ref())?;
    let stop = Stop::on_signals()?;
    #[cfg(message_sockets)]
    if args.messages {
        let listener = socket.into_message_listener(access)?;
        let name = listener.name().cloned();
        eprintln!("localipc: listening on {} (messages)", shown(name.as_ref()));
        if let Some(name) = &name {
            stop.wake_with(wake(name, ConnectOptions::connect_messages));
        }
        return serve_then_end(listener, &stop, |listener, stop| {
            serve(args, stop, || {
                let socket = listener.accept()?;
                let pid = socket.peer_credentials().ok().and_then(|peer| peer.pid);
                Ok((crate::relay::Connection::Messages(socket), pid))
            })
        });
    }
    let listener = socket.into_listener(access)?;
    let name = listener.name().cloned();
    eprintln!("localipc: listening on {}", shown(name.as_ref()));
    if let Some(name) = &name {
        stop.wake_with(wake(name, ConnectOptions::connect));
    }
    serve_then_end(listener, &stop, |listener, stop| {
        serve(args, stop, || {
            let stream = listener.accept()?;
            let pid = stream.peer_credentials().ok().and_then(|peer| peer.pid);
            Ok((crate::relay::Connection::Stream(stream), pid))
        })
    })
}

/// The socket to serve: the one named `fd_name`, else the first. The
/// others are closed.
fn choose(sockets: Vec<ActivatedSocket>, fd_name: Option<&str>) -> io::Result<ActivatedSocket> {
    if sockets.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not socket-activated: LISTEN_FDS is not set or LISTEN_PID names another process",
        ));
    }
    let Some(fd_name) = fd_name else {
        return Ok(sockets.into_iter().next().expect("not empty"));
    };
    let names: Vec<String> = sockets
        .iter()
        .map(|socket| format!("`{}`", socket.name()))
        .collect();
    sockets
        .into_iter()
        .find(|socket| socket.name() == fd_name)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no activated socket is named `{fd_name}` (LISTEN_FDNAMES names {})",
                    names.join(", ")
                ),
            )
        })
}

/// The socket's address as `listening on` shows it.
fn shown(name: Option<&Name>) -> String {
    name.map_or_else(
        || "an activated socket without an address".to_owned(),
        resolved,
    )
}
