//! What every `/v1.3` request passes before and after its handler: the tick clock
//! (SIM-STATUS-2), rate limits (RATE-1..3), request faults (SIM-FAULT-2), the request
//! log (SIM-CFG-2) and `X-Simulator` (WIRE-11). `/_sim/*` is never limited or faulted.

use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::errors::{shape_a, shape_b};
use super::faults::{Action, Phase, RetryAfter, Subject};
use super::ratelimit::Bucket;
use super::server::ConnKill;
use super::store::{Clock, LoggedRequest, Sim};
use super::synth::fingerprint;

/// Largest create body accepted: a 30 MiB base64 video (≈ 40 MiB encoded, VAL-9)
/// plus room for the rest of the request and a too-large payload to be reported as
/// VAL-9 rather than refused unread.
pub const CREATE_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A create body read by the gate, handed to the create handler so that it is
/// parsed once.
#[derive(Debug, Clone)]
pub struct CreateBody {
    /// The parsed JSON, `None` when the bytes are not JSON (VAL-1).
    pub json: Option<Arc<Value>>,
}

/// Which error shape a path uses (ERR-3, RATE-3).
fn error(path: &str, status: u16, code: &str, message: &str) -> Response {
    if path.starts_with("/v1.3/analyze/tasks") {
        shape_b(status, code, message, None)
    } else {
        shape_a(status, code, message)
    }
}

fn mark(response: &mut Response) {
    response
        .headers_mut()
        .insert("x-simulator", HeaderValue::from_static(concat!("vidflow-sim/", env!("CARGO_PKG_VERSION"))));
}

/// The middleware.
pub async fn gate(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if !path.starts_with("/v1.3") {
        let mut response = next.run(req).await;
        mark(&mut response);
        return response;
    }
    if sim.config.clock == Clock::Tick {
        sim.advance_clock(1_000);
    }
    let method = req.method().as_str().to_owned();
    let api_key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let mut entry = LoggedRequest {
        time_ms: sim.now_ms(),
        method: method.clone(),
        path: path.clone(),
        // The idempotency key is not a secret; the API key is never logged (SIM-NEVER-4).
        idempotency_key: req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned),
        fingerprint: None,
        status: None,
        fault: None,
    };

    // RATE-1..3: a refused request has no side effect.
    let bucket = Bucket::of(&method, &path);
    let limit = match bucket {
        Bucket::Create => sim.config.limits.create,
        Bucket::Assets => sim.config.limits.assets,
        Bucket::Read => sim.config.limits.read,
    };
    let verdict =
        if sim.config.clock == Clock::Tick { None } else { sim.limiter().take(&api_key, bucket, limit, sim.now_ms()) };
    if let Some(v) = verdict
        && let Some(wait) = v.retry_after_s
    {
        let mut response =
            error(&path, 429, "too_many_requests", &format!("Rate limit exceeded; retry after {wait} s."));
        v.write_headers(response.headers_mut());
        entry.fault = Some("rate_limited".into());
        return finish(&sim, entry, response);
    }

    // Create bodies are read here once: fault rules may match on them, the log
    // records their fingerprint, and the handler reuses the parsed JSON.
    let (req, create) = if bucket == Bucket::Create {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, CREATE_BODY_LIMIT).await else {
            let response = error(
                &path,
                413,
                "parameter_invalid",
                &format!("body: larger than {CREATE_BODY_LIMIT} bytes or unreadable"),
            );
            return finish(&sim, entry, response);
        };
        let json = serde_json::from_slice::<Value>(&bytes).ok().map(Arc::new);
        entry.fingerprint = json.as_deref().map(fingerprint);
        let create = CreateBody { json };
        let mut req = Request::from_parts(parts, Body::from(bytes));
        req.extensions_mut().insert(create.clone());
        (req, Some(create))
    } else {
        (req, None)
    };

    let (action, latency_ms) = {
        let json = create.as_ref().and_then(|c| c.json.as_deref());
        let s = |p: &str| json.and_then(|j| j.pointer(p)).and_then(Value::as_str);
        let kind = s("/video/type");
        let value = kind.and_then(|k| s(&format!("/video/{k}")));
        let subject = Subject {
            method: &method,
            path: &path,
            custom_id: s("/custom_id"),
            source: kind.map(|k| (k, if k == "base64_string" { k } else { value.unwrap_or_default() })),
        };
        let mut faults = sim.faults();
        (faults.decide(Phase::Request, &subject), faults.config().latency_ms)
    };
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    entry.fault = action.as_ref().map(Action::label);
    let kill = req.extensions().get::<ConnKill>().cloned();
    let mut response = match action {
        None | Some(Action::Fail { .. } | Action::Stuck {} | Action::Truncate {} | Action::Slow { .. }) => {
            next.run(req).await
        }
        Some(Action::AssetFail { .. } | Action::AssetStuck {}) => next.run(req).await,
        Some(Action::Status { status, retry_after, empty_body }) => {
            let code = match status {
                429 => "too_many_requests",
                404 => "resource_not_exist",
                _ => "generic_error",
            };
            let mut r = if empty_body {
                let mut r = Response::new(Body::empty());
                *r.status_mut() =
                    axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
                r
            } else {
                error(&path, status, code, &format!("[simulated] injected {status}"))
            };
            if let Some(ra) = retry_after {
                let value = match ra {
                    RetryAfter::Seconds(s) => HeaderValue::from(s),
                    RetryAfter::Date(d) => HeaderValue::from_str(&d).unwrap_or(HeaderValue::from_static("1")),
                };
                r.headers_mut().insert(header::RETRY_AFTER, value);
            }
            r
        }
        Some(Action::Drop {}) => return close(&sim, entry, kill).await,
        Some(Action::Stall { seconds }) => {
            match seconds {
                Some(s) => tokio::time::sleep(Duration::from_secs_f64(s)).await,
                None => std::future::pending::<()>().await,
            }
            next.run(req).await
        }
        Some(Action::Latency { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Some(Action::DropAfterCommit {}) => {
            let _ = next.run(req).await;
            return close(&sim, entry, kill).await;
        }
        Some(Action::StatusAfterCommit { status }) => {
            let _ = next.run(req).await;
            error(&path, status, "generic_error", &format!("[simulated] injected {status} after commit"))
        }
        Some(Action::PartialBody {}) => {
            let full = next.run(req).await;
            let (parts, body) = full.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            if bytes.is_empty() {
                // Nothing to cut in half: close unanswered, the request was processed.
                return close(&sim, entry, kill).await;
            }
            entry.status = Some(parts.status.as_u16());
            let mut r = Response::from_parts(parts, half_body(bytes.clone()));
            r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            r
        }
    };
    if let Some(v) = verdict {
        v.write_headers(response.headers_mut());
    }
    finish(&sim, entry, response)
}

/// Logs, marks and returns the response.
fn finish(sim: &Sim, mut entry: LoggedRequest, mut response: Response) -> Response {
    mark(&mut response);
    entry.status.get_or_insert(response.status().as_u16());
    sim.lock().log(entry);
    response
}

/// Logs the request as unanswered and closes its connection. Without a kill switch
/// (the router served some other way) the body fails at once instead.
async fn close(sim: &Sim, entry: LoggedRequest, kill: Option<ConnKill>) -> Response {
    sim.lock().log(entry);
    match kill {
        Some(k) => {
            k.kill();
            std::future::pending::<Response>().await
        }
        None => Response::new(Body::from_stream(futures::stream::once(async {
            Err::<Bytes, _>(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected drop"))
        }))),
    }
}

/// The first half of `bytes`, then an error that makes hyper close the connection.
/// Between the two the stream yields once, so hyper flushes the half first.
fn half_body(bytes: Bytes) -> Body {
    let half = bytes.slice(..bytes.len() / 2);
    let mut step = 0u8;
    Body::from_stream(futures::stream::poll_fn(move |cx| {
        step = step.saturating_add(1);
        match step {
            1 => Poll::Ready(Some(Ok(half.clone()))),
            2 => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            _ => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "injected partial body",
            )))),
        }
    }))
}
