//! HTTP over a local socket: an axum server and a hyper client, in one
//! process.
//!
//! `cargo run -p localipc-integrations --example http`
//!
//! * **Server:** [`LocalSocketListener`] makes localipc's Tokio listener an
//!   `axum::serve::Listener`. Each connection carries the credentials of the
//!   process at the other end, which a handler takes as
//!   `ConnectInfo<Caller>`: on a local socket the peer's pid and user stand
//!   where a TCP server would see an IP address.
//! * **Client:** [`LocalSocketConnector`] is a connector for hyper-util's
//!   pooling `Client`: every request goes to one local socket, whatever the
//!   host in its URI, and idle connections are kept for the next request as
//!   over TCP. (For a single connection and no pool, hand
//!   `TokioIo::new(stream)` to `hyper::client::conn::http1::handshake`
//!   instead; no wrapper type is needed there.)
//!
//! The client sends a GET and a POST with a body and checks both answers;
//! any mismatch ends the program with a non-zero status.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::connect_info::Connected as ConnectedInfo;
use axum::routing::{get, post};
use axum::serve::IncomingStream;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use localipc::local_socket::tokio::{Listener, Stream};
use localipc::local_socket::{Name, PeerCredentials};
use tokio::sync::oneshot;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    localipc_test_support::watchdog("the http example", Duration::from_secs(60)).forever();
    let name = Name::namespaced(format!("localipc-example-http-{}.sock", std::process::id()))?;

    let app = Router::new()
        .route("/hello", get(hello))
        .route("/shout", post(shout));
    let listener = LocalSocketListener(Listener::bind(&name)?);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<Caller>(),
        )
        .with_graceful_shutdown(async {
            stopped.await.ok();
        })
        .into_future(),
    );
    println!("server: listening on {name}");

    // The host in the URI only fills the `Host` header: the connector
    // decides where a request goes.
    let client = Client::builder(TokioExecutor::new())
        .build::<_, Full<Bytes>>(LocalSocketConnector { name: name.clone() });

    let response = client
        .get(Uri::from_static("http://localhost/hello"))
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    println!("client: GET /hello -> {status} {body:?}");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, format!("hello, process {}", std::process::id()));

    let request = Request::post("http://localhost/shout")
        .body(Full::new(Bytes::from_static(b"local sockets")))?;
    let response = client.request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    println!("client: POST /shout \"local sockets\" -> {status} {body:?}");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "LOCAL SOCKETS");

    drop(client);
    stop.send(()).ok();
    server.await??;
    println!("server: stopped");
    Ok(())
}

/// Greets the calling process by its pid, as the OS reports it.
async fn hello(ConnectInfo(Caller(peer)): ConnectInfo<Caller>) -> String {
    match peer.pid {
        Some(pid) => format!("hello, process {pid}"),
        None => "hello, process of unknown pid".to_owned(),
    }
}

/// Answers with the request body in capitals.
async fn shout(body: String) -> String {
    body.to_uppercase()
}

/// localipc's listener as axum serves it. The address of a connection is
/// who is at the other end.
struct LocalSocketListener(Listener);

impl axum::serve::Listener for LocalSocketListener {
    type Io = Stream;
    type Addr = PeerCredentials;

    async fn accept(&mut self) -> (Stream, PeerCredentials) {
        loop {
            let accepted = self.0.accept().await.and_then(|stream| {
                let peer = stream.peer_credentials()?;
                Ok((stream, peer))
            });
            match accepted {
                Ok(accepted) => return accepted,
                // axum leaves errors to the listener. The listener stays
                // usable; pause in case the cause (no descriptors left, say)
                // needs time to clear.
                Err(error) => {
                    eprintln!("server: accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<PeerCredentials> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a local-socket listener has a name, not a peer: see `Listener::name`",
        ))
    }
}

/// Who called: the credentials of the process at the other end of the
/// connection, as the OS reports them.
#[derive(Clone, Copy, Debug)]
struct Caller(PeerCredentials);

impl ConnectedInfo<IncomingStream<'_, LocalSocketListener>> for Caller {
    fn connect_info(stream: IncomingStream<'_, LocalSocketListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

/// Connects hyper-util's `Client` to one local socket.
#[derive(Clone)]
struct LocalSocketConnector {
    name: Name,
}

impl tower_service::Service<Uri> for LocalSocketConnector {
    type Response = LocalSocketConnection;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<LocalSocketConnection>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let name = self.name.clone();
        Box::pin(async move {
            let stream = Stream::connect(&name).await?;
            Ok(LocalSocketConnection(TokioIo::new(stream)))
        })
    }
}

/// A connected stream as hyper-util's `Client` takes it: hyper's I/O traits
/// (through `TokioIo`), and `Connection`, which this crate cannot implement
/// for localipc's type.
struct LocalSocketConnection(TokioIo<Stream>);

impl Connection for LocalSocketConnection {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for LocalSocketConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for LocalSocketConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
