//! The `echo.Echo` service, written by hand where `tonic-prost-build` would
//! generate it from this definition, so that the example needs no `protoc`:
//!
//! ```proto
//! syntax = "proto3";
//! package echo;
//!
//! message EchoRequest { string message = 1; uint32 times = 2; }
//! message EchoReply { string message = 1; }
//!
//! service Echo {
//!   // The message back, with the caller's pid as the server saw it.
//!   rpc Say(EchoRequest) returns (EchoReply);
//!   // The message `times` times, numbered.
//!   rpc Repeat(EchoRequest) returns (stream EchoReply);
//! }
//! ```
//!
//! Nothing here depends on the transport: the local socket is set up in
//! `main.rs`.

use std::convert::Infallible;

use localipc::local_socket::PeerCredentials;
use tonic::codegen::{BoxFuture, Context, Poll, Service, StdError, http};
use tonic::server::{Grpc, NamedService};
use tonic::transport::Channel;
use tonic::{Request, Response, Status, Streaming};
use tonic_prost::ProstCodec;

#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct EchoRequest {
    #[prost(string, tag = "1")]
    pub(crate) message: String,
    #[prost(uint32, tag = "2")]
    pub(crate) times: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct EchoReply {
    #[prost(string, tag = "1")]
    pub(crate) message: String,
}

const SAY: &str = "/echo.Echo/Say";
const REPEAT: &str = "/echo.Echo/Repeat";

/// The server: routes each call to its method.
#[derive(Clone, Debug, Default)]
pub(crate) struct EchoServer;

impl NamedService for EchoServer {
    const NAME: &'static str = "echo.Echo";
}

impl<B> Service<http::Request<B>> for EchoServer
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let mut grpc = Grpc::new(ProstCodec::default());
        match request.uri().path() {
            SAY => Box::pin(async move { Ok(grpc.unary(tower::service_fn(say), request).await) }),
            REPEAT => Box::pin(async move {
                Ok(grpc
                    .server_streaming(tower::service_fn(repeat), request)
                    .await)
            }),
            _ => Box::pin(async { Ok(Status::unimplemented("no such method").into_http()) }),
        }
    }
}

async fn say(request: Request<EchoRequest>) -> Result<Response<EchoReply>, Status> {
    // What the listener's `Connected` impl attached to the connection.
    let pid = request
        .extensions()
        .get::<PeerCredentials>()
        .and_then(|peer| peer.pid);
    let caller = pid.map_or_else(|| "unknown".to_owned(), |pid| pid.to_string());
    let message = format!("{} (from process {caller})", request.into_inner().message);
    Ok(Response::new(EchoReply { message }))
}

type Replies = tokio_stream::Iter<std::vec::IntoIter<Result<EchoReply, Status>>>;

async fn repeat(request: Request<EchoRequest>) -> Result<Response<Replies>, Status> {
    let EchoRequest { message, times } = request.into_inner();
    let replies: Vec<_> = (1..=times)
        .map(|n| {
            Ok(EchoReply {
                message: format!("{n}: {message}"),
            })
        })
        .collect();
    Ok(Response::new(tokio_stream::iter(replies)))
}

/// The client: one method per call.
#[derive(Clone, Debug)]
pub(crate) struct EchoClient(tonic::client::Grpc<Channel>);

impl EchoClient {
    pub(crate) fn new(channel: Channel) -> Self {
        Self(tonic::client::Grpc::new(channel))
    }

    pub(crate) async fn say(&mut self, request: EchoRequest) -> Result<EchoReply, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static(SAY);
        let reply = self
            .0
            .unary(Request::new(request), path, ProstCodec::default())
            .await?;
        Ok(reply.into_inner())
    }

    pub(crate) async fn repeat(
        &mut self,
        request: EchoRequest,
    ) -> Result<Streaming<EchoReply>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static(REPEAT);
        let replies = self
            .0
            .server_streaming(Request::new(request), path, ProstCodec::default())
            .await?;
        Ok(replies.into_inner())
    }

    async fn ready(&mut self) -> Result<(), Status> {
        self.0
            .ready()
            .await
            .map_err(|error| Status::unavailable(format!("the channel is not ready: {error}")))
    }
}
