//! Instances of a `response_format.json_schema` (SIM-OUT-3, REQ-RF-2..5).
//!
//! The generator walks the schema once and builds a value that validates against it:
//! - `const` as given; `enum` a seeded member (of the declared `type`, if any);
//!   `anyOf` a seeded branch, merged with the keywords beside `anyOf` (other branches
//!   are tried in turn if it cannot be built);
//! - objects carry every declared property in REQ-RF-5 order, plus any `required`
//!   name that has no declaration (as an unconstrained string);
//! - integers within `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`
//!   (0–100 where unbounded); numbers in [0, 100) with at most 3 decimals;
//! - arrays of 1–3 items, at least `minItems`;
//! - strings: a valid `format` (`uuid`, `date-time`, `date`, `time`), a match of
//!   `pattern` (see [`super::pattern`] for the subset), else `sim:<property name>`;
//! - `timestamp` (pegasus1.5): a time in the analysis window, a number for `seconds`
//!   and a string for `hh:mm:ss` / `hh:mm:ss.fff`;
//! - `$ref` into `#/$defs/…` is expanded through 3 nested references; a deeper one
//!   gets the shortest valid value (required properties only, `minItems` items,
//!   the cheapest type and branch);
//! - under pegasus1.5, `start_time`/`end_time` properties hold times in the window,
//!   start ≤ end (REQ-RF-4).
//!
//! Keywords beside `$ref` are merged under the target's. Anything that cannot be built
//! is an error, and the task fails (SIM-OUT-3).

use serde_json::{Map, Value};

use super::pattern::Pattern;
use super::rng::SynthRng;
use super::times::{MS, Window, format_in};
use crate::contract::time::TimeFormat;

/// `$ref`s on one path that are expanded in full (SIM-OUT-3: "depth 3").
pub(crate) const REF_EXPAND_DEPTH: usize = 3;
/// Further nested `$ref`s followed in shortest-value mode before giving up: only a
/// schema whose required properties recurse forever gets that far.
const REF_MINIMAL_LIMIT: usize = 32;
/// Deepest schema nesting walked: bounds recursion on odd input.
const MAX_DEPTH: usize = 128;
/// Most schema nodes visited for one instance: bounds time and output size.
const MAX_NODES: usize = 100_000;
/// Names reserved for times under pegasus1.5 (REQ-RF-4).
const RESERVED: [&str; 2] = ["start_time", "end_time"];
/// Days from 1970-01-01 to 2026-01-01: `date`/`date-time` values fall in 2026, the
/// simulator's virtual epoch year (SIM-STATUS-2).
const DAYS_TO_2026: i64 = 20_454;

/// Builds an instance of `schema` for a video analysed over `window`; `reserved_times`
/// turns on REQ-RF-4 (pegasus1.5). The error says why no instance can be built.
pub(crate) fn instance(
    schema: &Value,
    window: Window,
    reserved_times: bool,
    rng: &mut SynthRng,
) -> Result<Value, String> {
    let mut g = Generator { root: schema, rng, window_ms: window.ms(), reserved_times, nodes_left: MAX_NODES };
    let at = At { name: "value", depth: 0, refs: 0, minimal: false, time_ms: None };
    g.value(schema, &at)
}

/// The output order of an object's properties (REQ-RF-5): declaration order, except
/// that when the first declared property is optional the first required one moves to
/// the front; `required` names without a declaration follow at the end.
pub(crate) fn property_order<'s>(properties: &'s Map<String, Value>, required: &[&'s str]) -> Vec<&'s str> {
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    let first_optional = keys.first().is_some_and(|k| !required.contains(k));
    if first_optional && let Some(pos) = keys.iter().position(|k| required.contains(k)) {
        let moved = keys.remove(pos);
        keys.insert(0, moved);
    }
    for r in required {
        if !keys.contains(r) {
            keys.push(r);
        }
    }
    keys
}

/// Where the generator is in the schema.
#[derive(Clone)]
struct At<'n> {
    /// The property name, for `sim:<name>` strings.
    name: &'n str,
    /// Schema nesting depth.
    depth: usize,
    /// `$ref`s followed on this path.
    refs: usize,
    /// Shortest-value mode (past [`REF_EXPAND_DEPTH`]).
    minimal: bool,
    /// The time (ms) for a reserved `start_time`/`end_time` property (REQ-RF-4).
    time_ms: Option<i64>,
}

impl At<'_> {
    /// One level deeper in the same property (an `anyOf` branch): keeps its time.
    fn deeper_keep_time(&self) -> Self {
        Self { depth: self.depth + 1, ..self.clone() }
    }

    /// One level deeper, in a new property: the reserved time does not carry over.
    fn deeper(&self) -> Self {
        Self { depth: self.depth + 1, time_ms: None, ..self.clone() }
    }
}

/// The walk's state: the root (for `$ref`), the seeded source, the window in ms, whether
/// REQ-RF-4 applies, and the node budget left.
struct Generator<'s, 'r> {
    root: &'s Value,
    rng: &'r mut SynthRng,
    window_ms: (i64, i64),
    reserved_times: bool,
    nodes_left: usize,
}

impl Generator<'_, '_> {
    fn value(&mut self, schema: &Value, at: &At) -> Result<Value, String> {
        self.nodes_left = self
            .nodes_left
            .checked_sub(1)
            .ok_or_else(|| format!("the instance would need more than {MAX_NODES} schema nodes"))?;
        if at.depth > MAX_DEPTH {
            return Err(format!("schema nested deeper than {MAX_DEPTH}"));
        }
        let obj = match schema {
            Value::Object(m) => m,
            Value::Bool(true) => return Ok(self.plain_string(at)),
            Value::Bool(false) => return Err("schema `false` admits no value".into()),
            _ => return Err("a schema is not an object".into()),
        };
        if let Some(reference) = obj.get("$ref") {
            return self.follow_ref(obj, reference, at);
        }
        if let Some(c) = obj.get("const") {
            return Ok(c.clone());
        }
        if let Some(e) = obj.get("enum") {
            return self.enum_member(obj, e, at);
        }
        if let Some(any) = obj.get("anyOf") {
            return self.any_of(obj, any, at);
        }
        match obj.get("type") {
            Some(Value::String(t)) => self.typed(obj, t, at),
            Some(Value::Array(ts)) => {
                let mut types: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
                if at.minimal {
                    types.sort_by_key(|t| type_cost(t));
                } else {
                    let start = self.rng.index(types.len());
                    types.rotate_left(start);
                }
                let mut last = Err("`type` lists no type".to_string());
                for t in types {
                    last = self.typed(obj, t, at);
                    if last.is_ok() {
                        break;
                    }
                }
                last
            }
            Some(_) => Err("`type` is neither a string nor a list".into()),
            None => {
                let t = inferred_type(obj);
                self.typed(obj, t, at)
            }
        }
    }

    /// `$ref` into `#/$defs/…`: expanded while fewer than [`REF_EXPAND_DEPTH`] enclose
    /// it, then in shortest-value mode.
    fn follow_ref(&mut self, obj: &Map<String, Value>, reference: &Value, at: &At) -> Result<Value, String> {
        let reference = reference.as_str().ok_or("`$ref` is not a string")?;
        let target = resolve(self.root, reference)?;
        let refs = at.refs + 1;
        if refs > REF_EXPAND_DEPTH + REF_MINIMAL_LIMIT {
            return Err(format!("`{reference}` recurses through required members: no finite instance"));
        }
        let merged = match target {
            Value::Object(t) => Value::Object(merge(obj, t, "$ref")),
            Value::Bool(true) => Value::Object(merge(obj, &Map::new(), "$ref")),
            _ => return Err(format!("`{reference}` admits no value")),
        };
        let next = At { refs, minimal: at.minimal || refs > REF_EXPAND_DEPTH, depth: at.depth + 1, ..at.clone() };
        self.value(&merged, &next)
    }

    fn enum_member(&mut self, obj: &Map<String, Value>, members: &Value, at: &At) -> Result<Value, String> {
        let members = members.as_array().ok_or("`enum` is not a list")?;
        let fitting: Vec<&Value> = members.iter().filter(|v| admits(obj.get("type"), v)).collect();
        let chosen = if at.minimal {
            fitting.iter().min_by_key(|v| v.to_string().len()).copied()
        } else {
            self.rng.pick(&fitting).copied()
        };
        chosen.cloned().ok_or_else(|| format!("no `enum` member of `{}` fits its `type`", at.name))
    }

    /// A seeded branch of `anyOf` (the shortest one in shortest-value mode), merged with
    /// the keywords beside `anyOf`; the other branches are tried if it fails.
    fn any_of(&mut self, obj: &Map<String, Value>, branches: &Value, at: &At) -> Result<Value, String> {
        let branches = branches.as_array().filter(|b| !b.is_empty()).ok_or("`anyOf` is not a non-empty list")?;
        let mut order: Vec<usize> = (0..branches.len()).collect();
        if !at.minimal {
            let start = self.rng.index(order.len());
            order.rotate_left(start);
        }
        let mut best: Option<Value> = None;
        let mut last_err = String::new();
        for i in order {
            let merged = match branches.get(i) {
                Some(Value::Object(b)) => merge(obj, b, "anyOf"),
                Some(Value::Bool(true)) => merge(obj, &Map::new(), "anyOf"),
                _ => continue,
            };
            match self.value(&Value::Object(merged), &at.deeper_keep_time()) {
                Ok(v) if !at.minimal => return Ok(v),
                Ok(v) => {
                    if best.as_ref().is_none_or(|b| v.to_string().len() < b.to_string().len()) {
                        best = Some(v);
                    }
                }
                Err(e) => last_err = e,
            }
        }
        best.ok_or_else(|| {
            if last_err.starts_with("no `anyOf` branch") {
                last_err
            } else {
                format!("no `anyOf` branch of `{}` can be built: {last_err}", at.name)
            }
        })
    }

    fn typed(&mut self, obj: &Map<String, Value>, ty: &str, at: &At) -> Result<Value, String> {
        match ty {
            "null" => Ok(Value::Null),
            "boolean" => Ok(Value::Bool(!at.minimal && self.rng.coin())),
            "integer" => self.integer(obj, at),
            "number" => Ok(self.number(at)),
            "string" => self.string(obj, at),
            "timestamp" => self.timestamp(obj, at),
            "array" => self.array(obj, at),
            "object" => self.object(obj, at),
            other => Err(format!("unsupported type `{other}`")),
        }
    }

    fn integer(&mut self, obj: &Map<String, Value>, at: &At) -> Result<Value, String> {
        let (lo, hi) = integer_bounds(obj)?;
        let v = if let Some(t) = at.time_ms {
            // REQ-RF-4: a reserved integer time is the time rounded to seconds, kept in
            // the window (and in the declared bounds, which take precedence).
            let (w_lo, w_hi) = self.window_ms;
            let secs = t.saturating_add(MS / 2).div_euclid(MS);
            let (a, b) = (w_lo.div_euclid(MS) + i64::from(w_lo.rem_euclid(MS) != 0), w_hi.div_euclid(MS));
            let (a, b) = if a <= b { (a.max(lo), b.min(hi)) } else { (lo, hi) };
            if a <= b { secs.clamp(a, b) } else { secs.clamp(lo, hi) }
        } else if at.minimal {
            0i64.clamp(lo, hi)
        } else {
            self.rng.range_i64(lo, hi)
        };
        Ok(Value::from(v))
    }

    fn number(&mut self, at: &At) -> Value {
        if let Some(t) = at.time_ms {
            // REQ-RF-4: a reserved number is the time in seconds, as is.
            return Value::from(t as f64 / 1000.0);
        }
        // [0, 100) with at most 3 decimals: thousandths below 100 000.
        let thousandths = if at.minimal { 0 } else { self.rng.range_i64(0, 99_999) };
        Value::from(thousandths as f64 / 1000.0)
    }

    fn string(&mut self, obj: &Map<String, Value>, at: &At) -> Result<Value, String> {
        let format = obj.get("format").and_then(Value::as_str);
        let pattern = obj.get("pattern").and_then(Value::as_str);
        match (format, pattern) {
            (Some(_), Some(_)) => Err(format!("`{}` has both `format` and `pattern`", at.name)),
            (Some(f), None) => self.formatted(f).map(Value::String),
            (None, Some(p)) => {
                let p = Pattern::parse(p).map_err(|e| format!("pattern `{p}`: {e}"))?;
                p.generate(self.rng, at.minimal).map(Value::String).map_err(|e| format!("pattern: {e}"))
            }
            (None, None) => match at.time_ms {
                // REQ-RF-4: a reserved string without `format` is `hh:mm:ss.fff`.
                Some(t) => Ok(format_in(t, self.window_ms.0, self.window_ms.1, TimeFormat::HmsMillis)),
                None => Ok(self.plain_string(at)),
            },
        }
    }

    /// An unconstrained string, marked `sim:` (SIM-OUT-2).
    fn plain_string(&self, at: &At) -> Value {
        if at.minimal { Value::from("sim:") } else { Value::from(format!("sim:{}", at.name)) }
    }

    /// A valid value of a string `format` (REQ-RF-2).
    fn formatted(&mut self, format: &str) -> Result<String, String> {
        let secs_2026 = self.rng.range_i64(0, 365 * 86_400 - 1);
        let (y, m, d) = civil_from_days(DAYS_TO_2026 + secs_2026 / 86_400);
        let tod = secs_2026 % 86_400;
        let (hh, mm, ss) = (tod / 3600, tod / 60 % 60, tod % 60);
        Ok(match format {
            "uuid" => uuid_v4(self.rng.next_u64(), self.rng.next_u64()),
            "date-time" => format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"),
            "date" => format!("{y:04}-{m:02}-{d:02}"),
            "time" => format!("{hh:02}:{mm:02}:{ss:02}Z"),
            other => return Err(format!("unsupported string format `{other}`")),
        })
    }

    /// A `timestamp` (REQ-RF-3): a time inside the window in its `format`.
    fn timestamp(&mut self, obj: &Map<String, Value>, at: &At) -> Result<Value, String> {
        let name = obj.get("format").and_then(Value::as_str).unwrap_or("");
        let format =
            TimeFormat::parse(name).ok_or_else(|| format!("timestamp `{}` without a valid `format`", at.name))?;
        let (lo, hi) = self.window_ms;
        let t = match at.time_ms {
            Some(t) => t,
            None if at.minimal => lo,
            None => self.rng.range_i64(lo, hi),
        };
        Ok(format_in(t, lo, hi, format))
    }

    fn array(&mut self, obj: &Map<String, Value>, at: &At) -> Result<Value, String> {
        const CAP: u64 = 1_000;
        let min_items = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0).min(CAP) as i64;
        let n = if at.minimal { min_items } else { self.rng.range_i64(min_items.max(1), min_items.max(3)) };
        let items = obj.get("items").unwrap_or(&Value::Bool(true));
        let mut out = Vec::new();
        for i in 1..=n {
            let name = format!("{}-{i}", at.name);
            let item_at = At { name: &name, ..at.deeper() };
            out.push(self.value(items, &item_at)?);
        }
        Ok(Value::Array(out))
    }

    fn object(&mut self, obj: &Map<String, Value>, at: &At) -> Result<Value, String> {
        let empty = Map::new();
        let properties = obj.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // REQ-RF-4: one ordered pair of times serves `start_time` and `end_time`.
        let times = if self.reserved_times && RESERVED.iter().any(|r| properties.contains_key(*r)) {
            let (lo, hi) = self.window_ms;
            if at.minimal {
                Some((lo, lo))
            } else {
                let (a, b) = (self.rng.range_i64(lo, hi), self.rng.range_i64(lo, hi));
                Some((a.min(b), a.max(b)))
            }
        } else {
            None
        };
        let mut out = Map::new();
        for key in property_order(properties, &required) {
            if at.minimal && !required.contains(&key) {
                continue;
            }
            let time_ms = match (times, key) {
                (Some((a, _)), "start_time") => Some(a),
                (Some((_, b)), "end_time") => Some(b),
                _ => None,
            };
            let prop_at = At { name: key, time_ms, ..at.deeper() };
            let schema = properties.get(key).unwrap_or(&Value::Bool(true));
            out.insert(key.to_string(), self.value(schema, &prop_at)?);
        }
        Ok(Value::Object(out))
    }
}

/// The schema a `#/$defs/NAME` reference (or a deeper JSON pointer under `#/$defs`)
/// points to, from the root schema.
fn resolve<'s>(root: &'s Value, reference: &str) -> Result<&'s Value, String> {
    let pointer = reference
        .strip_prefix('#')
        .filter(|p| p.starts_with("/$defs/"))
        .ok_or_else(|| format!("`$ref` `{reference}` does not point into `#/$defs`"))?;
    root.pointer(pointer).ok_or_else(|| format!("`$ref` `{reference}` does not resolve"))
}

/// `over`'s keywords plus those of `base` it lacks, without `drop` (the keyword being
/// replaced: `$ref` or `anyOf`).
fn merge(base: &Map<String, Value>, over: &Map<String, Value>, drop: &str) -> Map<String, Value> {
    let mut out = over.clone();
    for (k, v) in base {
        if k != drop && !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// The type a schema without `type` describes, from its keywords.
fn inferred_type(obj: &Map<String, Value>) -> &'static str {
    let has = |k: &str| obj.contains_key(k);
    if has("properties") || has("required") {
        "object"
    } else if has("items") || has("minItems") {
        "array"
    } else if obj.get("format").and_then(Value::as_str).is_some_and(|f| TimeFormat::parse(f).is_some()) {
        "timestamp"
    } else if has("minimum") || has("maximum") || has("exclusiveMinimum") || has("exclusiveMaximum") {
        "integer"
    } else {
        "string"
    }
}

/// Whether a value fits the schema's `type` (absent or unknown: yes).
fn admits(ty: Option<&Value>, v: &Value) -> bool {
    let one = |t: &str| match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "timestamp" => v.is_number() || v.is_string(),
        _ => true,
    };
    match ty {
        Some(Value::String(t)) => one(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

/// Order of preference among types in shortest-value mode.
fn type_cost(t: &str) -> u8 {
    match t {
        "null" => 0,
        "boolean" => 1,
        "integer" => 2,
        "number" => 3,
        "string" => 4,
        "timestamp" => 5,
        "array" => 6,
        "object" => 7,
        _ => 8,
    }
}

/// Inclusive integer bounds from `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum` (numbers, possibly fractional); 0–100 where a side is unbounded
/// and that range fits, else 100 past the given bound.
fn integer_bounds(obj: &Map<String, Value>) -> Result<(i64, i64), String> {
    let num = |k: &str| obj.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
    // `as` saturates: bounds beyond i64 clamp to its ends.
    let lows = [
        num("minimum").map(|x| x.ceil() as i64),
        num("exclusiveMinimum").map(|x| (x.floor() as i64).saturating_add(1)),
    ];
    let highs = [
        num("maximum").map(|x| x.floor() as i64),
        num("exclusiveMaximum").map(|x| (x.ceil() as i64).saturating_sub(1)),
    ];
    let lo = lows.into_iter().flatten().max();
    let hi = highs.into_iter().flatten().min();
    let (lo, hi) = match (lo, hi) {
        (None, None) => (0, 100),
        (Some(l), None) => (l, l.max(100)),
        (None, Some(h)) => (h.min(0), h),
        (Some(l), Some(h)) => (l, h),
    };
    if lo > hi {
        return Err(format!("no integer lies in [{lo}, {hi}]"));
    }
    Ok((lo, hi))
}

/// A version-4 UUID string from 128 random bits (RFC 9562 §5.4).
pub(crate) fn uuid_v4(hi: u64, lo: u64) -> String {
    let hi = (hi & !0xf000) | 0x4000; // version 4 in bits 48–51
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // variant 10
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian; H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_uuids_are_well_formed() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(DAYS_TO_2026), (2026, 1, 1));
        assert_eq!(civil_from_days(DAYS_TO_2026 + 364), (2026, 12, 31));
        assert_eq!(uuid_v4(0, 0), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4(u64::MAX, u64::MAX), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
