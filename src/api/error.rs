//! Typed errors of the API client (ERR-1, ERR-2, CLI-RETRY-*).

use std::time::Duration;

use serde_json::Value;

/// A non-2xx answer: `code` and `message` come from either error body shape
/// (ERR-2); `body` is the raw text.
#[derive(Debug, Clone)]
pub struct HttpError {
    /// HTTP status code.
    pub status: u16,
    /// Error code from the body (`parameter_invalid`, ...), if any.
    pub code: Option<String>,
    /// Error message from the body, if any.
    pub message: Option<String>,
    /// `details` from a Shape B body, if any (ERR-5).
    pub details: Option<Value>,
    /// Parsed `Retry-After` (seconds or HTTP date, CLI-RETRY-4), if sent.
    pub retry_after: Option<Duration>,
    /// Rate-limit headers of the answer (RATE-2), if sent.
    pub rate: Option<super::limiter::RateInfo>,
    /// Raw body text (possibly empty).
    pub body: String,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(c) = &self.code {
            write!(f, " {c}")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// An error from a call to the API. Never contains the API key.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with a non-2xx status (ERR-1/2).
    #[error("{0}")]
    Status(Box<HttpError>),
    /// The request did not complete: connect error, reset, timeout, truncated body.
    #[error("transport error: {0}")]
    Transport(String),
    /// A 2xx body that is not what the contract promises (ERR-6).
    #[error("cannot decode the {what} response: {reason}")]
    Decode {
        /// Which call.
        what: &'static str,
        /// Why decoding failed.
        reason: String,
    },
    /// The client is misconfigured (no key, refused base URL).
    #[error("{0}")]
    Config(String),
    /// The wait for a rate-limited bucket exceeds `max_rate_limit_wait`: nothing was
    /// sent; work resumes at `resume_at` (CLI-RETRY-5).
    #[error("rate limited on the {bucket} bucket until {}; re-run to resume", httpdate::fmt_http_date(*resume_at))]
    RateLimited {
        /// Bucket name (`create`, `read`, `assets`).
        bucket: &'static str,
        /// When the bucket reopens.
        resume_at: std::time::SystemTime,
    },
    /// A local file could not be read for upload, or is too large to send.
    #[error("`{path}`: {reason}")]
    File {
        /// The file as named.
        path: String,
        /// The cause.
        reason: String,
    },
}

impl ApiError {
    /// Whether a retry may succeed (CLI-RETRY-1): 408, 429, 5xx, transport failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status(e) => e.status == 408 || e.status == 429 || e.status >= 500,
            Self::Transport(_) => true,
            Self::Decode { .. } | Self::Config(_) | Self::RateLimited { .. } | Self::File { .. } => false,
        }
    }

    /// Whether the request may have taken effect on the server although no answer
    /// came: a transport failure or a 5xx (CLI-IDEM-3, ASSET-6).
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Status(e) => e.status >= 500,
            Self::Transport(_) => true,
            _ => false,
        }
    }

    /// Whether this error means the API cannot be used at all (auth, network once
    /// retries are spent, rate limit past the wait budget), exit code 3 (design §1).
    pub fn is_fatal_for_run(&self) -> bool {
        match self {
            Self::Status(e) => matches!(e.status, 401 | 403),
            Self::Config(_) | Self::RateLimited { .. } | Self::Transport(_) => true,
            Self::Decode { .. } | Self::File { .. } => false,
        }
    }

    /// The server's error `code` (`idempotency_key_reused`, ...), when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Status(e) => e.code.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status(e) => Some(e.status),
            _ => None,
        }
    }
}

/// Reads `code`, `message` and `details` from an error body: Shape B
/// `{"error":{...}}`, then Shape A `{"code","message"}`, else nothing (ERR-2).
pub(crate) fn parse_error_body(body: &str) -> (Option<String>, Option<String>, Option<Value>) {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return (None, None, None);
    };
    let obj = match v.get("error") {
        Some(inner) if inner.is_object() => inner,
        _ => &v,
    };
    let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    (s("code"), s("message"), obj.get("details").cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_shapes_and_raw_text_parse() {
        let b = r#"{"error":{"code":"parameter_invalid","message":"temperature: bad","details":{"rule":"VAL-27"}}}"#;
        let (code, msg, details) = parse_error_body(b);
        assert_eq!(code.as_deref(), Some("parameter_invalid"));
        assert_eq!(msg.as_deref(), Some("temperature: bad"));
        assert_eq!(details.and_then(|d| d["rule"].as_str().map(str::to_owned)).as_deref(), Some("VAL-27"));
        let (code, msg, _) = parse_error_body(r#"{"code":"api_key_invalid","message":"no key"}"#);
        assert_eq!((code.as_deref(), msg.as_deref()), (Some("api_key_invalid"), Some("no key")));
        assert_eq!(parse_error_body(""), (None, None, None));
        assert_eq!(parse_error_body("upstream timeout"), (None, None, None));
    }
}
