//! The create body as a whole (§3.1, §3.2): [`validate_create`] runs every VAL rule
//! and owns the top-level ones (VAL-1, VAL-2, VAL-6, VAL-12..VAL-14, VAL-27, VAL-28).

use serde_json::{Map, Value};

use super::checker::{Checker, Kind, Slot, name_problem, quote};
use super::effective::{Mode, Model};
use super::prompt::check_prompts;
use super::resources::Resources;
use super::response_format::check_response_format;
use super::timing::{check_durations, check_window};
use super::tokens::max_tokens_bounds;
use super::video::{check_pairing, check_video};
use super::violation::{Violation, sort};
use super::{DEFAULT_MODEL, MODELS};

/// The top-level members of a create body (§3.1); any other is VAL-2 (WIRE-10).
pub const CREATE_FIELDS: [&str; 13] = [
    "video",
    "model_name",
    "custom_id",
    "prompt",
    "prompt_v2",
    "analysis_mode",
    "temperature",
    "max_tokens",
    "response_format",
    "min_segment_duration",
    "max_segment_duration",
    "start_time",
    "end_time",
];

/// The `analysis_mode` the API applies when none is sent [seed].
pub const DEFAULT_ANALYSIS_MODE: &str = "general";

/// Every violation of a `POST /analyze/tasks` body, sorted by (rule number, field);
/// the simulator answers with the first (VAL-0). Empty when the body is valid.
///
/// `body` is the parsed JSON as sent. Defaults apply as in the seed (`model_name`
/// pegasus1.2, `analysis_mode` general, `max_tokens` per REQ-TOKENS-1); an optional
/// member that is `null` or `[]` counts as absent (WIRE-5). A member of the wrong
/// JSON type is VAL-3 and no further rule looks at it. Rules that need server state
/// (VAL-10, VAL-11, VAL-25) run only when `resources` is given. Media facts
/// (MEDIA-1/2) are not checked here.
///
/// Unknown members, top-level (WIRE-10) or nested in the request's own objects
/// (prompt_v2, media sources, response_format, definitions, fields, items, time
/// ranges, video), are VAL-2 `parameter_unknown`, so the simulator's `strict_fields`
/// switch can drop them all by rule. A second source member in `video` is VAL-5.
pub fn validate_create(body: &Value, resources: Option<&dyn Resources>) -> Vec<Violation> {
    let mut ck = Checker::new(resources);
    let Some(obj) = body.as_object() else {
        ck.invalid("VAL-1", "", format!("the body must be a JSON object, got {}", super::checker::type_name(body)));
        return ck.out;
    };
    ck.unknown_members(obj, &CREATE_FIELDS, "");
    effective(&mut ck, obj);
    if let Some(source) = check_video(&mut ck, obj) {
        check_pairing(&mut ck, source);
    }
    check_custom_id(&mut ck, obj);
    if ck.eff.mode == Some(Mode::TimeBased) && ck.eff.model == Some(Model::Pegasus12) {
        let reason = format!("time_based_metadata needs model_name pegasus1.5; model_name is {}", ck.eff.model_text());
        ck.invalid("VAL-14", "analysis_mode", reason);
    }
    let rf = check_response_format(&mut ck, obj);
    check_prompts(&mut ck, obj, rf.segmentation_in_general);
    check_temperature(&mut ck, obj);
    check_max_tokens(&mut ck, obj);
    check_durations(&mut ck, obj, &rf);
    check_window(&mut ck, obj, &rf);
    let mut out = ck.out;
    sort(&mut out);
    out
}

/// Reads `model_name` (VAL-3, VAL-6) and `analysis_mode` (VAL-3, VAL-13) and
/// records their effective values.
fn effective(ck: &mut Checker<'_>, obj: &Map<String, Value>) {
    let model = ck.optional(obj, "model_name", "", Kind::String);
    ck.eff.model_defaulted = !model.given();
    ck.eff.model = match model {
        Slot::Absent => Model::parse(DEFAULT_MODEL),
        Slot::Invalid => None,
        Slot::Present(v) => {
            let s = v.as_str().unwrap_or("");
            let m = Model::parse(s);
            if m.is_none() {
                ck.invalid("VAL-6", "model_name", format!("must be {}, got {}", MODELS.join(" or "), quote(s)));
            }
            m
        }
    };
    let mode = ck.optional(obj, "analysis_mode", "", Kind::String);
    ck.eff.mode_defaulted = !mode.given();
    ck.eff.mode = match mode {
        Slot::Absent => Mode::parse(DEFAULT_ANALYSIS_MODE),
        Slot::Invalid => None,
        Slot::Present(v) => {
            let s = v.as_str().unwrap_or("");
            let m = Mode::parse(s);
            if m.is_none() {
                ck.invalid(
                    "VAL-13",
                    "analysis_mode",
                    format!("must be general or time_based_metadata, got {}", quote(s)),
                );
            }
            m
        }
    };
}

/// VAL-12: `custom_id` matches `^[a-zA-Z0-9_-]{1,64}$`, `""` included (REQ-CUSTOM-ID-1).
fn check_custom_id(ck: &mut Checker<'_>, obj: &Map<String, Value>) {
    if let Some(id) = ck.optional(obj, "custom_id", "", Kind::String).str()
        && let Some(problem) = name_problem(id)
    {
        ck.invalid("VAL-12", "custom_id", problem);
    }
}

/// VAL-27: 0 ≤ `temperature` ≤ 1.
fn check_temperature(ck: &mut Checker<'_>, obj: &Map<String, Value>) {
    if let Some(t) = ck.optional(obj, "temperature", "", Kind::Number).number()
        && !(0.0..=1.0).contains(&t)
    {
        ck.invalid("VAL-27", "temperature", format!("must be between 0 and 1, got {t}"));
    }
}

/// VAL-28: `max_tokens` is an integer within REQ-TOKENS-1's bounds for the effective
/// model and mode (tokens). An integral number written with a fraction (`4096.0`) is
/// an integer, as in JSON Schema; a string such as `"unlimited"` is VAL-3. The range
/// is not checked when model or mode is invalid or they do not combine (VAL-14).
fn check_max_tokens(ck: &mut Checker<'_>, obj: &Map<String, Value>) {
    let Some(v) = ck.optional(obj, "max_tokens", "", Kind::Number).value() else {
        return;
    };
    let n = v.as_f64().unwrap_or(f64::NAN);
    if n.fract() != 0.0 || !n.is_finite() {
        ck.invalid("VAL-28", "max_tokens", format!("must be an integer, got {v}"));
        return;
    }
    let (Some(model), Some(mode)) = (ck.eff.model, ck.eff.mode) else {
        return;
    };
    let Some(b) = max_tokens_bounds(model.name(), mode.name()) else {
        return;
    };
    if n < b.min as f64 || n > b.max as f64 {
        ck.invalid(
            "VAL-28",
            "max_tokens",
            format!(
                "must be between {} and {} for {} in {} mode, got {v}",
                b.min,
                b.max,
                ck.eff.model_text(),
                mode.name()
            ),
        );
    }
}
