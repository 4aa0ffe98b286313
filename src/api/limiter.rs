//! One shared rate limiter per bucket (CLI-RETRY-4..6, RATE-1/2): per-minute
//! pacing, pauses from `Retry-After` and from `*-Remaining: 0` + `*-Reset`.
//!
//! Every request of a [`Client`](super::Client) takes a slot from its bucket before
//! it is sent; a 429 pauses the whole bucket, so no request of that bucket is sent
//! before the announced time.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The server's rate-limit buckets (RATE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// `POST /analyze/tasks`.
    Create,
    /// `GET` and `DELETE` requests.
    Read,
    /// `POST /assets`.
    Assets,
}

impl Bucket {
    /// Lower-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Read => "read",
            Self::Assets => "assets",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Create => 0,
            Self::Read => 1,
            Self::Assets => 2,
        }
    }
}

/// Requests per minute the client allows itself per bucket; 0 = unlimited
/// (CLI-RETRY-6; defaults are RATE-1's: create 60, read 600, assets 60).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// `POST /analyze/tasks` per minute.
    pub create: u32,
    /// GET and DELETE per minute.
    pub read: u32,
    /// `POST /assets` per minute.
    pub assets: u32,
}

impl Default for Budgets {
    fn default() -> Self {
        Self { create: 60, read: 600, assets: 60 }
    }
}

impl Budgets {
    /// No client-side pacing (the server's headers and 429s still apply).
    pub fn unlimited() -> Self {
        Self { create: 0, read: 0, assets: 0 }
    }

    fn of(&self, bucket: Bucket) -> u32 {
        match bucket {
            Bucket::Create => self.create,
            Bucket::Read => self.read,
            Bucket::Assets => self.assets,
        }
    }
}

#[derive(Debug)]
struct State {
    /// Requests per minute; 0 = unlimited.
    per_minute: u32,
    /// Tokens available now (≤ `per_minute`).
    tokens: f64,
    /// When `tokens` was last refilled.
    refilled: Instant,
    /// Nothing is sent before this instant (429 or an exhausted server bucket).
    paused_until: Option<Instant>,
}

impl State {
    fn refill(&mut self, now: Instant) {
        if self.per_minute == 0 {
            return;
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let gained = now.saturating_duration_since(self.refilled).as_secs_f64() * rate;
        self.tokens = (self.tokens + gained).min(f64::from(self.per_minute));
        self.refilled = now;
    }

    /// Takes a slot now, or says how long to wait for one.
    fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        if let Some(until) = self.paused_until {
            if until > now {
                return Err(until);
            }
            self.paused_until = None;
        }
        if self.per_minute == 0 {
            return Ok(());
        }
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        Err(now + Duration::from_secs_f64((1.0 - self.tokens) / rate))
    }
}

/// The limiter shared by every request of a client.
#[derive(Debug)]
pub struct RateLimiter {
    buckets: [Mutex<State>; 3],
}

/// A wait longer than the budget: the bucket reopens at `resume_at` (CLI-RETRY-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong {
    /// Wall-clock time the bucket reopens.
    pub resume_at: SystemTime,
}

impl RateLimiter {
    /// A limiter pacing each bucket to `budgets`; buckets start full.
    pub fn new(budgets: Budgets) -> Self {
        let now = Instant::now();
        let state = |b: Bucket| {
            let per_minute = budgets.of(b);
            Mutex::new(State { per_minute, tokens: f64::from(per_minute), refilled: now, paused_until: None })
        };
        Self { buckets: [state(Bucket::Create), state(Bucket::Read), state(Bucket::Assets)] }
    }

    fn with<R>(&self, bucket: Bucket, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = match self.buckets[bucket.index()].lock() {
            Ok(g) => g,
            // A panic while holding the lock left plain numbers behind: still usable.
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Waits for a slot of `bucket`. A required wait longer than `max_wait` is not
    /// slept: it returns [`TooLong`] with the time the bucket reopens.
    pub async fn acquire(&self, bucket: Bucket, max_wait: Duration) -> Result<(), TooLong> {
        loop {
            let now = Instant::now();
            let until = match self.with(bucket, |s| s.try_take(now)) {
                Ok(()) => return Ok(()),
                Err(until) => until,
            };
            let wait = until.saturating_duration_since(now);
            if wait > max_wait {
                return Err(TooLong { resume_at: SystemTime::now() + wait });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Pauses `bucket` until `until` (a 429 pauses the whole bucket, CLI-RETRY-6);
    /// an earlier pause end is extended, never shortened.
    pub fn pause_until(&self, bucket: Bucket, until: Instant) {
        self.with(bucket, |s| {
            if s.paused_until.is_none_or(|p| p < until) {
                s.paused_until = Some(until);
            }
        });
    }

    /// Reads the rate-limit headers of an answer (RATE-2): the remaining count caps
    /// the local tokens, and `Remaining: 0` with a `Reset` pauses the bucket until
    /// the reset, unless the answer has a `Retry-After`: that is the announced time
    /// and replaces the reset (CLI-RETRY-4); the caller pauses for it.
    pub fn observe(&self, bucket: Bucket, headers: &HeaderMap) {
        let Some(info) = RateInfo::from_headers(headers) else {
            return;
        };
        if let Some(remaining) = info.remaining {
            self.with(bucket, |s| {
                if s.per_minute > 0 {
                    #[allow(clippy::cast_precision_loss)]
                    let r = remaining as f64;
                    s.tokens = s.tokens.min(r);
                }
            });
            let retry_after = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(super::client::parse_retry_after)
                .is_some();
            if remaining == 0
                && !retry_after
                && let Some(reset) = info.reset_wait()
            {
                self.pause_until(bucket, Instant::now() + reset);
            }
        }
    }
}

/// Rate-limit headers of one answer (RATE-2): `X-RateLimit-Request-*`, else the
/// legacy `X-Ratelimit-*` family. Header names are case-insensitive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateInfo {
    /// `*-Limit`: requests per window.
    pub limit: Option<u64>,
    /// `*-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `*-Reset`: when the window resets, seconds since the Unix epoch.
    pub reset_epoch_s: Option<u64>,
}

impl RateInfo {
    /// Reads both header families; `None` when neither is present.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let num = |names: [&str; 2]| {
            names.iter().find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok()))
        };
        let info = Self {
            limit: num(["x-ratelimit-request-limit", "x-ratelimit-limit"]),
            remaining: num(["x-ratelimit-request-remaining", "x-ratelimit-remaining"]),
            reset_epoch_s: num(["x-ratelimit-request-reset", "x-ratelimit-reset"]),
        };
        (info != Self::default()).then_some(info)
    }

    /// Time until `reset_epoch_s` from now (zero when past); `None` without a reset.
    pub fn reset_wait(&self) -> Option<Duration> {
        let reset = UNIX_EPOCH + Duration::from_secs(self.reset_epoch_s?);
        Some(reset.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[tokio::test]
    async fn budget_paces_after_the_burst() {
        let limiter = RateLimiter::new(Budgets { create: 2, read: 0, assets: 0 });
        let ok = limiter.acquire(Bucket::Create, Duration::ZERO).await;
        assert!(ok.is_ok());
        assert!(limiter.acquire(Bucket::Create, Duration::ZERO).await.is_ok());
        // Third within the minute: 30 s away, more than the budget of 1 s.
        let Err(TooLong { resume_at }) = limiter.acquire(Bucket::Create, Duration::from_secs(1)).await else {
            panic!("expected a wait");
        };
        let wait = resume_at.duration_since(SystemTime::now()).unwrap_or_default();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{wait:?}");
        // Unlimited buckets never wait.
        for _ in 0..1000 {
            assert!(limiter.acquire(Bucket::Read, Duration::ZERO).await.is_ok());
        }
    }

    #[tokio::test]
    async fn a_pause_holds_the_whole_bucket_and_only_it() {
        let limiter = RateLimiter::new(Budgets::unlimited());
        limiter.pause_until(Bucket::Read, Instant::now() + Duration::from_secs(60));
        assert!(limiter.acquire(Bucket::Read, Duration::from_secs(1)).await.is_err());
        assert!(limiter.acquire(Bucket::Create, Duration::ZERO).await.is_ok());
        limiter.pause_until(Bucket::Create, Instant::now() + Duration::from_millis(30));
        let start = Instant::now();
        assert!(limiter.acquire(Bucket::Create, Duration::from_secs(1)).await.is_ok());
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn both_header_families_are_read() {
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Request-Remaining", HeaderValue::from_static("0"));
        h.insert("X-RateLimit-Request-Reset", HeaderValue::from_static("4102444800"));
        let info = RateInfo::from_headers(&h).expect("present");
        assert_eq!(info.remaining, Some(0));
        assert!(info.reset_wait().is_some_and(|d| d > Duration::from_secs(3600)));
        let mut legacy = HeaderMap::new();
        legacy.insert("X-Ratelimit-Remaining", HeaderValue::from_static("7"));
        legacy.insert("X-Ratelimit-Limit", HeaderValue::from_static("60"));
        let info = RateInfo::from_headers(&legacy).expect("present");
        assert_eq!((info.limit, info.remaining, info.reset_epoch_s), (Some(60), Some(7), None));
        assert_eq!(RateInfo::from_headers(&HeaderMap::new()), None);
    }

    /// Regression: a 429 with `Retry-After: 3` and `Remaining: 0` / `Reset` a minute
    /// away held the bucket for the minute, past the wait budget (exit 3), while the
    /// retry notice said 3 s. `Retry-After` replaces the reset (CLI-RETRY-4).
    #[tokio::test]
    async fn retry_after_replaces_the_reset_of_a_429() {
        let limiter = RateLimiter::new(Budgets::unlimited());
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-request-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-request-reset", HeaderValue::from_static("4102444800"));
        h.insert("retry-after", HeaderValue::from_static("3"));
        limiter.observe(Bucket::Create, &h);
        assert!(limiter.acquire(Bucket::Create, Duration::ZERO).await.is_ok(), "the reset did not pause it");
        // An unreadable Retry-After announces nothing: the reset holds.
        h.insert("retry-after", HeaderValue::from_static("soon"));
        limiter.observe(Bucket::Create, &h);
        assert!(limiter.acquire(Bucket::Create, Duration::from_secs(5)).await.is_err());
    }

    #[tokio::test]
    async fn remaining_zero_with_reset_pauses_the_bucket() {
        let limiter = RateLimiter::new(Budgets::default());
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("4102444800"));
        limiter.observe(Bucket::Assets, &h);
        assert!(limiter.acquire(Bucket::Assets, Duration::from_secs(5)).await.is_err());
    }
}
