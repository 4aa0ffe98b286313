//! The seed's input requirements for videos (MEDIA-1, MEDIA-2).

use std::fmt;

use serde_json::{Map, Value};

/// Shortest accepted video, seconds (MEDIA-1) [seed].
pub const MIN_DURATION_S: f64 = 4.0;
/// Longest accepted video, seconds (MEDIA-1) [seed].
pub const MAX_DURATION_S: f64 = 7_200.0;
/// Smallest accepted short side, pixels (MEDIA-1) [seed].
pub const MIN_SIDE_PX: u32 = 360;
/// Largest accepted long side, pixels (MEDIA-1) [seed].
pub const MAX_LONG_SIDE_PX: u32 = 5_184;
/// Largest accepted short side, pixels (MEDIA-1) [seed].
pub const MAX_SHORT_SIDE_PX: u32 = 2_160;
/// Largest accepted long ÷ short ratio (MEDIA-1) [seed].
pub const MAX_ASPECT: f64 = 2.4;
/// Shortest analysis window, seconds (MEDIA-2, REQ-WINDOW-1) [seed].
pub const MIN_WINDOW_S: f64 = 4.0;

/// What is known of a video: duration in seconds, display size in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MediaFacts {
    /// Duration, seconds.
    pub duration: f64,
    /// Display width, pixels (already swapped for a ±90° rotation).
    pub width: u32,
    /// Display height, pixels (already swapped for a ±90° rotation).
    pub height: u32,
}

/// One broken input requirement: the rule and a message naming the measured value
/// and the limit, e.g. `height 272 < 360`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaViolation {
    /// `MEDIA-1` or `MEDIA-2`.
    pub rule: &'static str,
    /// Measured value against the limit.
    pub message: String,
}

impl fmt::Display for MediaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

fn media1(message: String) -> MediaViolation {
    MediaViolation { rule: "MEDIA-1", message }
}

/// Checks MEDIA-1 (bounds inclusive, orientation-free, OQ-16). Returns every
/// violation: duration, resolution, aspect ratio.
pub fn check_media(facts: &MediaFacts) -> Vec<MediaViolation> {
    let mut out = Vec::new();
    let d = facts.duration;
    if d.is_nan() || d < MIN_DURATION_S {
        out.push(media1(format!("duration {d:.3} s < {MIN_DURATION_S} s")));
    } else if d > MAX_DURATION_S {
        out.push(media1(format!("duration {d:.1} s exceeds {MAX_DURATION_S} s")));
    }
    let (w, h) = (facts.width, facts.height);
    let (short, long) = (w.min(h), w.max(h));
    if w < MIN_SIDE_PX && h < MIN_SIDE_PX {
        out.push(media1(format!("resolution {w}x{h} is below {MIN_SIDE_PX}x{MIN_SIDE_PX}")));
    } else if short < MIN_SIDE_PX {
        let side = if h < w { "height" } else { "width" };
        out.push(media1(format!("{side} {short} < {MIN_SIDE_PX}")));
    }
    if long > MAX_LONG_SIDE_PX || short > MAX_SHORT_SIDE_PX {
        out.push(media1(format!("resolution {w}x{h} exceeds {MAX_LONG_SIDE_PX}x{MAX_SHORT_SIDE_PX}")));
    }
    if short > 0 {
        let aspect = f64::from(long) / f64::from(short);
        if aspect > MAX_ASPECT + 1e-9 {
            out.push(media1(format!("aspect ratio {aspect:.2}:1 ({w}x{h}) exceeds {MAX_ASPECT}:1")));
        }
    }
    out
}

/// Checks MEDIA-2 for an analysis window against a known duration `d` (seconds):
/// with defaults filled in (`start` 0, `end` d), start < d, end ≤ d, end − start ≥ 4.
pub fn check_window(start: Option<f64>, end: Option<f64>, d: f64) -> Vec<MediaViolation> {
    let mut out = Vec::new();
    let s = start.unwrap_or(0.0);
    let e = end.unwrap_or(d);
    let m2 = |message: String| MediaViolation { rule: "MEDIA-2", message };
    if s >= d {
        out.push(m2(format!("start_time {s} s is not before the video's end ({d} s)")));
    }
    if e > d {
        out.push(m2(format!("end_time {e} s is past the video's end ({d} s)")));
    }
    if e - s < MIN_WINDOW_S && s < d && e <= d {
        out.push(m2(format!("analysis window {s}..{e} s is {:.3} s, shorter than {MIN_WINDOW_S} s", e - s)));
    }
    out
}

/// Checks that a segment definition's time range lies within `[0, d]` (MEDIA-2).
pub fn check_time_range(start: f64, end: f64, d: f64) -> Option<MediaViolation> {
    (start < 0.0 || end > d).then(|| MediaViolation {
        rule: "MEDIA-2",
        message: format!("time range {start}..{end} s is outside the video (0..{d} s)"),
    })
}

/// Checks every `response_format.segment_definitions[*].time_ranges[*]` of a request
/// `body` against a known duration `d` (MEDIA-2); each message starts with the
/// range's indexed path. Ranges without numeric bounds are left to VAL-48.
pub fn check_time_ranges(body: &Map<String, Value>, d: f64) -> Vec<MediaViolation> {
    let definitions = body.get("response_format").and_then(|rf| rf.get("segment_definitions"));
    let Some(definitions) = definitions.and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, definition) in definitions.iter().enumerate() {
        let Some(ranges) = definition.get("time_ranges").and_then(Value::as_array) else {
            continue;
        };
        for (j, range) in ranges.iter().enumerate() {
            let bound = |k: &str| range.get(k).and_then(Value::as_f64);
            let (Some(start), Some(end)) = (bound("start_time"), bound("end_time")) else {
                continue;
            };
            if let Some(mut v) = check_time_range(start, end, d) {
                v.message = format!("response_format.segment_definitions[{i}].time_ranges[{j}]: {}", v.message);
                out.push(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(duration: f64, width: u32, height: u32) -> MediaFacts {
        MediaFacts { duration, width, height }
    }

    fn messages(f: MediaFacts) -> Vec<String> {
        check_media(&f).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn media_6_fixtures_get_their_verdicts() {
        assert!(messages(facts(5.312, 1280, 720)).is_empty());
        assert_eq!(messages(facts(10.0, 640, 272)), ["MEDIA-1: height 272 < 360"]);
        assert_eq!(messages(facts(4.004, 176, 144)), ["MEDIA-1: resolution 176x144 is below 360x360"]);
    }

    #[test]
    fn bounds_are_inclusive_and_orientation_free() {
        assert!(messages(facts(4.0, 360, 360)).is_empty());
        assert!(messages(facts(7_200.0, 5184, 2160)).is_empty());
        assert!(messages(facts(60.0, 360, 864)).is_empty());
        assert!(messages(facts(60.0, 2160, 5184)).is_empty());
        assert_eq!(messages(facts(3.0, 640, 360)), ["MEDIA-1: duration 3.000 s < 4 s"]);
        assert_eq!(messages(facts(7_300.0, 640, 360)), ["MEDIA-1: duration 7300.0 s exceeds 7200 s"]);
        assert_eq!(messages(facts(60.0, 900, 360)), ["MEDIA-1: aspect ratio 2.50:1 (900x360) exceeds 2.4:1"]);
    }

    #[test]
    fn window_must_fit_the_video() {
        assert!(check_window(None, None, 5.312).is_empty());
        assert!(check_window(Some(1.312), None, 5.312).is_empty());
        assert_eq!(check_window(Some(1.5), None, 5.312).len(), 1);
        assert_eq!(check_window(None, Some(6.0), 5.312)[0].rule, "MEDIA-2");
    }

    #[test]
    fn every_time_range_must_fit_the_video() {
        let body = serde_json::json!({"response_format": {"type": "segment_definitions", "segment_definitions": [
            {"id": "a", "time_ranges": [{"start_time": 0, "end_time": 5.312}]},
            {"id": "b"},
            {"id": "c", "time_ranges": [{"start_time": 0, "end_time": 3}, {"start_time": 3, "end_time": 9.5}]},
        ]}});
        let body = body.as_object().expect("object");
        let got: Vec<String> = check_time_ranges(body, 5.312).iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "MEDIA-2: response_format.segment_definitions[2].time_ranges[1]: time range 3..9.5 s is outside the video (0..5.312 s)"
            ]
        );
        assert!(check_time_ranges(body, 9.5).is_empty(), "end = d is inside (bounds inclusive)");
        assert!(check_time_ranges(&Map::new(), 1.0).is_empty());
    }
}
