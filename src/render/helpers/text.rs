//! Value and text helpers: `json`, `round`, `add`, `sub`, `slug`, `join`, `default`,
//! `upper`, `lower`, `truncate`, `csv`, `len`.

use handlebars::RenderError;
use serde_json::Value;

use super::{Args, show};

/// Argument `i` as text: a string as is, a number or boolean as JSON writes it.
/// `null`, lists and objects are errors (a silent empty string or `[object]` would hide
/// a wrong path; use `default` or `json`).
fn text<'v>(a: &Args<'v, '_>, i: usize) -> Result<std::borrow::Cow<'v, str>, RenderError> {
    match a.get(i)? {
        Value::String(s) => Ok(s.as_str().into()),
        v @ (Value::Number(_) | Value::Bool(_)) => Ok(v.to_string().into()),
        v => Err(a.err_at(i, format_args!("expected text, got {}", show(v)))),
    }
}

/// `{{json VALUE [compact=true]}}` → VALUE as JSON text.
///
/// Pretty (2-space indent, keys in their original order) by default; `compact=true`
/// writes it on one line. Strings inside are JSON-escaped (`"` → `\"`), never
/// HTML-escaped by the helper itself. Errors: `compact` not a boolean.
pub(super) fn json(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    let v = a.get(0)?;
    let compact = match a.opt("compact")? {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(a.err(format_args!("compact= expects true or false, got {}", show(other))));
        }
    };
    let out = if compact { serde_json::to_string(v) } else { serde_json::to_string_pretty(v) };
    // Serializing a `Value` cannot fail (its keys are strings); map it anyway rather
    // than panic.
    out.map(Value::String).map_err(|e| a.err(format_args!("cannot serialize: {e}")))
}

/// `{{add A B [C...]}}` → the sum of numbers: `{{add @index 1}}` numbers SRT cues
/// from 1. Integers stay integers (`1`, not `1.0`); a fractional result is rounded
/// to millisecond precision (`0.1 + 0.2` → `0.3`). Errors: an argument that is not
/// a number.
pub(super) fn add(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    arithmetic(a, false)
}

/// `{{sub A B}}` → A − B, e.g. a segment's length `{{duration (sub end_time
/// start_time)}}`; integers and rounding as for `add`.
pub(super) fn sub(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    arithmetic(a, true)
}

/// Sums the arguments, subtracting every one after the first when `minus`.
fn arithmetic(a: &Args<'_, '_>, minus: bool) -> Result<Value, RenderError> {
    let mut int: Option<i64> = Some(0);
    let mut float = 0.0_f64;
    for i in 0..a.len() {
        let v = a.get(i)?;
        let Some(n) = v.as_f64() else {
            return Err(a.err_at(i, format_args!("expected a number, got {}", show(v))));
        };
        let negate = minus && i > 0;
        float += if negate { -n } else { n };
        int = match (int, v.as_i64()) {
            (Some(acc), Some(x)) if negate => acc.checked_sub(x),
            (Some(acc), Some(x)) => acc.checked_add(x),
            _ => None,
        };
    }
    if let Some(i) = int {
        return Ok(Value::from(i));
    }
    let rounded = (float * 1000.0).round() / 1000.0;
    serde_json::Number::from_f64(rounded)
        .map(Value::Number)
        .ok_or_else(|| a.err(format_args!("the result {float} is not a finite number")))
}

/// `{{round NUMBER [DIGITS]}}` → NUMBER rounded to DIGITS decimals (0 to 15, default 0),
/// half away from zero.
///
/// The result is a number: `{{round 2.5}}` → `3`, `{{round 3.14159 2}}` → `3.14`,
/// `{{round 2.5 2}}` → `2.5` (trailing zeros are not kept). Errors: NUMBER not a number,
/// DIGITS not an integer in 0..=15.
pub(super) fn round(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    let v = a.get(0)?;
    let Some(n) = v.as_f64() else {
        return Err(a.err_at(0, format_args!("expected a number, got {}", show(v))));
    };
    let digits = if a.len() > 1 {
        let d = a.get(1)?;
        match d.as_u64() {
            Some(d) if d <= 15 => d as i32,
            _ => {
                return Err(a.err_at(1, format_args!("digits must be an integer from 0 to 15, got {}", show(d))));
            }
        }
    } else {
        0
    };
    if v.is_i64() || v.is_u64() {
        return Ok(v.clone());
    }
    let scale = 10f64.powi(digits);
    let r = (n * scale).round() / scale;
    if !r.is_finite() {
        // n * scale overflowed: n is far too large to have decimals to round away.
        return Ok(v.clone());
    }
    // Whole results become JSON integers, so `{{round 2.6}}` prints `3`, not `3.0`.
    if r.fract() == 0.0 && r.abs() < 9_007_199_254_740_992.0 {
        return Ok(Value::from(r as i64));
    }
    Ok(Value::from(r))
}

/// `{{slug TEXT}}` → a file-name-safe identifier of `a-z`, `0-9` and `-`.
///
/// ASCII letters are lowercased and digits kept; every other character (spaces,
/// punctuation, and all non-ASCII characters: no transliteration) separates words,
/// and each run of separators becomes one `-`, none at the ends.
/// `"Hello, World!"` → `hello-world`; `"Ünïcödé — 東京 2024"` → `n-c-d-2024`.
/// Numbers are accepted (`42` → `42`). Errors: nothing left (e.g. `"東京"`), because
/// a fixed stand-in like `untitled` would make different inputs collide silently.
pub(super) fn slug(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    let t = text(a, 0)?;
    let mut out = String::with_capacity(t.len());
    let mut pending_dash = false;
    for c in t.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        return Err(a.err_at(0, format_args!("{} has no ASCII letters or digits to make a slug from", show(a.get(0)?))));
    }
    Ok(out.into())
}

/// `{{join LIST SEP}}` → the items of LIST as text, separated by SEP.
///
/// Items may be strings, numbers or booleans; an empty list gives an empty string.
/// Errors: LIST not a list, SEP not a string, an item that is `null`, a list or an
/// object (named by its index).
pub(super) fn join(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    let list = a.get(0)?;
    let Value::Array(items) = list else {
        return Err(a.err_at(0, format_args!("expected a list, got {}", show(list))));
    };
    let sep = a.get(1)?;
    let Value::String(sep) = sep else {
        return Err(a.err_at(1, format_args!("separator must be a string, got {}", show(sep))));
    };
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match item {
            Value::String(s) => out.push_str(s),
            Value::Number(_) | Value::Bool(_) => out.push_str(&item.to_string()),
            _ => {
                return Err(a.err_at(0, format_args!("item {i} is {}, not text", show(item))));
            }
        }
    }
    Ok(out.into())
}

/// `{{default VALUE FALLBACK}}` → VALUE, or FALLBACK when VALUE is `null`, `""` or a
/// variable that does not exist (allowed here even in strict mode).
///
/// Returns the value itself, not text, so it composes: `{{timecode (default t 0)}}`.
/// `0`, `false` and `[]` are values and are kept. Errors: FALLBACK missing.
pub(super) fn default(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    match a.get_or_missing(0)? {
        Some(Value::Null) | None => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(v) => return Ok(v.clone()),
    }
    a.get(1).cloned()
}

/// `{{upper TEXT}}` → TEXT in upper case, Unicode-aware (`"straße"` → `STRASSE`).
/// Errors: TEXT `null`, a list or an object.
pub(super) fn upper(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(text(a, 0)?.to_uppercase().into())
}

/// `{{lower TEXT}}` → TEXT in lower case, Unicode-aware (`"ÜNÏ"` → `ünï`).
/// Errors: TEXT `null`, a list or an object.
pub(super) fn lower(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(text(a, 0)?.to_lowercase().into())
}

/// `{{truncate TEXT N [ellipsis="…"]}}` → TEXT cut to at most N characters.
///
/// N counts Unicode scalar values (`char`s), so a UTF-8 sequence is never split (a
/// combining accent or an emoji built of several code points can be). Text that fits
/// is returned unchanged. Otherwise the result, ellipsis included, is at most N
/// characters: the first N − len(ellipsis) characters of TEXT, trailing whitespace
/// trimmed, then the ellipsis (`"Hello world"`, 8 → `Hello w…`; 7 → `Hello…`). If N is smaller than the ellipsis, the first N
/// characters of TEXT are returned without one. Errors: N not a non-negative integer,
/// ellipsis not a string.
pub(super) fn truncate(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    let t = text(a, 0)?;
    let nv = a.get(1)?;
    let Some(n) = nv.as_u64().and_then(|n| usize::try_from(n).ok()) else {
        return Err(a.err_at(1, format_args!("length must be an integer ≥ 0, got {}", show(nv))));
    };
    let ellipsis = match a.opt("ellipsis")? {
        None => "…",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(a.err(format_args!("ellipsis= expects a string, got {}", show(other))));
        }
    };
    if t.chars().count() <= n {
        return Ok(t.into_owned().into());
    }
    let e_len = ellipsis.chars().count();
    // Byte index of the end of the first `k` chars: slicing there stays on a char
    // boundary.
    let prefix = |k: usize| t.char_indices().nth(k).map_or(&t[..], |(i, _)| &t[..i]);
    if n < e_len {
        return Ok(prefix(n).into());
    }
    Ok(format!("{}{ellipsis}", prefix(n - e_len).trim_end()).into())
}

/// `{{csv VALUE [VALUE...]}}` → one RFC 4180 field per argument, joined by `,`.
///
/// Strings are written as is, numbers and booleans as JSON writes them, `null` as an
/// empty field, lists and objects as compact JSON. A field is quoted when it contains
/// `,`, `"`, CR or LF, or starts or ends with whitespace; quotes inside are doubled.
/// No line ending is added. `{{csv "a,b" "say \"hi\"" 3 null}}` →
/// `"a,b","say ""hi""",3,`.
pub(super) fn csv(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    let mut row = String::new();
    for i in 0..a.len() {
        if i > 0 {
            row.push(',');
        }
        let v = a.get(i)?;
        let field = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        push_csv_field(&mut row, &field);
    }
    Ok(row.into())
}

fn push_csv_field(out: &mut String, field: &str) {
    let needs_quotes = field.contains([',', '"', '\r', '\n'])
        || field.starts_with(char::is_whitespace)
        || field.ends_with(char::is_whitespace);
    if needs_quotes {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// `{{len VALUE}}` → the number of items of a list, keys of an object, or characters
/// (Unicode scalar values, not bytes) of a string. Errors: any other value.
pub(super) fn len(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    match a.get(0)? {
        Value::Array(v) => Ok(v.len().into()),
        Value::Object(m) => Ok(m.len().into()),
        Value::String(s) => Ok(s.chars().count().into()),
        v => Err(a.err_at(0, format_args!("expected a list, object or string, got {}", show(v)))),
    }
}
