//! Time helpers: `timecode`, `srt_time`, `vtt_time`, `duration`.

use handlebars::RenderError;
use serde_json::Value;

use super::{Args, show};
use crate::contract::time::parse_time;

/// Largest accepted time: 2^53 ms (about 285,000 years), the limit below which every
/// millisecond count is exact in an `f64`. Beyond it the `u64` conversion would
/// saturate and print a wrong time rather than fail.
const MAX_SECONDS: f64 = 9_007_199_254_740.992;

/// Argument `i` as a time, rounded to whole milliseconds.
///
/// Errors: not a time (see [`parse_time`]), negative, or absurdly large.
fn millis(a: &Args<'_, '_>, i: usize) -> Result<u64, RenderError> {
    let v = a.get(i)?;
    let secs = match parse_time(v) {
        Some(s) => s,
        None => {
            return Err(a.err_at(i, format_args!("expected seconds (a number or \"hh:mm:ss.fff\"), got {}", show(v))));
        }
    };
    if secs.is_nan() || secs < 0.0 {
        return Err(a.err_at(i, format_args!("expected seconds ≥ 0, got {}", show(v))));
    }
    if secs > MAX_SECONDS {
        return Err(a.err_at(i, format_args!("{} seconds is too large", show(v))));
    }
    // Rounding the total once, then splitting it with integer arithmetic, is what keeps
    // 59.9995 s from printing as 60 seconds: the carry goes into the minutes.
    // The cast is exact: 0 ≤ value ≤ 2^53 was checked above.
    Ok((secs * 1000.0).round() as u64)
}

/// `hh:mm:ss<sep>mmm`; hours take as many digits as they need (`100:00:00.000`), never
/// wrapping at 24 or 100.
pub(crate) fn clock(ms: u64, sep: char) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}{sep}{:03}", s / 3600, s / 60 % 60, s % 60, ms % 1000)
}

/// `{{timecode SECONDS}}` → `hh:mm:ss.mmm`, rounded to the nearest millisecond.
///
/// SECONDS is a number or a time string (`"00:01:02.500"`); `3599.9995` → `01:00:00.000`,
/// `90000` → `25:00:00.000`. Errors on a negative or non-time value.
pub(super) fn timecode(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(clock(millis(a, 0)?, '.').into())
}

/// `{{srt_time SECONDS}}` → `hh:mm:ss,mmm`, the SubRip cue time (comma before the
/// milliseconds). Same input rules and rounding as `timecode`.
pub(super) fn srt_time(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(clock(millis(a, 0)?, ',').into())
}

/// `{{vtt_time SECONDS}}` → `hh:mm:ss.mmm`, the WebVTT cue time. Always writes the hours
/// (WebVTT allows omitting them, but every player accepts them). Same rules as
/// `timecode`.
pub(super) fn vtt_time(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(clock(millis(a, 0)?, '.').into())
}

/// `{{duration SECONDS}}` → a human-readable length.
///
/// - under a minute: tenths of a second, a whole number without `.0`:
///   `0 s`, `0.5 s`, `5.3 s`, `45 s`;
/// - under an hour: whole seconds: `1 min 05 s`;
/// - from an hour: `1 h 02 min 03 s`, hours growing without a days unit (`25 h 00 min 00 s`).
///
/// A value that rounds up to the next unit moves to it (`59.96` → `1 min 00 s`).
/// Same input rules as `timecode`; errors on negative or non-time values.
pub(super) fn duration(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    let ms = millis(a, 0)?;
    // Integer tenths, rounded half up, so the choice of unit and the digits agree.
    let tenths = (ms + 50) / 100;
    if tenths < 600 {
        return Ok(if tenths % 10 == 0 {
            format!("{} s", tenths / 10)
        } else {
            format!("{}.{} s", tenths / 10, tenths % 10)
        }
        .into());
    }
    let s = (ms + 500) / 1000;
    Ok(if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min {:02} s", s / 3600, s / 60 % 60, s % 60)
    }
    .into())
}
