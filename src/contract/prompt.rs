//! `prompt` and `prompt_v2` (REQ-PROMPT-*): VAL-17..VAL-22, VAL-26; media sources
//! via [`media_source`](super::media_source) (VAL-23..VAL-25).

use serde_json::{Map, Value};

use super::checker::{Checker, Kind, Slot, child};
use super::effective::{Mode, Model};
use super::media_source::check_media_sources;
use super::placeholder::check_placeholders;
use super::tokens::{PROMPT_TOKEN_LIMIT, est_tokens};

/// Checks the prompt members of the body. `segmentation_intended` is true when
/// `response_format.type` is `segment_definitions` in `general` mode (VAL-16, already
/// reported): a missing prompt then follows from a forgotten `analysis_mode` and is
/// not reported again as VAL-18.
pub(crate) fn check_prompts(ck: &mut Checker<'_>, body: &Map<String, Value>, segmentation_intended: bool) {
    let prompt = ck.optional(body, "prompt", "", Kind::String);
    let v2 = ck.optional(body, "prompt_v2", "", Kind::Object);
    if prompt.given() && v2.given() {
        ck.invalid("VAL-17", "prompt_v2", "give either prompt or prompt_v2, not both");
    }
    match ck.eff.mode {
        Some(Mode::TimeBased) => {
            for (slot, field) in [(prompt, "prompt"), (v2, "prompt_v2")] {
                if slot.given() {
                    ck.invalid("VAL-19", field, "is not allowed with analysis_mode time_based_metadata");
                }
            }
            return;
        }
        Some(Mode::General) if !prompt.given() && !v2.given() && !segmentation_intended => {
            ck.not_provided(
                "VAL-18",
                "prompt",
                format!("general analysis needs prompt or prompt_v2 (analysis_mode is {})", ck.eff.mode_text()),
            );
        }
        _ => {}
    }
    if v2.given() && ck.eff.model == Some(Model::Pegasus12) {
        let reason = format!("needs model_name pegasus1.5; model_name is {}", ck.eff.model_text());
        ck.invalid("VAL-20", "prompt_v2", reason);
    }
    if let Some(text) = prompt.str() {
        check_text(ck, text, "prompt");
    }
    if let Some(obj) = v2.object() {
        check_prompt_v2(ck, obj);
    }
}

/// REQ-PROMPT-V2-1: `{"input_text", "media_sources"?}`.
fn check_prompt_v2(ck: &mut Checker<'_>, obj: &Map<String, Value>) {
    let path = "prompt_v2";
    let text_path = child(path, "input_text");
    let text = match ck.required(obj, "input_text", path, Kind::String) {
        Slot::Absent => {
            ck.invalid("VAL-21", &text_path, "is required");
            None
        }
        slot => slot.str(),
    };
    if let Some(text) = text {
        check_text(ck, text, &text_path);
    }
    let sources_path = child(path, "media_sources");
    let slot = ck.optional(obj, "media_sources", path, Kind::Array);
    let names = check_media_sources(ck, slot, &sources_path);
    if let Some(text) = text {
        check_placeholders(ck, text, names.as_deref(), &text_path);
    }
    ck.unknown_members(obj, &["input_text", "media_sources"], path);
}

/// VAL-21 (empty or whitespace-only) and VAL-22 (more than 2,000 estimated tokens).
fn check_text(ck: &mut Checker<'_>, text: &str, path: &str) {
    if text.trim().is_empty() {
        ck.invalid("VAL-21", path, "must not be empty or whitespace only");
        return;
    }
    let tokens = est_tokens(text);
    if tokens > PROMPT_TOKEN_LIMIT {
        ck.invalid(
            "VAL-22",
            path,
            format!("is {tokens} estimated tokens (ceil({} bytes / 4)), more than {PROMPT_TOKEN_LIMIT}", text.len()),
        );
    }
}
