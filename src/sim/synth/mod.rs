//! The simulator's deterministic synthetic results (`api-contract.md` §9: SIM-OUT-*,
//! SIM-SEG-*, SIM-USAGE-1, SIM-TRUNC-1; result shape TASK-6, RES-1..5, TRUNC-1).
//!
//! Pure: no HTTP, no I/O, no clock. [`synthesize`] turns a validated create body, the
//! video's duration and the simulator seed into the `result` of a `ready` task, or into
//! a [`SynthError`] that fails the task. Equal inputs give byte-identical output on
//! every platform (SIM-OUT-1): all randomness comes from ChaCha8 seeded by
//! SHA-256(seed ‖ request fingerprint ‖ media identity).
//!
//! Nothing here claims anything about the video (SIM-NEVER-1): text is marked
//! `[simulated]`, unconstrained strings `sim:` (SIM-OUT-2).

mod json_schema;
mod pattern;
mod rng;
mod segments;
mod text;
mod times;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::contract::tokens::max_tokens_bounds;
use crate::contract::{DEFAULT_MODEL, est_tokens};
use rng::SynthRng;
use times::Window;

/// What [`synthesize`] needs to know about one task.
#[derive(Debug, Clone, Copy)]
pub struct SynthInput<'a> {
    /// The create body, already validated by the contract module; odd bodies still
    /// give an `Ok` or a [`SynthError`], never a panic.
    pub request: &'a Value,
    /// The video's duration, seconds (media facts, MEDIA-5).
    pub duration: f64,
    /// The simulator's `--seed` (SIM-CFG-1).
    pub seed: u64,
    /// The `truncate` fault (SIM-FAULT-3): `data` keeps half its bytes.
    pub force_truncate: bool,
}

/// `result.finish_reason` (TASK-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    /// The output is complete.
    Stop,
    /// The output was cut at `max_tokens` (TRUNC-1, SIM-TRUNC-1).
    Length,
}

impl FinishReason {
    /// The wire value: `"stop"` or `"length"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
        }
    }
}

/// The synthetic `result` of a `ready` task (TASK-6), plus the truncation warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synthesis {
    /// `sim-` + a UUID (version 4 layout) derived from the output seed (WIRE-7).
    pub generation_id: String,
    /// `result.data`: text (RES-1) or compact JSON (RES-2, RES-3), possibly cut.
    pub data: String,
    /// `stop`, or `length` when `data` was cut (SIM-TRUNC-1).
    pub finish_reason: FinishReason,
    /// `usage.input_tokens` (SIM-USAGE-1), ≥ 1.
    pub input_tokens: u64,
    /// `usage.output_tokens` = est_tokens(`data`) (SIM-USAGE-1), ≥ 1.
    pub output_tokens: u64,
    /// `error.message` of a truncated result: `[simulated] output truncated: …
    /// max_tokens …` (SIM-TRUNC-1); `None` when complete.
    pub warning: Option<String>,
}

/// Why no result can be built; the task fails with this message (SIM-OUT-3). It
/// always starts `[simulated] cannot synthesise `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthError(pub String);

impl SynthError {
    fn new(what: &str, detail: &str) -> Self {
        Self(format!("[simulated] cannot synthesise {what}: {detail}"))
    }
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SynthError {}

/// Tokens charged per media source (image) of `prompt_v2` or a segment definition
/// (SIM-USAGE-1).
const TOKENS_PER_MEDIA_SOURCE: u64 = 256;
/// Tokens charged per second of analysis window (SIM-USAGE-1).
const TOKENS_PER_WINDOW_SECOND: f64 = 10.0;
/// Effective `max_tokens` when neither the request nor REQ-TOKENS-1 gives one (only
/// for bodies the contract rejects): the pegasus1.2 general default.
const FALLBACK_MAX_TOKENS: u64 = 4_096;

/// The synthetic result of a task (SIM-OUT-*, SIM-SEG-*, SIM-USAGE-1, SIM-TRUNC-1).
///
/// Without `response_format`: marked free text (RES-1, SIM-OUT-2). With `json_schema`:
/// a compact JSON instance of the schema (RES-2, SIM-OUT-3). In `time_based_metadata`:
/// compact JSON segments per definition (RES-3, SIM-SEG-*). Then usage, and the cut at
/// the effective `max_tokens` or by the `truncate` fault.
pub fn synthesize(input: &SynthInput) -> Result<Synthesis, SynthError> {
    let request = input.request;
    let str_of = |k: &str| request.get(k).and_then(Value::as_str);
    let model = str_of("model_name").unwrap_or(DEFAULT_MODEL);
    let mode = str_of("analysis_mode").unwrap_or("general");
    let window = Window::of(request, input.duration);

    let seed = output_seed(input.seed, request);
    let mut rng = SynthRng::new(seed);
    let generation_id = generation_id(&seed);

    let response_format = request.get("response_format").filter(|v| !v.is_null());
    let full = if mode == "time_based_metadata" {
        let data = segments::segments(request, window, &mut rng).map_err(|e| SynthError::new("segments", &e))?;
        data.to_string()
    } else {
        match response_format {
            None => {
                let prompt = prompt_text(request)
                    .ok_or_else(|| SynthError::new("a text response", "the request has no prompt"))?;
                text::general_text(prompt, input.duration, &mut rng)
            }
            Some(rf) => match rf.get("type").and_then(Value::as_str) {
                Some("json_schema") => {
                    let schema = rf
                        .get("json_schema")
                        .ok_or_else(|| SynthError::new("a json_schema instance", "no `json_schema`"))?;
                    let reserved_times = model == "pegasus1.5";
                    json_schema::instance(schema, window, reserved_times, &mut rng)
                        .map_err(|e| SynthError::new("a json_schema instance", &e))?
                        .to_string()
                }
                _ => {
                    return Err(SynthError::new("a response", "unsupported `response_format` for this analysis mode"));
                }
            },
        }
    };

    let max_tokens = request
        .get("max_tokens")
        .and_then(Value::as_u64)
        .or_else(|| max_tokens_bounds(model, mode).map(|b| b.default))
        .unwrap_or(FALLBACK_MAX_TOKENS);
    let (data, warning) = truncate(full, max_tokens, input.force_truncate);
    let finish_reason = if warning.is_some() { FinishReason::Length } else { FinishReason::Stop };
    Ok(Synthesis {
        generation_id,
        output_tokens: est_tokens(&data).max(1),
        data,
        finish_reason,
        input_tokens: input_tokens(request, mode, window),
        warning,
    })
}

/// SHA-256 hex of the canonical JSON of `body` (object keys sorted by their UTF-8
/// bytes, recursively; no whitespace; strings and numbers as serde_json writes
/// them): the request fingerprint of IDEM-4 and SIM-OUT-1.
pub fn fingerprint(body: &Value) -> String {
    crate::canonical::sha256_hex(crate::canonical::canonical_json(body))
}

/// SIM-OUT-1: SHA-256(seed as 8 big-endian bytes ‖ fingerprint hex ‖ media identity).
/// The first two parts have fixed lengths, so the concatenation is unambiguous.
fn output_seed(seed: u64, request: &Value) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(fingerprint(request).as_bytes());
    h.update(media_identity(request).as_bytes());
    h.finalize().into()
}

/// The video's identity from the request's `video` object: `<type>:<value>`, where a
/// base64 source is named by the SHA-256 hex of its base64 text, so the (possibly
/// 40 MB) payload is not carried around (SIM-NEVER-4).
fn media_identity(request: &Value) -> String {
    let video = request.get("video");
    let ty = video.and_then(|v| v.get("type")).and_then(Value::as_str).unwrap_or("");
    let value = video.and_then(|v| v.get(ty));
    match (ty, value) {
        ("base64_string", Some(Value::String(b64))) => {
            format!("base64_string:sha256:{}", hex(&Sha256::digest(b64.as_bytes())))
        }
        (_, Some(Value::String(s))) => format!("{ty}:{s}"),
        // Malformed: fall back to the canonical form of whatever is there.
        _ => format!("video:{}", crate::canonical::canonical_json(video.unwrap_or(&Value::Null))),
    }
}

/// `sim-` + a version-4-shaped UUID from SHA-256("generation_id" ‖ output seed).
fn generation_id(seed: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"generation_id");
    h.update(seed);
    let d = h.finalize();
    let word = |i: usize| d.get(i..i + 8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map_or(0, u64::from_be_bytes);
    format!("sim-{}", json_schema::uuid_v4(word(0), word(8)))
}

/// The prompt text of `general` mode: `prompt`, else `prompt_v2.input_text`.
fn prompt_text(request: &Value) -> Option<&str> {
    request.get("prompt").and_then(Value::as_str).or_else(|| request.get("prompt_v2")?.get("input_text")?.as_str())
}

/// SIM-USAGE-1: est_tokens of the prompt text (in `time_based_metadata`: of every
/// definition and field description, concatenated in request order) + ⌈10 × window
/// seconds⌉ + 256 per media source (of `prompt_v2` and of every definition); ≥ 1.
fn input_tokens(request: &Value, mode: &str, window: Window) -> u64 {
    let count = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, |a| a.len() as u64);
    let mut sources = count(request.get("prompt_v2").and_then(|p| p.get("media_sources")));
    let text = if mode == "time_based_metadata" {
        let mut all = String::new();
        let definitions =
            request.get("response_format").and_then(|rf| rf.get("segment_definitions")).and_then(Value::as_array);
        for def in definitions.into_iter().flatten() {
            sources += count(def.get("media_sources"));
            all.push_str(def.get("description").and_then(Value::as_str).unwrap_or(""));
            let fields = def.get("fields").and_then(Value::as_array);
            for field in fields.into_iter().flatten() {
                all.push_str(field.get("description").and_then(Value::as_str).unwrap_or(""));
            }
        }
        all
    } else {
        prompt_text(request).unwrap_or("").to_string()
    };
    // `as` saturates; the window is finite and ≥ 0 (Window::of).
    let window_tokens = (TOKENS_PER_WINDOW_SECOND * window.seconds()).ceil() as u64;
    est_tokens(&text)
        .saturating_add(window_tokens)
        .saturating_add(sources.saturating_mul(TOKENS_PER_MEDIA_SOURCE))
        .max(1)
}

/// SIM-TRUNC-1: cuts `full` to the longest prefix of at most `max_tokens × 4` bytes
/// (so est_tokens ≤ `max_tokens`) when it is longer, and to half its bytes when
/// `forced`, on a UTF-8 boundary; returns the warning for `error.message` when cut.
fn truncate(full: String, max_tokens: u64, forced: bool) -> (String, Option<String>) {
    let tokens = est_tokens(&full);
    let over = tokens > max_tokens;
    if !over && !forced {
        return (full, None);
    }
    let token_limit = usize::try_from(max_tokens.saturating_mul(4)).unwrap_or(usize::MAX);
    let mut cut = full.len().min(token_limit);
    if forced {
        cut = cut.min(full.len() / 2);
    }
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    let total = full.len();
    let reason = if over {
        format!("the full output is ~{tokens} tokens, over max_tokens {max_tokens}")
    } else {
        format!("truncate fault applied (max_tokens {max_tokens} not reached)")
    };
    let mut data = full;
    data.truncate(cut);
    let warning = format!("[simulated] output truncated: {reason}; data keeps the first {cut} of {total} bytes");
    (data, Some(warning))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}
