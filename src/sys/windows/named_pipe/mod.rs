//! Windows named pipes: server instances, client connections and overlapped
//! stream I/O.
//!
//! * `config`: what a server instance or a client end is created with;
//! * `instance`: one server instance and its wait for a client;
//! * `listener`: the server that keeps instances waiting;
//! * `client`: opening the client end;
//! * `stream`: a connected end and its overlapped reads and writes;
//! * `info`: what a pipe end tells of itself and of its peer;
//! * `server_check`: the client's check of who serves a pipe;
//! * `timeout`: timeouts as the milliseconds Win32 waits take.

mod client;
mod config;
mod info;
mod instance;
mod listener;
mod server_check;
mod stream;
mod timeout;

pub(crate) use client::connect;
#[cfg(async_front_end)]
pub(crate) use client::{busy_timeout, client_stream, open_client};
pub(crate) use config::{ClientConfig, Direction, ImpersonationLevel, ServerConfig};
#[cfg(async_front_end)]
pub(crate) use info::{
    client_process_id, client_session_id, impersonate_client, peek, server_process_id,
    server_session_id,
};
pub(crate) use info::{describe, is_connected};
#[cfg(async_front_end)]
pub(crate) use instance::Waiting;
pub(crate) use listener::Listener;
#[cfg(async_front_end)]
pub(crate) use server_check::check_server;
#[cfg(async_front_end)]
pub(crate) use stream::Prefix;
pub(crate) use stream::{Received, Stream};
