//! HTTP client for the v1.3 analyze endpoints (WIRE-*, CLI-RETRY-*, CLI-TIMEOUT-1).

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::TryStreamExt as _;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncReadExt;

use super::error::{ApiError, HttpError, parse_error_body};
use super::limiter::{Bucket, Budgets, RateInfo, RateLimiter};
use super::wire::{Asset, CreateTaskResponse, ListFilter, Task, TaskPage};

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
    /// Whole-request timeout for JSON calls, body included (CLI-TIMEOUT-1: 30 s).
    pub request_timeout: Duration,
    /// Whole-request timeout for uploads (CLI-TIMEOUT-1: 300 s).
    pub upload_timeout: Duration,
    /// Retries after the first attempt for 408, 5xx and transport failures
    /// (CLI-RETRY-3: 4; 0 is honoured). 429s are bounded by `max_rate_limit_wait`
    /// instead, since they carry no fault of the request.
    pub max_retries: u32,
    /// Longest single wait for a rate-limited bucket before giving up with
    /// [`ApiError::RateLimited`] (CLI-RETRY-5: 300 s).
    pub max_rate_limit_wait: Duration,
    /// Client-side pacing per bucket (CLI-RETRY-6).
    pub budgets: Budgets,
    /// Largest file `upload_asset` sends (ASSET-4: 209,715,200 bytes for a video).
    pub max_upload_bytes: u64,
}

/// Largest direct video upload, bytes (ASSET-4: 200 MiB).
pub const MAX_VIDEO_UPLOAD_BYTES: u64 = crate::contract::assets::MAX_VIDEO_ASSET_BYTES;

impl ClientConfig {
    /// Defaults of the contract for `base_url` and `api_key`.
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
            max_retries: 4,
            max_rate_limit_wait: Duration::from_secs(300),
            budgets: Budgets::default(),
            max_upload_bytes: MAX_VIDEO_UPLOAD_BYTES,
        }
    }
}

/// A retry about to happen, for logging (CLI-RETRY-7).
#[derive(Debug)]
pub struct RetryNotice<'a> {
    /// The call, e.g. `create task`.
    pub what: &'static str,
    /// Retry number, from 1.
    pub retry: u32,
    /// How long the client waits before it.
    pub delay: Duration,
    /// Why.
    pub cause: &'a ApiError,
    /// The failed attempt may have taken effect (a non-idempotent call that went
    /// out and got no clear answer): the retry can create a duplicate (ASSET-6).
    pub possible_duplicate: bool,
}

/// Receives every [`RetryNotice`]; called from many tasks at once.
pub type RetryHook = Arc<dyn Fn(&RetryNotice<'_>) + Send + Sync>;

/// How a call may be retried (CLI-RETRY-2, ASSET-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retries {
    /// Up to `max_retries` on any retryable failure.
    Standard,
    /// One attempt (a 429 still pauses the bucket for the next request).
    Once,
    /// Not idempotent: retried freely on 429 and on failures before the request
    /// went out; after an ambiguous failure at most once (ASSET-6).
    NotIdempotent,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    max_retries: u32,
    max_rate_limit_wait: Duration,
    upload_timeout: Duration,
    max_upload_bytes: u64,
    limiter: RateLimiter,
    on_retry: Option<RetryHook>,
}

/// A client of the analyze and assets API. Cheap to clone: clones share one
/// connection pool and one rate limiter (CLI-RETRY-6).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base", &self.inner.base).field("api_key", &"***").finish_non_exhaustive()
    }
}

/// A failed attempt, and whether it surely never reached the server.
struct Failure {
    error: ApiError,
    unsent: bool,
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
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                max_retries: config.max_retries,
                max_rate_limit_wait: config.max_rate_limit_wait,
                upload_timeout: config.upload_timeout,
                max_upload_bytes: config.max_upload_bytes,
                limiter: RateLimiter::new(config.budgets),
                on_retry: None,
            }),
        })
    }

    /// The same client with `hook` told of every retry (CLI-RETRY-7). Call before
    /// cloning: clones made earlier keep the old hook.
    pub fn with_retry_hook(self, hook: RetryHook) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.on_retry = Some(hook);
                Self { inner: Arc::new(inner) }
            }
            Err(shared) => Self { inner: shared },
        }
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// `POST /analyze/tasks` (§3) with a [`CreateTaskRequest`](super::wire::CreateTaskRequest) or any body that
    /// serialises to one. Retries re-send the byte-identical body with the same
    /// `Idempotency-Key`, so a retried create makes no second task (CLI-RETRY-2,
    /// CLI-IDEM-1/2).
    pub async fn create_task<T: serde::Serialize + ?Sized>(
        &self,
        request: &T,
        idempotency_key: &str,
    ) -> Result<CreateTaskResponse, ApiError> {
        // Encoded once: every retry sends these exact bytes (CLI-RETRY-2).
        let body =
            serde_json::to_vec(request).map_err(|e| ApiError::Config(format!("cannot encode the request: {e}")))?;
        let url = format!("{}/analyze/tasks", self.inner.base);
        let bytes = self
            .execute("create task", Bucket::Create, Retries::Standard, || {
                Ok(self
                    .inner
                    .http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("idempotency-key", idempotency_key)
                    .body(body.clone()))
            })
            .await?;
        decode("create task", &bytes)
    }

    /// `GET /analyze/tasks/{task_id}` (§4), retried per CLI-RETRY-2, with
    /// `Cache-Control: no-cache` (CLI-POLL-1).
    pub async fn retrieve_task(&self, task_id: &str) -> Result<Task, ApiError> {
        self.get_task(task_id, Retries::Standard).await
    }

    /// One `GET /analyze/tasks/{task_id}` without retries, for pollers that retry
    /// on their own schedule (CLI-POLL-2). A 429 still pauses the read bucket.
    pub async fn poll_task(&self, task_id: &str) -> Result<Task, ApiError> {
        self.get_task(task_id, Retries::Once).await
    }

    async fn get_task(&self, task_id: &str, retries: Retries) -> Result<Task, ApiError> {
        let url = self.url(&["analyze", "tasks", task_id])?;
        let bytes = self
            .execute("retrieve task", Bucket::Read, retries, || {
                Ok(self.inner.http.get(url.clone()).header("cache-control", "no-cache"))
            })
            .await?;
        decode("retrieve task", &bytes)
    }

    /// One page of `GET /analyze/tasks` (LIST-1/2); `page` from 1, `page_limit` 1–50.
    pub async fn list_tasks(&self, filter: &ListFilter, page: u64, page_limit: u64) -> Result<TaskPage, ApiError> {
        let mut url = self.url(&["analyze", "tasks"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("page", &page.to_string()).append_pair("page_limit", &page_limit.to_string());
            for (k, v) in filter.pairs() {
                q.append_pair(k, v);
            }
        }
        let bytes = self
            .execute("list tasks", Bucket::Read, Retries::Standard, || Ok(self.inner.http.get(url.clone())))
            .await?;
        decode("list tasks", &bytes)
    }

    /// Every task matching `filter`, newest first: pages of 50 until a page is
    /// empty or the last page is read (LIST-5), at most `max_pages` pages.
    pub async fn list_all(&self, filter: &ListFilter, max_pages: u64) -> Result<Vec<Task>, ApiError> {
        let mut all = Vec::new();
        for page in 1..=max_pages.max(1) {
            let p = self.list_tasks(filter, page, 50).await?;
            let empty = p.data.is_empty();
            all.extend(p.data);
            if empty || p.page_info.total_page.is_none_or(|total| page >= total) {
                break;
            }
        }
        Ok(all)
    }

    /// `DELETE /analyze/tasks/{task_id}` (DEL-1..3): any 2xx is success, and so is
    /// 404 (already gone, DEL-2); 409 `task_in_progress` is returned, not retried.
    pub async fn delete_task(&self, task_id: &str) -> Result<(), ApiError> {
        let url = self.url(&["analyze", "tasks", task_id])?;
        match self
            .execute("delete task", Bucket::Read, Retries::Standard, || Ok(self.inner.http.delete(url.clone())))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `POST /assets` (ASSET-1): multipart `method=direct` with `file` streamed from
    /// disk in 256 KiB chunks (the file is never read into memory), and `filename`.
    /// The file part's content type is `content_type`, else guessed from the
    /// extension (`video/mp4`, `image/png`, ...). Retried per ASSET-6. Errors: [`ApiError::File`] for an unreadable file or one
    /// above `max_upload_bytes` (ASSET-4), sent nothing.
    pub async fn upload_asset(
        &self,
        path: &Path,
        filename: &str,
        content_type: Option<&'static str>,
    ) -> Result<Uploaded, ApiError> {
        let shown = filename.to_owned();
        let file_err = |reason: String| ApiError::File { path: shown.clone(), reason };
        let len = std::fs::metadata(path).map_err(|e| file_err(format!("cannot read: {e}")))?.len();
        if len > self.inner.max_upload_bytes {
            return Err(file_err(format!(
                "{len} bytes is above the {} bytes allowed for a direct upload (ASSET-4)",
                self.inner.max_upload_bytes
            )));
        }
        let url = format!("{}/assets", self.inner.base);
        let content_type = content_type.unwrap_or_else(|| content_type_of(path));
        // The bytes actually sent are hashed as they stream: the file may change
        // between the check and the upload, and the caller must know.
        let sent = Arc::new(std::sync::Mutex::new(Sha256::new()));
        let bytes = self
            .execute("upload asset", Bucket::Assets, Retries::NotIdempotent, || {
                let file = std::fs::File::open(path).map_err(|e| file_err(format!("cannot read: {e}")))?;
                *lock(&sent) = Sha256::new();
                let hasher = Arc::clone(&sent);
                let chunks = file_chunks(tokio::fs::File::from_std(file)).inspect_ok(move |c| lock(&hasher).update(c));
                let body = reqwest::Body::wrap_stream(chunks);
                let part = reqwest::multipart::Part::stream_with_length(body, len)
                    .file_name(filename.to_owned())
                    .mime_str(content_type)
                    .map_err(|e| file_err(e.to_string()))?;
                let form = reqwest::multipart::Form::new()
                    .text("method", "direct")
                    .text("filename", filename.to_owned())
                    .part("file", part);
                Ok(self.inner.http.post(&url).multipart(form).timeout(self.inner.upload_timeout))
            })
            .await?;
        let asset = decode("upload asset", &bytes)?;
        let sha256 = crate::canonical::hex(&lock(&sent).clone().finalize());
        Ok(Uploaded { asset, sha256 })
    }

    /// `GET /assets/{id}` (ASSET-2).
    pub async fn get_asset(&self, asset_id: &str) -> Result<Asset, ApiError> {
        let url = self.url(&["assets", asset_id])?;
        let bytes =
            self.execute("get asset", Bucket::Read, Retries::Standard, || Ok(self.inner.http.get(url.clone()))).await?;
        decode("get asset", &bytes)
    }

    /// The base URL with `segments` appended, each percent-encoded as one segment
    /// (ids are opaque, WIRE-7).
    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, ApiError> {
        let base = &self.inner.base;
        let bad = || ApiError::Config(format!("API URL `{base}` is not a valid base URL"));
        let mut url = reqwest::Url::parse(base).map_err(|_| bad())?;
        url.path_segments_mut().map_err(|_| bad())?.pop_if_empty().extend(segments);
        Ok(url)
    }

    /// Sends `build()` through the bucket's limiter, retrying per `retries`
    /// (CLI-RETRY-1..7). Each 429 pauses the whole bucket for its delay; 429s do
    /// not use up `max_retries` but no single wait may exceed `max_rate_limit_wait`.
    async fn execute<F>(
        &self,
        what: &'static str,
        bucket: Bucket,
        retries: Retries,
        build: F,
    ) -> Result<Vec<u8>, ApiError>
    where
        F: Fn() -> Result<reqwest::RequestBuilder, ApiError>,
    {
        let inner = &self.inner;
        let limit = |resume_at| ApiError::RateLimited { bucket: bucket.name(), resume_at };
        let (mut faults, mut limited, mut ambiguous, mut notices) = (0u32, 0u32, 0u32, 0u32);
        loop {
            inner.limiter.acquire(bucket, inner.max_rate_limit_wait).await.map_err(|t| limit(t.resume_at))?;
            let Failure { error, unsent } = match self.send(bucket, build()?).await {
                Ok(bytes) => return Ok(bytes),
                Err(f) => f,
            };
            let too_limited = error.status() == Some(429);
            let possible_duplicate = retries == Retries::NotIdempotent && !unsent && !too_limited;
            let delay = if too_limited { retry_delay(limited, &error) } else { retry_delay(faults, &error) };
            if too_limited {
                // Even when this call is not retried, no request of the bucket goes
                // out before the announced time (CLI-RETRY-4/6).
                inner.limiter.pause_until(bucket, Instant::now() + delay);
                limited += 1;
            }
            if !error.is_retryable() || retries == Retries::Once {
                return Err(error);
            }
            if !too_limited {
                if faults >= inner.max_retries {
                    return Err(error);
                }
                faults += 1;
                if possible_duplicate {
                    // ASSET-6: after an ambiguous failure, at most one more try.
                    if ambiguous >= 1 {
                        return Err(error);
                    }
                    ambiguous += 1;
                }
            }
            if delay > inner.max_rate_limit_wait {
                return Err(limit(SystemTime::now() + delay));
            }
            notices += 1;
            if let Some(hook) = &inner.on_retry {
                hook(&RetryNotice { what, retry: notices, delay, cause: &error, possible_duplicate });
            }
            if !too_limited {
                tokio::time::sleep(delay).await;
            }
        }
    }

    async fn send(&self, bucket: Bucket, request: reqwest::RequestBuilder) -> Result<Vec<u8>, Failure> {
        let response = request.send().await.map_err(|e| Failure { unsent: e.is_connect(), error: transport(&e) })?;
        let status = response.status();
        let headers = response.headers().clone();
        self.inner.limiter.observe(bucket, &headers);
        let bytes = response.bytes().await.map_err(|e| Failure { unsent: false, error: transport(&e) })?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let retry_after = headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let (code, message, details) = parse_error_body(&body);
        let rate = RateInfo::from_headers(&headers);
        let error = ApiError::Status(Box::new(HttpError {
            status: status.as_u16(),
            code,
            message,
            details,
            retry_after,
            rate,
            body,
        }));
        Err(Failure { error, unsent: false })
    }
}

/// The file as a stream of chunks of at most 256 KiB: memory stays flat whatever
/// the file's size. A read error ends the stream with that error.
fn file_chunks(file: tokio::fs::File) -> impl futures::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static {
    futures::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// An answered upload: the asset, and the SHA-256 hex of the bytes sent in the
/// attempt that was answered (the caller compares it with what it checked).
#[derive(Debug, Clone)]
pub struct Uploaded {
    /// The asset as created (ASSET-1).
    pub asset: Asset,
    /// SHA-256 hex of the file part's bytes as sent.
    pub sha256: String,
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Content type sent for an upload, from the file extension.
fn content_type_of(path: &Path) -> &'static str {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "webm" => "video/webm",
        "avi" => "video/x-msvideo",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        _ => "application/octet-stream",
    }
}

fn transport(e: &reqwest::Error) -> ApiError {
    // Without the URL; reqwest never prints headers, so the key stays out.
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    ApiError::Transport(text)
}

fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::Decode { what, reason: e.to_string() })
}

/// Delay before retry `attempt` (from 0): `Retry-After` plus 0–10 % jitter when the
/// server gave one; else, with `*-Remaining: 0`, until `*-Reset` plus jitter
/// (CLI-RETRY-4); else `uniform(0.5, 1.0) × min(30 s, 1 s · 2^n)` (CLI-RETRY-3).
pub fn retry_delay(attempt: u32, err: &ApiError) -> Duration {
    if let ApiError::Status(e) = err {
        let announced = e.retry_after.or_else(|| {
            e.rate.filter(|r| r.remaining == Some(0)).and_then(|r| r.reset_wait()).filter(|d| !d.is_zero())
        });
        if let Some(after) = announced {
            return after.mul_f64(1.0 + rand::random::<f64>() * 0.1);
        }
    }
    let cap = Duration::from_secs(30);
    let base = Duration::from_secs(1).saturating_mul(1u32 << attempt.min(16)).min(cap);
    base.mul_f64(0.5 + rand::random::<f64>() * 0.5)
}

/// Parses `Retry-After` (CLI-RETRY-4): whole or fractional seconds, or an HTTP date
/// (a past date is zero). Values are capped at one day.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let cap = Duration::from_secs(24 * 3600);
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(cap));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO).min(cap))
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
            rate: None,
            body: String::new(),
        }));
        let d = retry_delay(0, &limited);
        assert!(d >= Duration::from_secs(3) && d <= Duration::from_millis(3300), "{d:?}");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 1.5 "), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let d = parse_retry_after(&later).expect("date");
        assert!(d > Duration::from_secs(115) && d <= Duration::from_secs(120), "{d:?}");
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
