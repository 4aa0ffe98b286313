//! HTTP client for the v1.3 analyze endpoints (WIRE-*, CLI-RETRY-*, CLI-TIMEOUT-1).

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use super::error::{ApiError, HttpError, parse_error_body};
use super::wire::{CreateTaskResponse, Task};

/// The production base URL (WIRE-1).
pub const DEFAULT_BASE_URL: &str = "https://api.twelvelabs.io/v1.3";

/// Environment variable holding the API key (WIRE-2; the official SDKs' name).
pub const API_KEY_ENV: &str = "TWELVE_LABS_API_KEY";

/// Environment variable overriding the base URL (WIRE-1).
pub const BASE_URL_ENV: &str = "TWELVELABS_BASE_URL";

/// An API key. Its `Debug` and `Display` print `***` so it cannot leak into logs
/// or error messages (WIRE-2).
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; `None` when it is empty.
    pub fn new(key: impl Into<String>) -> Option<Self> {
        let key = key.into();
        (!key.trim().is_empty()).then_some(Self(key))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL including `/v1.3`, no trailing slash needed.
    pub base_url: String,
    /// The key sent as `x-api-key`.
    pub api_key: ApiKey,
    /// Connect timeout (CLI-TIMEOUT-1: 10 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout for JSON calls (CLI-TIMEOUT-1: 30 s).
    pub request_timeout: Duration,
    /// Retries after the first attempt (CLI-RETRY-3: 4; 0 is honoured).
    pub max_retries: u32,
}

impl ClientConfig {
    /// Defaults of the contract for `base_url` and `api_key`.
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_retries: 4,
        }
    }
}

/// A client of the analyze API. Cheap to clone (one connection pool).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    max_retries: u32,
}

impl Client {
    /// Builds a client. Errors: [`ApiError::Config`] for a base URL that is not
    /// `https://`, or `http://` on a non-loopback host (WIRE-2).
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let base = config.base_url.trim_end_matches('/').to_owned();
        check_base_url(&base)?;
        let mut headers = HeaderMap::new();
        let mut key = HeaderValue::from_str(&config.api_key.0)
            .map_err(|_| ApiError::Config("the API key holds characters not allowed in an HTTP header".into()))?;
        key.set_sensitive(true);
        headers.insert("x-api-key", key);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| ApiError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, base, max_retries: config.max_retries })
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `POST /analyze/tasks` (§3) with a [`CreateTaskRequest`](super::wire::CreateTaskRequest) or any body that
    /// serialises to one. Retries re-send the byte-identical body with the same
    /// `Idempotency-Key`, so a retried create makes no second task (CLI-RETRY-2,
    /// CLI-IDEM-1).
    pub async fn create_task<T: serde::Serialize + ?Sized>(
        &self,
        request: &T,
        idempotency_key: &str,
    ) -> Result<CreateTaskResponse, ApiError> {
        let body =
            serde_json::to_vec(request).map_err(|e| ApiError::Config(format!("cannot encode the request: {e}")))?;
        let url = format!("{}/analyze/tasks", self.base);
        self.with_retries(|| {
            self.http
                .post(&url)
                .header("content-type", "application/json")
                .header("idempotency-key", idempotency_key)
                .body(body.clone())
        })
        .await
        .and_then(|bytes| decode("create task", &bytes))
    }

    /// `GET /analyze/tasks/{task_id}` (§4), with `Cache-Control: no-cache` (CLI-POLL-1).
    pub async fn retrieve_task(&self, task_id: &str) -> Result<Task, ApiError> {
        let url = self.url(&["analyze", "tasks", task_id])?;
        self.with_retries(|| self.http.get(url.clone()).header("cache-control", "no-cache"))
            .await
            .and_then(|bytes| decode("retrieve task", &bytes))
    }

    /// The base URL with `segments` appended, each percent-encoded as one segment
    /// (ids are opaque, WIRE-7).
    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, ApiError> {
        let bad = || ApiError::Config(format!("API URL `{}` is not a valid base URL", self.base));
        let mut url = reqwest::Url::parse(&self.base).map_err(|_| bad())?;
        url.path_segments_mut().map_err(|_| bad())?.pop_if_empty().extend(segments);
        Ok(url)
    }

    async fn with_retries<F>(&self, build: F) -> Result<Vec<u8>, ApiError>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        let mut attempt = 0u32;
        loop {
            match send(build()).await {
                Ok(bytes) => return Ok(bytes),
                Err(err) if err.is_retryable() && attempt < self.max_retries => {
                    tokio::time::sleep(retry_delay(attempt, &err)).await;
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

async fn send(request: reqwest::RequestBuilder) -> Result<Vec<u8>, ApiError> {
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
    let bytes = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return Ok(bytes.to_vec());
    }
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let (code, message, details) = parse_error_body(&body);
    Err(ApiError::Status(Box::new(HttpError { status: status.as_u16(), code, message, details, retry_after, body })))
}

fn transport(e: reqwest::Error) -> ApiError {
    // reqwest's message names the URL, never the headers, so the key stays out.
    ApiError::Transport(e.without_url().to_string())
}

fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::Decode { what, reason: e.to_string() })
}

/// Delay before retry `attempt` (from 0): `Retry-After` plus 0–10 % jitter when the
/// server gave one (CLI-RETRY-4), else `uniform(0.5, 1.0) × min(30 s, 1 s · 2^n)`
/// (CLI-RETRY-3).
pub fn retry_delay(attempt: u32, err: &ApiError) -> Duration {
    if let ApiError::Status(e) = err
        && let Some(after) = e.retry_after
    {
        return after.mul_f64(1.0 + rand::random::<f64>() * 0.1);
    }
    let cap = Duration::from_secs(30);
    let base = Duration::from_secs(1).saturating_mul(1u32 << attempt.min(16)).min(cap);
    base.mul_f64(0.5 + rand::random::<f64>() * 0.5)
}

/// Parses `Retry-After` as whole seconds (an HTTP date is read as "now": the
/// backoff still applies). Values are capped at one hour.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

fn check_base_url(base: &str) -> Result<(), ApiError> {
    if base.starts_with("https://") {
        return Ok(());
    }
    if let Some(rest) = base.strip_prefix("http://") {
        let host = rest.split('/').next().unwrap_or_default();
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        if matches!(host, "127.0.0.1" | "localhost" | "[::1]") || host.starts_with("127.") {
            return Ok(());
        }
        return Err(ApiError::Config(format!(
            "refusing plain http:// API URL `{base}`: only loopback hosts may use http (WIRE-2)"
        )));
    }
    Err(ApiError::Config(format!("API URL `{base}` must start with https:// (WIRE-1)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_never_prints() {
        let key = ApiKey::new("tlk_SECRET").expect("non-empty");
        assert_eq!(format!("{key} {key:?}"), "*** ***");
        assert!(ApiKey::new("  ").is_none());
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(check_base_url("https://api.twelvelabs.io/v1.3").is_ok());
        assert!(check_base_url("http://127.0.0.1:4000/v1.3").is_ok());
        assert!(check_base_url("http://localhost:4000/v1.3").is_ok());
        assert!(check_base_url("http://example.com/v1.3").is_err());
        assert!(check_base_url("ftp://x").is_err());
    }

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let transport = ApiError::Transport("reset".into());
        for n in 0..10 {
            let d = retry_delay(n, &transport);
            assert!(d <= Duration::from_secs(30), "{n}: {d:?}");
            assert!(d >= Duration::from_millis(500).min(Duration::from_secs(1) * (1 << n) / 2));
        }
        let limited = ApiError::Status(Box::new(HttpError {
            status: 429,
            code: None,
            message: None,
            details: None,
            retry_after: Some(Duration::from_secs(3)),
            body: String::new(),
        }));
        let d = retry_delay(0, &limited);
        assert!(d >= Duration::from_secs(3) && d <= Duration::from_millis(3300), "{d:?}");
    }
}
