//! The simulator's in-memory state: tasks and their lifecycle (SIM-STATUS-*),
//! idempotency records (IDEM-2..8), and the request log (SIM-CFG-2).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::SimConfig;
use super::synth::Synthesis;

/// How tasks advance (SIM-STATUS-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Wall time: `queued` 1 s, `pending` 1 s, `processing` the processing time plus
    /// 0.01 s per window second (at most 60 s).
    Realtime,
    /// The same durations on a clock that starts at 2026-01-01T00:00:00.000Z and moves
    /// only by `POST /_sim/advance`.
    Virtual,
    /// Each retrieve of a task advances it one state: 1st → `pending`,
    /// 2nd → `processing`, 3rd → terminal; the clock (from 2026-01-01) gains 1 s per
    /// API request. For fast, deterministic tests. Rate limits are off.
    Tick,
}

/// Start of the virtual and tick clocks: 2026-01-01T00:00:00.000Z (SIM-STATUS-2).
pub const VIRTUAL_EPOCH_MS: u64 = 1_767_225_600_000;

/// What a task will end as, fixed at create (SIM-STATUS-4).
#[derive(Debug, Clone)]
pub enum Planned {
    /// `ready` with this result.
    Ready(Synthesis),
    /// `failed` with this message; a media failure (MEDIA-4) fails from `pending`.
    Failed {
        /// `error.message`.
        message: String,
    },
}

/// A stored task.
#[derive(Debug, Clone)]
pub struct SimTask {
    /// 24 lowercase hex (WIRE-7).
    pub task_id: String,
    /// Echoed `custom_id` (REQ-CUSTOM-ID-2).
    pub custom_id: Option<String>,
    /// Acceptance time, ms since the epoch.
    pub created_ms: u64,
    /// Retrieves so far, for the tick clock.
    pub ticks: u32,
    /// The non-terminal states this task passes through, with their dwell times in
    /// ms (realtime and virtual clocks), after `skip_states` and faults.
    pub stages: Vec<(&'static str, u64)>,
    /// Retrieves per state on the tick clock (the `slow` fault's factor; ≥ 1).
    pub tick_factor: u32,
    /// The `stuck` fault: never leaves its last non-terminal state (SIM-FAULT-3).
    pub stuck: bool,
    /// `video_source` echo without `system_metadata` (TASK-4).
    pub video_source: Value,
    /// The video's duration, seconds (MEDIA-5), when known.
    pub duration: Option<f64>,
    /// `request_params` echo (TASK-5).
    pub request_params: Value,
    /// The end state.
    pub planned: Planned,
    /// Time of the terminal transition, ms since the epoch, once reached.
    pub completed_ms: Option<u64>,
    /// Filters of the list endpoint.
    pub filter: ListFilter,
    /// The task fault decided at create, for `/_sim/tasks/{id}` (SIM-FAULT-3).
    pub fault: Option<String>,
}

/// What the list endpoint filters on (LIST-1).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// `video_url` of a url source.
    pub video_url: Option<String>,
    /// `asset_id` of an asset source.
    pub asset_id: Option<String>,
    /// `video_id` of a pre-indexed source.
    pub video_id: Option<String>,
    /// Effective `analysis_mode`.
    pub analysis_mode: String,
}

/// The non-terminal states in order (SIM-STATUS-1).
pub const QUEUED: &str = "queued";
/// See [`QUEUED`].
pub const PENDING: &str = "pending";
/// See [`QUEUED`].
pub const PROCESSING: &str = "processing";

impl SimTask {
    /// The status now, advancing the task per the clock (SIM-STATUS-2). `retrieve`
    /// counts a tick. The terminal state comes from [`Planned`]; once reached it never
    /// changes (SIM-STATUS-4).
    pub fn advance(&mut self, clock: Clock, retrieve: bool, now_ms: u64) -> &'static str {
        if self.completed_ms.is_some() {
            return self.terminal_status();
        }
        let stage = match clock {
            Clock::Tick => {
                if retrieve {
                    self.ticks = self.ticks.saturating_add(1);
                }
                (self.ticks / self.tick_factor.max(1)) as usize
            }
            Clock::Realtime | Clock::Virtual => {
                let mut left = now_ms.saturating_sub(self.created_ms);
                let mut at = self.stages.len();
                for (i, (_, dwell)) in self.stages.iter().enumerate() {
                    if left < *dwell {
                        at = i;
                        break;
                    }
                    left -= dwell;
                }
                at
            }
        };
        if let Some((name, _)) = self.stages.get(stage) {
            return name;
        }
        if self.stuck {
            return self.stages.last().map_or(PROCESSING, |s| s.0);
        }
        let done = match clock {
            Clock::Tick => now_ms,
            Clock::Realtime | Clock::Virtual => self.created_ms + self.stages.iter().map(|s| s.1).sum::<u64>(),
        };
        self.completed_ms = Some(done);
        self.terminal_status()
    }

    fn terminal_status(&self) -> &'static str {
        match self.planned {
            Planned::Ready(_) => "ready",
            Planned::Failed { .. } => "failed",
        }
    }

    /// The task as `GET /analyze/tasks/{id}` returns it (TASK-3..6).
    pub fn to_json(&self, status: &str) -> Value {
        let mut t = Map::new();
        t.insert("task_id".into(), json!(self.task_id));
        t.insert("custom_id".into(), json!(self.custom_id));
        t.insert("status".into(), json!(status));
        t.insert("created_at".into(), json!(rfc3339(self.created_ms)));
        let terminal = status == "ready" || status == "failed";
        if terminal && let Some(done) = self.completed_ms {
            t.insert("completed_at".into(), json!(rfc3339(done)));
        }
        let mut source = self.video_source.clone();
        let show_duration =
            status == PROCESSING || status == "ready" || (status == "failed" && self.duration.is_some());
        if show_duration && let (Some(d), Some(obj)) = (self.duration, source.as_object_mut()) {
            obj.insert("system_metadata".into(), json!({"duration": d}));
        }
        t.insert("video_source".into(), source);
        t.insert("request_params".into(), self.request_params.clone());
        match (&self.planned, status) {
            (Planned::Ready(s), "ready") => {
                t.insert(
                    "result".into(),
                    json!({
                        "generation_id": s.generation_id,
                        "data": s.data,
                        "finish_reason": s.finish_reason.as_str(),
                        "usage": {"output_tokens": s.output_tokens, "input_tokens": s.input_tokens},
                    }),
                );
                if let Some(w) = &s.warning {
                    t.insert("error".into(), json!({"message": w}));
                }
            }
            (Planned::Failed { message }, "failed") => {
                t.insert("error".into(), json!({"message": message}));
            }
            _ => {}
        }
        Value::Object(t)
    }
}

/// One line of the request log (SIM-CFG-2).
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoggedRequest {
    /// Milliseconds since the epoch.
    pub time_ms: u64,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// `Idempotency-Key`, if sent.
    pub idempotency_key: Option<String>,
    /// Body fingerprint of a create (SHA-256 of its canonical JSON), if parsed.
    pub fingerprint: Option<String>,
    /// Answer status; `None` when the connection was closed unanswered.
    pub status: Option<u16>,
    /// The injected fault, if any (SIM-FAULT-2), or `rate_limited` (RATE-3).
    pub fault: Option<String>,
}

/// Mutable state behind one lock: simple and safe under concurrency (SIM-CFG-3).
#[derive(Debug, Default)]
pub struct State {
    /// Tasks by id, in creation order.
    pub tasks: indexmap::IndexMap<String, SimTask>,
    /// Tasks created so far (for ids).
    pub sequence: u64,
    /// (API key, Idempotency-Key) → record (IDEM-3).
    pub idempotency: HashMap<(String, String), IdemRecord>,
    /// Request log, the latest [`REQUEST_LOG_LIMIT`] entries.
    pub requests: std::collections::VecDeque<LoggedRequest>,
    /// Entries dropped from the front of the log.
    pub requests_dropped: u64,
    /// Uploaded assets by `_id` (§6).
    pub assets: indexmap::IndexMap<String, super::assets::SimAsset>,
    /// Assets created so far (for ids).
    pub asset_sequence: u64,
    /// Media durations by SHA-256 of the bytes, so a file is probed once.
    pub probed: HashMap<String, Result<crate::contract::media::MediaFacts, String>>,
}

/// How many request-log entries are kept (older ones are dropped).
pub const REQUEST_LOG_LIMIT: usize = 10_000;

impl State {
    /// Appends to the request log, dropping the oldest entry beyond the limit.
    pub fn log(&mut self, entry: LoggedRequest) {
        if self.requests.len() >= REQUEST_LOG_LIMIT {
            self.requests.pop_front();
            self.requests_dropped += 1;
        }
        self.requests.push_back(entry);
    }
}

/// An idempotency record (IDEM-3): stored only when a task is created.
#[derive(Debug, Clone)]
pub struct IdemRecord {
    /// Fingerprint of the body (IDEM-4).
    pub fingerprint: String,
    /// The task it created.
    pub task_id: String,
    /// Simulator time it was stored, ms since the epoch.
    pub stored_ms: u64,
}

/// The simulator: configuration and state.
#[derive(Debug)]
pub struct Sim {
    /// Settings.
    pub config: SimConfig,
    /// Tasks, assets, idempotency records, request log.
    pub state: Mutex<State>,
    /// Fault rules and counters (SIM-FAULT-1).
    pub faults: Mutex<super::faults::FaultState>,
    /// Rate-limit buckets (RATE-1).
    pub limiter: Mutex<super::ratelimit::Limiter>,
    /// Virtual and tick clocks: ms since [`VIRTUAL_EPOCH_MS`].
    virtual_ms: AtomicU64,
}

impl Sim {
    /// A fresh simulator.
    pub fn new(config: SimConfig) -> Self {
        let faults = super::faults::FaultState::new(config.faults.clone(), config.seed);
        Self {
            config,
            state: Mutex::new(State::default()),
            faults: Mutex::new(faults),
            limiter: Mutex::new(super::ratelimit::Limiter::default()),
            virtual_ms: AtomicU64::new(0),
        }
    }

    /// Simulator time, ms since the epoch: wall time, or the virtual/tick clock.
    pub fn now_ms(&self) -> u64 {
        match self.config.clock {
            Clock::Realtime => now_ms(),
            Clock::Virtual | Clock::Tick => VIRTUAL_EPOCH_MS + self.virtual_ms.load(Ordering::SeqCst),
        }
    }

    /// Moves the virtual or tick clock forward (`/_sim/advance`; 1 s per API request in
    /// tick mode). No effect on the realtime clock.
    pub fn advance_clock(&self, ms: u64) {
        self.virtual_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Locks the fault state (recovering a poisoned lock, as [`Sim::lock`]).
    pub fn faults(&self) -> std::sync::MutexGuard<'_, super::faults::FaultState> {
        self.faults.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks the rate limiter.
    pub fn limiter(&self) -> std::sync::MutexGuard<'_, super::ratelimit::Limiter> {
        self.limiter.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks the state; a poisoned lock (a panicked handler) is recovered, since
    /// every mutation leaves the state consistent.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// RFC 3339, UTC, milliseconds, `Z` (WIRE-6).
pub fn rfc3339(ms: u64) -> String {
    let ts = i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc_millis() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }
}
