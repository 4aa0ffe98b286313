//! Times inside the analysis window or a segment, on a grid the output format can
//! express exactly (REQ-WINDOW-1, REQ-RF-4, SIM-SEG-3).
//!
//! Work is done in whole milliseconds (`i64`), so rounding happens once, inward, and
//! never moves a time outside its bounds or two bounds past each other.

use serde_json::Value;

use super::rng::SynthRng;
use crate::contract::time::TimeFormat;

/// Milliseconds per second.
pub(crate) const MS: i64 = 1_000;

/// The analysis window in seconds, `[start_time (default 0), end_time (default the
/// video duration)]` (REQ-WINDOW-1), sanitised so odd input cannot panic:
/// a non-finite or negative start becomes 0, and an end that is non-finite or before
/// the start becomes the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    /// Seconds from the first frame.
    pub start: f64,
    /// Seconds from the first frame, ≥ `start`.
    pub end: f64,
}

impl Window {
    /// The window of a create body for a video of `duration` seconds.
    pub(crate) fn of(request: &Value, duration: f64) -> Self {
        let num = |k: &str| request.get(k).and_then(Value::as_f64);
        let start = num("start_time").filter(|s| s.is_finite() && *s >= 0.0).unwrap_or(0.0);
        let end = num("end_time").unwrap_or(duration);
        let end = if end.is_finite() && end >= start { end } else { start };
        Self { start, end }
    }

    /// Length in seconds (≥ 0).
    pub(crate) fn seconds(self) -> f64 {
        self.end - self.start
    }

    /// The window in whole milliseconds, rounded inward.
    pub(crate) fn ms(self) -> (i64, i64) {
        inward_ms(self.start, self.end)
    }
}

/// Slack (in grid units) when rounding inward, so that a decimal like `2.3 × 1000`
/// that lands a hair above `2300` in binary floating point still rounds to `2300`.
pub(crate) const ROUNDING_SLACK: f64 = 1e-6;

/// `[lo, hi]` seconds as whole milliseconds rounded inward (`lo` up, `hi` down);
/// `hi` is raised to `lo` when the interval holds no whole millisecond.
pub(crate) fn inward_ms(lo: f64, hi: f64) -> (i64, i64) {
    let a = ceil_units(lo, 1);
    let b = floor_units(hi, 1);
    (a, b.max(a))
}

/// `seconds` in units of `grid_ms` milliseconds, rounded up (within
/// [`ROUNDING_SLACK`]). `as` saturates and maps NaN to 0, so odd input stays finite.
pub(crate) fn ceil_units(seconds: f64, grid_ms: i64) -> i64 {
    (seconds * 1000.0 / grid_ms as f64 - ROUNDING_SLACK).ceil() as i64
}

/// `seconds` in units of `grid_ms` milliseconds, rounded down (within
/// [`ROUNDING_SLACK`]).
pub(crate) fn floor_units(seconds: f64, grid_ms: i64) -> i64 {
    (seconds * 1000.0 / grid_ms as f64 + ROUNDING_SLACK).floor() as i64
}

/// Writes `ms` milliseconds in `format` (RES-3).
pub(crate) fn format_ms(ms: i64, format: TimeFormat) -> Value {
    format.format(ms as f64 / 1000.0)
}

/// A seeded time in `[lo, hi]` ms, written in `format`. For `hh:mm:ss` (whole seconds)
/// the time is a whole second inside the bounds when one exists, else the second
/// nearest to the middle (bounds shorter than a second).
pub(crate) fn pick_time(rng: &mut SynthRng, lo: i64, hi: i64, format: TimeFormat) -> Value {
    let t = rng.range_i64(lo, hi);
    format_in(t, lo, hi, format)
}

/// Writes time `t` ms, known to lie in `[lo, hi]`, in `format` without leaving the
/// bounds: for `hh:mm:ss` the nearest whole second is clamped into the whole seconds
/// inside `[lo, hi]`. Monotone in `t`, so ordered times stay ordered.
pub(crate) fn format_in(t: i64, lo: i64, hi: i64, format: TimeFormat) -> Value {
    if format != TimeFormat::Hms {
        return format_ms(t, format);
    }
    let first = lo.div_euclid(MS) + i64::from(lo.rem_euclid(MS) != 0);
    let last = hi.div_euclid(MS);
    let nearest = t.saturating_add(MS / 2).div_euclid(MS);
    let s = if first <= last {
        nearest.clamp(first, last)
    } else {
        (lo / 2 + hi / 2).saturating_add(MS / 2).div_euclid(MS)
    };
    format_ms(s.saturating_mul(MS), format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn window_defaults_and_sanitises() {
        let w = Window::of(&json!({}), 5.312);
        assert_eq!((w.start, w.end), (0.0, 5.312));
        assert_eq!(w.ms(), (0, 5312));
        let w = Window::of(&json!({"start_time": 1.0005, "end_time": 3}), 60.0);
        assert_eq!(w.ms(), (1001, 3000));
        let w = Window::of(&json!({"start_time": -1, "end_time": "x"}), f64::NAN);
        assert_eq!((w.start, w.end), (0.0, 0.0));
    }

    #[test]
    fn hms_times_stay_inside_their_bounds() {
        assert_eq!(format_in(2_600, 1_200, 2_700, TimeFormat::Hms), json!("00:00:02"));
        assert_eq!(format_in(1_300, 1_200, 2_700, TimeFormat::Hms), json!("00:00:02"));
        assert_eq!(format_in(1_300, 1_200, 1_700, TimeFormat::Hms), json!("00:00:01"));
        assert_eq!(format_in(12_345, 0, 20_000, TimeFormat::HmsMillis), json!("00:00:12.345"));
        assert_eq!(format_in(12_345, 0, 20_000, TimeFormat::Seconds), json!(12.345));
    }
}
