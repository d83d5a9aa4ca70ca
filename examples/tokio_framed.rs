//! Length-delimited frames over a local socket, with Tokio and `tokio_util`.
//!
//! `cargo run --example tokio_framed --features tokio` runs a server and a
//! client in one process. Run the two sides in separate processes with
//! `… -- server` in one terminal and `… -- client` in another.
//!
//! The server answers each frame with the frame upper-cased; the client sends
//! a few frames, checks the answers and hangs up.

use std::io;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use localipc::local_socket::Name;
use localipc::local_socket::tokio::{Listener, Stream};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

const NAME: &str = "localipc-example-framed.sock";

#[tokio::main]
async fn main() -> io::Result<()> {
    let name = Name::namespaced(NAME)?;
    match std::env::args().nth(1).as_deref() {
        Some("server") => serve(Listener::bind(&name)?, None).await,
        Some("client") => client(&name).await,
        None => {
            let listener = Listener::bind(&name)?;
            let server = tokio::spawn(serve(listener, Some(1)));
            client(&name).await?;
            server.await.map_err(io::Error::other)?
        }
        Some(other) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("unknown mode `{other}`: use `server`, `client` or nothing"),
        )),
    }
}

/// Serves clients, each in its own task; stops after `limit` clients if set.
async fn serve(listener: Listener, limit: Option<usize>) -> io::Result<()> {
    println!("server: listening on {NAME}");
    let mut tasks = Vec::new();
    let mut served = 0;
    while limit.is_none_or(|limit| served < limit) {
        let stream = listener.accept().await?;
        served += 1;
        tasks.push(tokio::spawn(async move {
            let mut frames = Framed::new(stream, LengthDelimitedCodec::new());
            while let Some(frame) = frames.next().await {
                let reply = frame?.to_ascii_uppercase();
                frames.send(Bytes::from(reply)).await?;
            }
            Ok::<_, io::Error>(())
        }));
    }
    for task in tasks {
        task.await.map_err(io::Error::other)??;
    }
    Ok(())
}

async fn client(name: &Name) -> io::Result<()> {
    let stream = Stream::connect(name).await?;
    let mut frames = Framed::new(stream, LengthDelimitedCodec::new());
    for request in ["hello", "length-delimited", "frames"] {
        frames.send(Bytes::from(request)).await?;
        let reply = frames
            .next()
            .await
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "the server hung up"))??;
        println!(
            "client: sent {request:?}, got {:?}",
            String::from_utf8_lossy(&reply)
        );
        assert_eq!(reply, request.to_ascii_uppercase().as_bytes());
    }
    Ok(())
}
