//! gRPC over a local socket: a tonic server and client, in one process.
//!
//! `cargo run -p localipc-integrations --example grpc`
//!
//! * **Server:** tonic's `serve_with_incoming` takes any stream of
//!   connections; localipc's `Listener::into_incoming` is one. tonic asks
//!   each connection for its `Connected::connect_info`, which [`Connection`]
//!   answers with the peer's credentials, so that a method can see which
//!   process called it.
//! * **Client:** `Endpoint::connect_with_connector` with a connector that
//!   opens a local socket, whatever the endpoint's URI says. The channel
//!   reconnects through it if the connection drops.
//!
//! The client makes one unary call and one server-streaming call and checks
//! the answers; any mismatch ends the program with a non-zero status. The
//! service itself (`echo.rs`) is hand-written glue of the kind tonic's code
//! generator emits, so that no `protoc` is needed to build this.

mod echo;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use echo::{EchoClient, EchoReply, EchoRequest, EchoServer};
use hyper_util::rt::TokioIo;
use localipc::local_socket::tokio::{Listener, Stream};
use localipc::local_socket::{Name, PeerCredentials};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::oneshot;
use tokio_stream::StreamExt;
use tonic::transport::server::Connected;
use tonic::transport::{Endpoint, Server, Uri};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    localipc_test_support::watchdog("the grpc example", Duration::from_secs(60)).forever();
    let name = Name::namespaced(format!("localipc-example-grpc-{}.sock", std::process::id()))?;

    let incoming = Listener::bind(&name)?
        .into_incoming()
        .map(|accepted| accepted.and_then(Connection::new));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::builder()
            .add_service(EchoServer)
            .serve_with_incoming_shutdown(incoming, async {
                stopped.await.ok();
            }),
    );
    println!("server: listening on {name}");

    // The URI is required but unused: the connector decides where to go.
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let name = name.clone();
            async move { Stream::connect(&name).await.map(TokioIo::new) }
        }))
        .await?;
    let mut client = EchoClient::new(channel);

    let request = EchoRequest {
        message: "hello".to_owned(),
        times: 1,
    };
    let reply = client.say(request).await?;
    println!("client: Say(\"hello\") -> {:?}", reply.message);
    let expected = format!("hello (from process {})", std::process::id());
    assert_eq!(reply.message, expected);

    let request = EchoRequest {
        message: "ping".to_owned(),
        times: 3,
    };
    let replies: Vec<EchoReply> = client
        .repeat(request)
        .await?
        .collect::<Result<_, _>>()
        .await?;
    let replies: Vec<String> = replies.into_iter().map(|reply| reply.message).collect();
    println!("client: Repeat(\"ping\", 3) -> {replies:?}");
    assert_eq!(replies, ["1: ping", "2: ping", "3: ping"]);

    drop(client);
    stop.send(()).ok();
    server.await??;
    println!("server: stopped");
    Ok(())
}

/// An accepted stream as tonic's server takes it: `Connected`, which this
/// crate cannot implement for localipc's type, and Tokio's I/O traits,
/// passed through.
struct Connection {
    stream: Stream,
    peer: PeerCredentials,
}

impl Connection {
    fn new(stream: Stream) -> io::Result<Self> {
        let peer = stream.peer_credentials()?;
        Ok(Self { stream, peer })
    }
}

impl Connected for Connection {
    type ConnectInfo = PeerCredentials;

    fn connect_info(&self) -> PeerCredentials {
        self.peer
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
