//! Rate limits (RATE-1..3): per-key, per-minute token buckets `create`, `assets` and
//! `read`, refilled continuously; the headers of both families (RATE-2); 429 with a
//! whole-second `Retry-After` (RATE-3). Off in tick mode.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue};

/// Requests per minute per bucket; 0 = unlimited (RATE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `POST /analyze/tasks` (default 60).
    pub create: u32,
    /// `POST /assets` (default 60).
    pub assets: u32,
    /// GET and DELETE (default 600).
    pub read: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { create: 60, assets: 60, read: 600 }
    }
}

/// The bucket a request draws from (RATE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// `POST /v1.3/analyze/tasks`.
    Create,
    /// `POST /v1.3/assets`.
    Assets,
    /// Everything else under `/v1.3`.
    Read,
}

impl Bucket {
    /// The bucket of a `/v1.3` request.
    pub fn of(method: &str, path: &str) -> Self {
        match (method, path.trim_end_matches('/')) {
            ("POST", "/v1.3/analyze/tasks") => Self::Create,
            ("POST", "/v1.3/assets") => Self::Assets,
            _ => Self::Read,
        }
    }
}

/// The state of a bucket after a request, for the headers (RATE-2, RATE-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Requests per minute.
    pub limit: u32,
    /// Whole tokens left.
    pub remaining: u32,
    /// Epoch seconds at which the bucket is full again.
    pub reset_epoch_s: u64,
    /// `Some(seconds ≥ 1)` until a token frees when the request was refused.
    pub retry_after_s: Option<u64>,
}

impl Verdict {
    /// Adds `X-RateLimit-Request-Limit|Remaining|Reset` and the legacy
    /// `X-Ratelimit-Limit|Remaining|Used|Reset` (RATE-2), and `Retry-After` when refused.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let used = self.limit.saturating_sub(self.remaining);
        let pairs: [(&'static str, u64); 7] = [
            ("x-ratelimit-request-limit", u64::from(self.limit)),
            ("x-ratelimit-request-remaining", u64::from(self.remaining)),
            ("x-ratelimit-request-reset", self.reset_epoch_s),
            ("x-ratelimit-limit", u64::from(self.limit)),
            ("x-ratelimit-remaining", u64::from(self.remaining)),
            ("x-ratelimit-used", u64::from(used)),
            ("x-ratelimit-reset", self.reset_epoch_s),
        ];
        for (name, value) in pairs {
            headers.insert(name, HeaderValue::from(value));
        }
        if let Some(s) = self.retry_after_s {
            headers.insert("retry-after", HeaderValue::from(s));
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct TokenBucket {
    tokens: f64,
    last_ms: u64,
}

/// Every key's buckets.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: HashMap<(String, Bucket), TokenBucket>,
}

impl Limiter {
    /// Takes one token of `bucket` for `api_key` at `now_ms`. `None` when the bucket is
    /// unlimited (`limit` 0). A refused request takes nothing (RATE-3: no side effect).
    pub fn take(&mut self, api_key: &str, bucket: Bucket, limit: u32, now_ms: u64) -> Option<Verdict> {
        if limit == 0 {
            return None;
        }
        let cap = f64::from(limit);
        let per_ms = cap / 60_000.0;
        let b =
            self.buckets.entry((api_key.to_owned(), bucket)).or_insert(TokenBucket { tokens: cap, last_ms: now_ms });
        let elapsed = now_ms.saturating_sub(b.last_ms) as f64;
        b.tokens = (b.tokens + elapsed * per_ms).min(cap);
        b.last_ms = b.last_ms.max(now_ms);
        let retry_after_s = if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            None
        } else {
            let wait_ms = (1.0 - b.tokens) / per_ms;
            Some(((wait_ms / 1000.0).ceil() as u64).max(1))
        };
        let full_in_ms = ((cap - b.tokens) / per_ms).ceil() as u64;
        Some(Verdict {
            limit,
            remaining: b.tokens.floor() as u32,
            reset_epoch_s: (now_ms + full_in_ms).div_ceil(1000),
            retry_after_s,
        })
    }

    /// Forgets every bucket (`/_sim/reset`).
    pub fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_per_minute_and_refuse_without_side_effect() {
        let mut l = Limiter::default();
        let t0 = 1_767_225_600_000;
        for i in 0..3 {
            let v = l.take("k", Bucket::Create, 3, t0).unwrap();
            assert_eq!((v.remaining, v.retry_after_s), (2 - i, None));
        }
        let v = l.take("k", Bucket::Create, 3, t0).unwrap();
        assert_eq!((v.remaining, v.retry_after_s), (0, Some(20)), "one token per 20 s");
        // Refusals take nothing: 19.999 s later it is still refused, at 20 s it passes.
        assert_eq!(l.take("k", Bucket::Create, 3, t0 + 19_000).unwrap().retry_after_s, Some(1));
        assert_eq!(l.take("k", Bucket::Create, 3, t0 + 20_000).unwrap().retry_after_s, None);
        // Other keys and buckets are separate; 0 is unlimited.
        assert_eq!(l.take("other", Bucket::Create, 3, t0).unwrap().remaining, 2);
        assert_eq!(l.take("k", Bucket::Read, 3, t0).unwrap().remaining, 2);
        assert_eq!(l.take("k", Bucket::Assets, 0, t0), None);
    }

    #[test]
    fn headers_of_both_families() {
        let v = Verdict { limit: 60, remaining: 0, reset_epoch_s: 1_767_225_660, retry_after_s: Some(1) };
        let mut h = HeaderMap::new();
        v.write_headers(&mut h);
        for (k, want) in [
            ("x-ratelimit-request-limit", "60"),
            ("x-ratelimit-request-remaining", "0"),
            ("x-ratelimit-request-reset", "1767225660"),
            ("x-ratelimit-limit", "60"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-used", "60"),
            ("x-ratelimit-reset", "1767225660"),
            ("retry-after", "1"),
        ] {
            assert_eq!(h.get(k).and_then(|v| v.to_str().ok()), Some(want), "{k}");
        }
    }

    #[test]
    fn routes_map_to_buckets() {
        assert_eq!(Bucket::of("POST", "/v1.3/analyze/tasks"), Bucket::Create);
        assert_eq!(Bucket::of("POST", "/v1.3/assets"), Bucket::Assets);
        assert_eq!(Bucket::of("GET", "/v1.3/analyze/tasks"), Bucket::Read);
        assert_eq!(Bucket::of("DELETE", "/v1.3/analyze/tasks/x"), Bucket::Read);
    }
}
