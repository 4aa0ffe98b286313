//! Segment durations and the analysis window (REQ-WINDOW-1, REQ-SEGDEF-3):
//! VAL-29..VAL-35. Checks against the video's duration are MEDIA-2
//! ([`media::check_window`](super::media::check_window)), not here.

use serde_json::{Map, Value};

use super::checker::{Checker, Kind};
use super::effective::{Mode, Model};
use super::media::MIN_WINDOW_S;
use super::response_format::FormatInfo;

/// Shortest `min_segment_duration` / `max_segment_duration`, seconds [seed].
pub const MIN_SEGMENT_DURATION_S: f64 = 2.0;

const DURATIONS: [&str; 2] = ["min_segment_duration", "max_segment_duration"];

/// VAL-29 (needs pegasus1.5 + time_based_metadata), VAL-30 (< 2 s), VAL-31
/// (max < min), VAL-35 (with `time_ranges`). Values are seconds.
pub(crate) fn check_durations(ck: &mut Checker<'_>, body: &Map<String, Value>, rf: &FormatInfo) {
    let eff = ck.eff;
    // In time_based_metadata with pegasus1.2, VAL-14 already names the model; in
    // general after VAL-16 (a forgotten analysis_mode) the mode is already named.
    let wrong_mode = eff.mode == Some(Mode::General) && !rf.segmentation_in_general;
    let wrong_model = eff.model == Some(Model::Pegasus12) && eff.mode != Some(Mode::TimeBased);
    let mut values = [None, None];
    for (slot_value, field) in values.iter_mut().zip(DURATIONS) {
        let slot = ck.optional(body, field, "", Kind::Number);
        if !slot.given() {
            continue;
        }
        if wrong_mode || wrong_model {
            let reason = format!(
                "needs model_name pegasus1.5 and analysis_mode time_based_metadata; \
                 model_name is {}, analysis_mode is {}",
                eff.model_text(),
                eff.mode_text()
            );
            ck.invalid("VAL-29", field, reason);
        }
        if let Some(at) = &rf.time_ranges_at {
            ck.invalid("VAL-35", field, format!("is not allowed when a segment definition has time_ranges ({at})"));
        }
        if let Some(v) = slot.number() {
            if v < MIN_SEGMENT_DURATION_S {
                ck.invalid("VAL-30", field, format!("must be at least {MIN_SEGMENT_DURATION_S} s, got {v}"));
            }
            *slot_value = Some(v);
        }
    }
    if let [Some(min), Some(max)] = values
        && max < min
    {
        ck.invalid(
            "VAL-31",
            "max_segment_duration",
            format!("must be at least min_segment_duration ({min} s), got {max}"),
        );
    }
}

/// VAL-32 (needs pegasus1.5), VAL-33 (start ≥ 0; start < end; end − start ≥ 4 s),
/// VAL-34 (with `time_ranges`). Values are seconds from the first frame.
///
/// When only `end_time` is given, `start_time` is its default 0 [seed], so
/// `end_time` < 4 is already a VAL-33 fault; with only `start_time` the end is the
/// video's duration and the rest is MEDIA-2.
pub(crate) fn check_window(ck: &mut Checker<'_>, body: &Map<String, Value>, rf: &FormatInfo) {
    let start = ck.optional(body, "start_time", "", Kind::Number);
    let end = ck.optional(body, "end_time", "", Kind::Number);
    let mut blocked = false;
    for (slot, field) in [(start, "start_time"), (end, "end_time")] {
        if !slot.given() {
            continue;
        }
        if ck.eff.model == Some(Model::Pegasus12) {
            let reason = format!("needs model_name pegasus1.5; model_name is {}", ck.eff.model_text());
            ck.invalid("VAL-32", field, reason);
            blocked = true;
        }
        if let Some(at) = &rf.time_ranges_at {
            ck.invalid("VAL-34", field, format!("is not allowed when a segment definition has time_ranges ({at})"));
            blocked = true;
        }
    }
    if blocked {
        return;
    }
    let s = start.number();
    if let Some(s) = s.filter(|s| *s < 0.0) {
        ck.invalid("VAL-33", "start_time", format!("must be at least 0, got {s}"));
        return;
    }
    let Some(e) = end.number() else { return };
    let (s, s_text) = match (s, start.given()) {
        (Some(s), _) => (s, format!("start_time ({s} s)")),
        (None, false) => (0.0, "start_time (0 s, the default)".to_string()),
        (None, true) => return,
    };
    if s >= e {
        ck.invalid("VAL-33", "end_time", format!("must be greater than {s_text}, got {e}"));
    } else if e - s < MIN_WINDOW_S {
        ck.invalid(
            "VAL-33",
            "end_time",
            format!(
                "analysis window {s}..{e} s is {} s long, at least {MIN_WINDOW_S} s",
                ((e - s) * 1000.0).round() / 1000.0
            ),
        );
    }
}
