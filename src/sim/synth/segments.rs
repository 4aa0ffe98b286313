//! Segments of `time_based_metadata` (SIM-SEG-1..3, RES-3, RES-4).
//!
//! Per definition, in request order, each span (its `time_ranges`, else the analysis
//! window) of length S gets k segments, k seeded in [1, min(5, ⌊S/Lmin⌋)], sorted,
//! non-overlapping, each Lmin…Lmax long and inside the span; a span shorter than Lmin
//! gets none. Lmin = `min_segment_duration`, else 2 s; Lmax = `max_segment_duration`,
//! else max(Lmin, min(60 s, S)) (SIM-SEG-2).
//!
//! Rounding: placement is done in integers on the grid the output format can express
//! (1 ms; 1 s for `hh:mm:ss`). Span bounds and Lmin are rounded inward/up and Lmax down
//! (within 10⁻⁶ of a grid unit, to absorb binary floating point), so every bound that
//! is written holds exactly: segments lie inside their span, Lmin ≤ length ≤ Lmax,
//! and end ≤ next start. The only effects of the grid are that a span or duration
//! given more finely than the grid may lose up to one unit (possibly leaving no room
//! for a segment), and that when no whole unit lies in [Lmin, Lmax] (e.g. Lmin 2.4 s,
//! Lmax 2.6 s under `hh:mm:ss`) segments are ⌈Lmin⌉ units long, over Lmax by less
//! than one unit.

use serde_json::{Map, Value};

use super::rng::SynthRng;
use super::times::{MS, Window, ceil_units, floor_units, format_ms, pick_time};
use crate::contract::time::TimeFormat;

/// Default Lmin, seconds (SIM-SEG-2).
const DEFAULT_MIN_SEGMENT_S: f64 = 2.0;
/// Cap of the default Lmax, seconds (SIM-SEG-2).
const DEFAULT_MAX_SEGMENT_CAP_S: f64 = 60.0;
/// Most segments per span (SIM-SEG-1).
const MAX_SEGMENTS_PER_SPAN: i64 = 5;
/// Most items of an array field (SIM-SEG-3).
const MAX_ARRAY_ITEMS: i64 = 3;

/// The `data` object: every definition id in request order, each with its sorted
/// segments (`[]` when none) (RES-3, RES-4).
pub(crate) fn segments(request: &Value, window: Window, rng: &mut SynthRng) -> Result<Value, String> {
    let rf = request.get("response_format").ok_or("no `response_format`")?;
    let definitions = rf.get("segment_definitions").and_then(Value::as_array).ok_or("no `segment_definitions` list")?;
    let format = match rf.get("segment_time_format") {
        None | Some(Value::Null) => TimeFormat::Seconds,
        Some(v) => v.as_str().and_then(TimeFormat::parse).ok_or("unknown `segment_time_format`")?,
    };
    let positive = |k: &str| request.get(k).and_then(Value::as_f64).filter(|x| x.is_finite() && *x > 0.0);
    let lmin = positive("min_segment_duration").unwrap_or(DEFAULT_MIN_SEGMENT_S);
    let lmax = positive("max_segment_duration");
    let grid = if format == TimeFormat::Hms { MS } else { 1 };

    let mut out = Map::new();
    for (i, def) in definitions.iter().enumerate() {
        let id =
            def.get("id").and_then(Value::as_str).ok_or_else(|| format!("segment_definitions[{i}] has no `id`"))?;
        let fields = match def.get("fields") {
            None | Some(Value::Null) => &[][..],
            Some(v) => v.as_array().map(Vec::as_slice).ok_or_else(|| format!("`{id}`: `fields` is not a list"))?,
        };
        let mut placed: Vec<(i64, i64)> = Vec::new();
        for (a, b) in spans(def, window).map_err(|e| format!("`{id}`: {e}"))? {
            let s = b - a;
            let span_lmax = lmax.unwrap_or_else(|| lmin.max(DEFAULT_MAX_SEGMENT_CAP_S.min(s)));
            let span = (ceil_units(a, grid), floor_units(b, grid));
            let lengths = (ceil_units(lmin, grid), floor_units(span_lmax, grid));
            for (start, end) in place(span, lengths, rng) {
                placed.push((start.saturating_mul(grid), end.saturating_mul(grid)));
            }
        }
        // Spans do not overlap (REQ-SEGDEF-3), so sorting keeps segments disjoint (RES-4).
        placed.sort_unstable();
        let mut list = Vec::with_capacity(placed.len());
        for (start, end) in placed {
            let mut seg = Map::new();
            seg.insert("start_time".into(), format_ms(start, format));
            seg.insert("end_time".into(), format_ms(end, format));
            let metadata = metadata(fields, start, end, rng).map_err(|e| format!("`{id}`: {e}"))?;
            seg.insert("metadata".into(), Value::Object(metadata));
            list.push(Value::Object(seg));
        }
        out.insert(id.to_string(), Value::Array(list));
    }
    Ok(Value::Object(out))
}

/// The spans of a definition in seconds: its `time_ranges` (WIRE-5: `[]` is absent),
/// else the window.
fn spans(def: &Value, window: Window) -> Result<Vec<(f64, f64)>, String> {
    let ranges = match def.get("time_ranges") {
        None | Some(Value::Null) => return Ok(vec![(window.start, window.end)]),
        Some(Value::Array(r)) if r.is_empty() => return Ok(vec![(window.start, window.end)]),
        Some(Value::Array(r)) => r,
        Some(_) => return Err("`time_ranges` is not a list".into()),
    };
    ranges
        .iter()
        .map(|r| {
            let t = |k: &str| r.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
            match (t("start_time"), t("end_time")) {
                (Some(a), Some(b)) => Ok((a, b)),
                _ => Err("a time range lacks numeric `start_time`/`end_time`".to_string()),
            }
        })
        .collect()
}

/// Places the segments of one span `[a, b]` (grid units) with lengths in
/// `[lmin, lmax]` units (lmax raised to lmin if below it): k seeded in
/// [1, min(5, ⌊(b − a)/lmin⌋)], none when that is 0. Returns sorted, disjoint
/// `(start, end)` pairs inside the span.
pub(crate) fn place(span: (i64, i64), lengths: (i64, i64), rng: &mut SynthRng) -> Vec<(i64, i64)> {
    let (a, b) = span;
    let lmin = lengths.0.max(1);
    let lmax = lengths.1.max(lmin);
    let room = b.saturating_sub(a);
    let k = MAX_SEGMENTS_PER_SPAN.min(room / lmin);
    if k < 1 {
        return Vec::new();
    }
    let k = rng.range_i64(1, k);
    // Lengths one by one, each leaving room for the minimum of those still to come.
    let mut lens = Vec::with_capacity(k as usize);
    let mut used = 0i64;
    for i in 0..k {
        let reserve = (k - i - 1).saturating_mul(lmin);
        let most = lmax.min(room - used - reserve);
        let len = rng.range_i64(lmin, most);
        used += len;
        lens.push(len);
    }
    // The free room split into k + 1 gaps by k sorted cut points.
    let free = room - used;
    let mut cuts: Vec<i64> = (0..k).map(|_| rng.range_i64(0, free)).collect();
    cuts.sort_unstable();
    let mut out = Vec::with_capacity(lens.len());
    let (mut cursor, mut prev_cut) = (a, 0);
    for (len, cut) in lens.into_iter().zip(cuts) {
        cursor += cut - prev_cut;
        prev_cut = cut;
        out.push((cursor, cursor + len));
        cursor += len;
    }
    out
}

/// One key per field, in field order, typed by the field (SIM-SEG-3); the segment is
/// `[start, end]` ms.
fn metadata(fields: &[Value], start: i64, end: i64, rng: &mut SynthRng) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (i, field) in fields.iter().enumerate() {
        let name = field.get("name").and_then(Value::as_str).ok_or_else(|| format!("fields[{i}] has no `name`"))?;
        let ty = field.get("type").and_then(Value::as_str).unwrap_or("");
        let enum_values: Vec<&str> = field
            .get("enum")
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let value = match ty {
            "timestamp" => {
                let format = field
                    .get("format")
                    .and_then(Value::as_str)
                    .and_then(TimeFormat::parse)
                    .ok_or_else(|| format!("field `{name}`: timestamp without a valid `format`"))?;
                pick_time(rng, start, end, format)
            }
            "array" => {
                let item_type =
                    field.get("items").and_then(|i| i.get("type")).and_then(Value::as_str).unwrap_or("string");
                let n = rng.range_i64(0, MAX_ARRAY_ITEMS);
                let mut items = Vec::new();
                for j in 1..=n {
                    let item_name = format!("{name}-{j}");
                    items.push(
                        scalar(item_type, &item_name, &enum_values, rng).map_err(|e| format!("field `{name}`: {e}"))?,
                    );
                }
                Value::Array(items)
            }
            other => scalar(other, name, &enum_values, rng).map_err(|e| format!("field `{name}`: {e}"))?,
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// A value of a scalar field type: string `sim:<name>` or a seeded `enum` value;
/// boolean; integer 0–100; number 0–100 with at most 3 decimals.
fn scalar(ty: &str, name: &str, enum_values: &[&str], rng: &mut SynthRng) -> Result<Value, String> {
    Ok(match ty {
        "string" => match rng.pick(enum_values) {
            Some(v) => Value::from(*v),
            None => Value::from(format!("sim:{name}")),
        },
        "boolean" => Value::Bool(rng.coin()),
        "integer" => Value::from(rng.range_i64(0, 100)),
        "number" => Value::from(rng.range_i64(0, 100_000) as f64 / 1000.0),
        other => return Err(format!("unsupported field type `{other}`")),
    })
}
