//! Fault injection (SIM-FAULT-1..4): ordered rules `{match, action, probability?,
//! times?}`; the first rule that applies wins. Draws use an RNG seeded by `--seed`,
//! so a run with the same requests in the same order injects the same faults.
//!
//! Rules act in one of three phases, by their action:
//! - request actions (SIM-FAULT-2) are decided for every `/v1.3` request before it is
//!   processed: `status`, `drop`, `drop_after_commit`, `status_after_commit`,
//!   `stall`, `partial_body`, `latency`;
//! - task actions (SIM-FAULT-3) are decided when a create is accepted: `fail`,
//!   `stuck`, `truncate`, `slow`;
//! - asset actions (SIM-FAULT-3) when an upload is accepted: `asset_fail`,
//!   `asset_stuck`.
//!
//! `nth` counts, per rule, the requests that satisfy the rest of its `match`, whether
//! or not an earlier rule won them, so a script such as "GETs of one task: 2nd → 500,
//! 3rd → drop, 4th → 503 with `retry_after: 1`" is three rules with `nth` 2, 3, 4
//! (SIM-FAULT-4).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};

/// The whole fault configuration, as `GET|PUT /_sim/faults` exchange it (SIM-CFG-2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Delay added to every `/v1.3` response, milliseconds (`--latency-ms`).
    #[serde(default)]
    pub latency_ms: u64,
    /// Ordered rules; the first that applies wins (SIM-FAULT-1).
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// One rule (SIM-FAULT-1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Which requests the rule looks at; empty matches every request of its phase.
    #[serde(rename = "match", default)]
    pub matcher: Match,
    /// What it does.
    pub action: Action,
    /// Chance in [0, 1] that a matching request is hit (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// How many times the rule may fire (default: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
}

/// The `match` of a rule: every given member must hold (SIM-FAULT-1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    /// HTTP method, case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Glob on the path, e.g. `/v1.3/analyze/tasks/*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based position among the requests that satisfy the other members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Glob on a create body's `custom_id` (a request without one does not match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Glob on a create body's video source: matches its `type` or its value
    /// (`url`, `asset_id` or `video_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `Retry-After` of an injected status: whole seconds or an HTTP date (RATE-4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RetryAfter {
    /// `Retry-After: N`.
    Seconds(u64),
    /// `Retry-After: <HTTP date>`, sent as given.
    Date(String),
}

/// What a rule does (SIM-FAULT-2, SIM-FAULT-3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Answer `status` (429 or 4xx/5xx) with the route's error shape (ERR-3), or an
    /// empty body; nothing is processed or stored.
    Status {
        /// HTTP status, 400-599.
        status: u16,
        /// Optional `Retry-After`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<RetryAfter>,
        /// Send no body at all (RATE-4).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        empty_body: bool,
    },
    /// Close the connection unanswered; nothing is processed.
    Drop {},
    /// Process the request (a create stores its task and idempotency record, IDEM-7),
    /// then close the connection unanswered.
    DropAfterCommit {},
    /// Process the request, then answer `status` (default 500) instead.
    StatusAfterCommit {
        /// HTTP status, 500-599.
        #[serde(default = "default_5xx")]
        status: u16,
    },
    /// Send nothing for `seconds` (forever when absent), then process normally.
    Stall {
        /// How long; absent = until the client gives up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seconds: Option<f64>,
    },
    /// Process, send the headers and half of the body, then close the connection.
    PartialBody {},
    /// Delay the request by `ms`, then process normally.
    Latency {
        /// Milliseconds.
        ms: u64,
    },
    /// Task: end `failed` with `message` (default `[simulated] injected failure`).
    Fail {
        /// `error.message`; `[simulated] ` is prefixed when missing (SIM-OUT-2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Task: never leave its last non-terminal state.
    Stuck {},
    /// Task: `ready` with a truncated result (SIM-TRUNC-1, forced).
    Truncate {},
    /// Task: every dwell time multiplied by `factor` (tick clock: retrieves per state).
    Slow {
        /// Factor ≥ 1.
        factor: f64,
    },
    /// Asset: end `failed` with `message`.
    AssetFail {
        /// `error.message`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Asset: stay `processing` forever.
    AssetStuck {},
}

fn default_5xx() -> u16 {
    500
}

/// When a rule is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before any `/v1.3` request is processed.
    Request,
    /// When a create is accepted.
    Task,
    /// When an upload is accepted.
    Asset,
}

impl Action {
    /// The phase in which this action is decided.
    pub fn phase(&self) -> Phase {
        match self {
            Self::Fail { .. } | Self::Stuck {} | Self::Truncate {} | Self::Slow { .. } => Phase::Task,
            Self::AssetFail { .. } | Self::AssetStuck {} => Phase::Asset,
            _ => Phase::Request,
        }
    }

    /// A short name for the request log, e.g. `status 503`, `drop`.
    pub fn label(&self) -> String {
        match self {
            Self::Status { status, .. } => format!("status {status}"),
            Self::Drop {} => "drop".into(),
            Self::DropAfterCommit {} => "drop_after_commit".into(),
            Self::StatusAfterCommit { status } => format!("status_after_commit {status}"),
            Self::Stall { .. } => "stall".into(),
            Self::PartialBody {} => "partial_body".into(),
            Self::Latency { ms } => format!("latency {ms}ms"),
            Self::Fail { .. } => "fail".into(),
            Self::Stuck {} => "stuck".into(),
            Self::Truncate {} => "truncate".into(),
            Self::Slow { factor } => format!("slow x{factor}"),
            Self::AssetFail { .. } => "asset_fail".into(),
            Self::AssetStuck {} => "asset_stuck".into(),
        }
    }
}

/// What a request looks like to the matcher.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path.
    pub path: &'a str,
    /// A create body's `custom_id`.
    pub custom_id: Option<&'a str>,
    /// A create body's source: (type, value).
    pub source: Option<(&'a str, &'a str)>,
}

impl Faults {
    /// The rules of the command-line shorthands (SIM-FAULT-1), in this order:
    /// `--drop-rate`, `--partial-body-rate`, `--fail-429-rate` (429 with
    /// `Retry-After: 1`), `--fail-5xx-rate` (503), `--task-failure-rate`. Rates of 0
    /// add no rule.
    pub fn from_rates(rates: &Rates) -> Self {
        let mut rules = Vec::new();
        let mut add = |p: f64, action: Action| {
            if p > 0.0 {
                rules.push(Rule { matcher: Match::default(), action, probability: Some(p), times: None });
            }
        };
        add(rates.drop, Action::Drop {});
        add(rates.partial_body, Action::PartialBody {});
        add(
            rates.fail_429,
            Action::Status { status: 429, retry_after: Some(RetryAfter::Seconds(1)), empty_body: false },
        );
        add(rates.fail_5xx, Action::Status { status: 503, retry_after: None, empty_body: false });
        add(rates.task_failure, Action::Fail { message: None });
        Self { latency_ms: rates.latency_ms, rules }
    }

    /// Checks probabilities, globs, statuses and factors. Errors: what is wrong,
    /// naming the rule index.
    pub fn validate(&self) -> Result<(), String> {
        for (i, r) in self.rules.iter().enumerate() {
            let at = |m: &str| format!("rules[{i}]: {m}");
            if let Some(p) = r.probability
                && !(0.0..=1.0).contains(&p)
            {
                return Err(at(&format!("probability must be in [0, 1], got {p}")));
            }
            if r.matcher.nth == Some(0) {
                return Err(at("match.nth is 1-based"));
            }
            for g in [&r.matcher.path, &r.matcher.custom_id, &r.matcher.source].into_iter().flatten() {
                glob::Pattern::new(g).map_err(|e| at(&format!("bad glob `{g}`: {e}")))?;
            }
            match &r.action {
                Action::Status { status, .. } if !(400..=599).contains(status) => {
                    return Err(at(&format!("status must be 400-599, got {status}")));
                }
                Action::StatusAfterCommit { status } if !(500..=599).contains(status) => {
                    return Err(at(&format!("status must be 500-599, got {status}")));
                }
                Action::Slow { factor } if !(factor.is_finite() && *factor >= 1.0) => {
                    return Err(at(&format!("slow factor must be ≥ 1, got {factor}")));
                }
                Action::Stall { seconds: Some(s) } if !(s.is_finite() && *s >= 0.0) => {
                    return Err(at(&format!("stall seconds must be ≥ 0, got {s}")));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether some rule of `phase` matches on the create body (so it must be parsed).
    pub fn needs_body(&self) -> bool {
        self.rules.iter().any(|r| r.matcher.custom_id.is_some() || r.matcher.source.is_some())
    }
}

/// The shorthand rates (SIM-FAULT-1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    /// `--drop-rate`.
    pub drop: f64,
    /// `--partial-body-rate`.
    pub partial_body: f64,
    /// `--fail-429-rate`.
    pub fail_429: f64,
    /// `--fail-5xx-rate`.
    pub fail_5xx: f64,
    /// `--task-failure-rate`.
    pub task_failure: f64,
    /// `--latency-ms`.
    pub latency_ms: u64,
}

/// Rules plus their counters and the seeded RNG.
#[derive(Debug)]
pub struct FaultState {
    config: Faults,
    matched: Vec<u64>,
    fired: Vec<u64>,
    seed: u64,
    rng: ChaCha8Rng,
}

impl FaultState {
    /// Fresh counters and RNG for `config`.
    pub fn new(config: Faults, seed: u64) -> Self {
        let n = config.rules.len();
        Self { config, matched: vec![0; n], fired: vec![0; n], seed, rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// The configuration.
    pub fn config(&self) -> &Faults {
        &self.config
    }

    /// Replaces the rules; counters and RNG start over.
    pub fn replace(&mut self, config: Faults) {
        *self = Self::new(config, self.seed);
    }

    /// Counters and RNG start over (`/_sim/reset`, SIM-CFG-3); the rules stay.
    pub fn reset_counters(&mut self) {
        let config = std::mem::take(&mut self.config);
        *self = Self::new(config, self.seed);
    }

    /// `(matched, fired)` per rule, for `GET /_sim/faults`.
    pub fn counters(&self) -> Vec<(u64, u64)> {
        self.matched.iter().copied().zip(self.fired.iter().copied()).collect()
    }

    /// The action of the first rule of `phase` that applies to `subject`, if any.
    /// Every matching rule's `nth` counter advances, winner or not.
    pub fn decide(&mut self, phase: Phase, subject: &Subject<'_>) -> Option<Action> {
        let mut winner = None;
        for (i, rule) in self.config.rules.iter().enumerate() {
            if rule.action.phase() != phase || !matches(&rule.matcher, subject) {
                continue;
            }
            let Some(count) = self.matched.get_mut(i) else { continue };
            *count += 1;
            let count = *count;
            if winner.is_some() {
                continue;
            }
            if rule.matcher.nth.is_some_and(|n| n != count) {
                continue;
            }
            let fired = self.fired.get(i).copied().unwrap_or(0);
            if rule.times.is_some_and(|t| fired >= t) {
                continue;
            }
            if let Some(p) = rule.probability
                && p < 1.0
                && unit(self.rng.next_u64()) >= p
            {
                continue;
            }
            if let Some(f) = self.fired.get_mut(i) {
                *f += 1;
            }
            winner = Some(rule.action.clone());
        }
        winner
    }
}

/// A uniform draw in [0, 1) from 53 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn glob_match(pattern: &str, text: &str) -> bool {
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches(text))
}

fn matches(m: &Match, s: &Subject<'_>) -> bool {
    if m.method.as_deref().is_some_and(|x| !x.eq_ignore_ascii_case(s.method)) {
        return false;
    }
    if m.path.as_deref().is_some_and(|g| !glob_match(g, s.path)) {
        return false;
    }
    if let Some(g) = &m.custom_id
        && !s.custom_id.is_some_and(|c| glob_match(g, c))
    {
        return false;
    }
    if let Some(g) = &m.source
        && !s.source.is_some_and(|(kind, value)| glob_match(g, kind) || glob_match(g, value))
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Subject<'_> {
        Subject { method: "GET", path, ..Subject::default() }
    }

    fn rules(json: serde_json::Value) -> Faults {
        let f: Faults = serde_json::from_value(json).unwrap();
        f.validate().unwrap();
        f
    }

    #[test]
    fn scripts_count_nth_per_rule_sim_fault_4() {
        let f = rules(serde_json::json!({"rules": [
            {"match": {"method": "GET", "path": "/v1.3/analyze/tasks/*", "nth": 2}, "action": {"type": "status", "status": 500}},
            {"match": {"method": "GET", "path": "/v1.3/analyze/tasks/*", "nth": 3}, "action": {"type": "drop"}},
            {"match": {"method": "GET", "path": "/v1.3/analyze/tasks/*", "nth": 4},
             "action": {"type": "status", "status": 503, "retry_after": 1}},
        ]}));
        let mut st = FaultState::new(f, 0);
        let got: Vec<Option<String>> =
            (0..5).map(|_| st.decide(Phase::Request, &get("/v1.3/analyze/tasks/abc")).map(|a| a.label())).collect();
        assert_eq!(got, [None, Some("status 500".into()), Some("drop".into()), Some("status 503".into()), None]);
        // Another path or phase does not count.
        assert_eq!(st.decide(Phase::Request, &get("/v1.3/assets/x")), None);
        assert_eq!(st.decide(Phase::Task, &get("/v1.3/analyze/tasks/abc")), None);
    }

    #[test]
    fn times_and_first_match_win() {
        let f = rules(serde_json::json!({"rules": [
            {"action": {"type": "drop"}, "times": 1},
            {"action": {"type": "partial_body"}},
        ]}));
        let mut st = FaultState::new(f, 0);
        assert_eq!(st.decide(Phase::Request, &get("/x")), Some(Action::Drop {}));
        assert_eq!(st.decide(Phase::Request, &get("/x")), Some(Action::PartialBody {}));
        assert_eq!(st.counters(), [(2, 1), (2, 1)]);
        st.reset_counters();
        assert_eq!(st.decide(Phase::Request, &get("/x")), Some(Action::Drop {}));
    }

    #[test]
    fn probabilities_are_seeded_and_roughly_right() {
        let rates = Rates { fail_429: 0.3, ..Rates::default() };
        let run = |seed| {
            let mut st = FaultState::new(Faults::from_rates(&rates), seed);
            (0..1000).map(|_| st.decide(Phase::Request, &get("/x")).is_some()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((220..380).contains(&hits), "{hits}");
    }

    #[test]
    fn custom_id_and_source_globs() {
        let f = rules(serde_json::json!({"rules": [
            {"match": {"custom_id": "job-*"}, "action": {"type": "fail"}},
            {"match": {"source": "https://*.mp4"}, "action": {"type": "stuck"}},
            {"match": {"source": "asset_id"}, "action": {"type": "truncate"}},
        ]}));
        assert!(f.needs_body());
        let mut st = FaultState::new(f, 0);
        let s = |c: Option<&'static str>, src: (&'static str, &'static str)| Subject {
            method: "POST",
            path: "/v1.3/analyze/tasks",
            custom_id: c,
            source: Some(src),
        };
        assert_eq!(st.decide(Phase::Task, &s(Some("job-1"), ("url", "x"))), Some(Action::Fail { message: None }));
        assert_eq!(st.decide(Phase::Task, &s(None, ("url", "https://a/b.mp4"))), Some(Action::Stuck {}));
        assert_eq!(st.decide(Phase::Task, &s(Some("other"), ("asset_id", "ab12"))), Some(Action::Truncate {}));
        assert_eq!(st.decide(Phase::Task, &s(None, ("video_id", "v"))), None);
    }

    #[test]
    fn bad_configs_are_refused() {
        for bad in [
            serde_json::json!({"rules": [{"action": {"type": "drop"}, "probability": 1.5}]}),
            serde_json::json!({"rules": [{"action": {"type": "status", "status": 200}}]}),
            serde_json::json!({"rules": [{"action": {"type": "slow", "factor": 0.5}}]}),
            serde_json::json!({"rules": [{"match": {"nth": 0}, "action": {"type": "drop"}}]}),
            serde_json::json!({"rules": [{"match": {"path": "[x"}, "action": {"type": "drop"}}]}),
        ] {
            let f: Faults = serde_json::from_value(bad.clone()).unwrap();
            assert!(f.validate().is_err(), "{bad}");
        }
        for bad in [
            serde_json::json!({"rules": [{"action": {"type": "explode"}}]}),
            serde_json::json!({"rules": [{"action": {"type": "drop", "extra": 1}}]}),
            serde_json::json!({"rulez": []}),
        ] {
            assert!(serde_json::from_value::<Faults>(bad.clone()).is_err(), "{bad}");
        }
    }
}
