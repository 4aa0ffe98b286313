//! The accept loop. Each connection is served by hyper (HTTP/1.1) under a
//! [`ConnKill`] switch that a handler can pull to close the socket without answering:
//! the `drop` and `drop_after_commit` faults (SIM-FAULT-2), which a response body
//! alone cannot express once hyper has queued the headers.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// Closes the connection a request came on, unanswered. In every request's
/// extensions.
#[derive(Debug, Clone)]
pub struct ConnKill(Arc<Notify>);

impl ConnKill {
    /// Closes the connection: the server drops it, so the client sees a reset or an
    /// early EOF (a transport failure, CLI-RETRY-1).
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// The router with this connection's kill switch added to each request.
#[derive(Clone)]
struct WithKill {
    router: Router,
    kill: ConnKill,
}

impl tower_service::Service<Request<Incoming>> for WithKill {
    type Response = Response;
    type Error = Infallible;
    type Future = <Router as tower_service::Service<Request>>::Future;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Incoming>) -> Self::Future {
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(self.kill.clone());
        tower_service::Service::call(&mut self.router, req)
    }
}

/// Serves `app` on `listener` until `shutdown` turns true (or its sender is dropped);
/// then closes every connection.
pub async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let notify = Arc::new(Notify::new());
        let service = TowerToHyperService::new(WithKill { router: app.clone(), kill: ConnKill(notify.clone()) });
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                () = notify.notified() => {}
                _ = stop.changed() => {}
            }
        });
    }
}
