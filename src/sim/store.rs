//! The simulator's in-memory state: tasks and their lifecycle (SIM-STATUS-*),
//! idempotency records (IDEM-2..8), and the request log (SIM-CFG-2).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::SimConfig;
use super::synth::Synthesis;

/// How tasks advance (SIM-STATUS-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Wall time: `queued` 1 s, `pending` 1 s, `processing` the processing time plus
    /// 0.01 s per window second (at most 60 s).
    Realtime,
    /// Each retrieve of a task advances it one state: 1st → `pending`,
    /// 2nd → `processing`, 3rd → terminal. For fast, deterministic tests.
    Tick,
}

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
    /// Acceptance instant, for the realtime clock.
    pub created: Instant,
    /// Retrieves so far, for the tick clock.
    pub ticks: u32,
    /// Seconds in `processing` (realtime clock).
    pub processing: Duration,
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

/// The lifecycle stages in order (SIM-STATUS-1).
const QUEUED: &str = "queued";
const PENDING: &str = "pending";
const PROCESSING: &str = "processing";

impl SimTask {
    /// The status now, advancing the task per the clock. `retrieve` counts a tick.
    pub fn advance(&mut self, clock: Clock, retrieve: bool, now_ms: u64) -> &'static str {
        let stage = match clock {
            Clock::Tick => {
                if retrieve && self.completed_ms.is_none() {
                    self.ticks += 1;
                }
                self.ticks.min(3)
            }
            Clock::Realtime => {
                let t = self.created.elapsed();
                let s = Duration::from_secs(1);
                if t < s {
                    0
                } else if t < 2 * s {
                    1
                } else if t < 2 * s + self.processing {
                    2
                } else {
                    3
                }
            }
        };
        // A media failure is found before processing starts (MEDIA-4): pending → failed.
        let stage = if self.media_failure() && stage >= 2 { 3 } else { stage };
        if stage >= 3 {
            if self.completed_ms.is_none() {
                self.completed_ms = Some(now_ms);
            }
            return match self.planned {
                Planned::Ready(_) => "ready",
                Planned::Failed { .. } => "failed",
            };
        }
        [QUEUED, PENDING, PROCESSING][stage as usize]
    }

    fn media_failure(&self) -> bool {
        matches!(&self.planned, Planned::Failed { message } if message.contains("MEDIA-"))
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
    /// Answer status.
    pub status: u16,
}

/// Mutable state behind one lock: simple and safe under concurrency (SIM-CFG-3).
#[derive(Debug, Default)]
pub struct State {
    /// Tasks by id, in creation order.
    pub tasks: indexmap::IndexMap<String, SimTask>,
    /// Tasks created so far (for ids).
    pub sequence: u64,
    /// (API key, Idempotency-Key) → (fingerprint, task id) (IDEM-3).
    pub idempotency: HashMap<(String, String), (String, String)>,
    /// Request log.
    pub requests: Vec<LoggedRequest>,
    /// Media durations by SHA-256 of the bytes, so a file is probed once.
    pub probed: HashMap<String, Result<crate::contract::media::MediaFacts, String>>,
}

/// The simulator: configuration and state.
#[derive(Debug)]
pub struct Sim {
    /// Settings.
    pub config: SimConfig,
    /// State.
    pub state: Mutex<State>,
}

impl Sim {
    /// A fresh simulator.
    pub fn new(config: SimConfig) -> Self {
        Self { config, state: Mutex::new(State::default()) }
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
