//! The three time formats of results and `segment_time_format` (RES-3, RES-5).

use serde_json::Value;

/// A `segment_time_format` / timestamp `format` value (REQ-RF-1, REQ-SEGDEF-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// A JSON number of seconds (the default).
    Seconds,
    /// `"hh:mm:ss"`, rounded to the nearest second.
    Hms,
    /// `"hh:mm:ss.fff"`, milliseconds.
    HmsMillis,
}

impl TimeFormat {
    /// Every accepted spelling, in the contract's order.
    pub const NAMES: [&'static str; 3] = ["seconds", "hh:mm:ss", "hh:mm:ss.fff"];

    /// Parses a format name; `None` for anything else (VAL-42, VAL-45).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "seconds" => Some(Self::Seconds),
            "hh:mm:ss" => Some(Self::Hms),
            "hh:mm:ss.fff" => Some(Self::HmsMillis),
            _ => None,
        }
    }

    /// Writes `seconds` (≥ 0) in this format, rounded to milliseconds.
    pub fn format(self, seconds: f64) -> Value {
        let ms = (seconds.max(0.0) * 1000.0).round() as u64;
        match self {
            Self::Seconds => Value::from(ms as f64 / 1000.0),
            Self::Hms => {
                let s = (ms + 500) / 1000;
                Value::from(format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60))
            }
            Self::HmsMillis => {
                let s = ms / 1000;
                Value::from(format!("{:02}:{:02}:{:02}.{:03}", s / 3600, s / 60 % 60, s % 60, ms % 1000))
            }
        }
    }
}

/// Reads a result time in any of the three formats as seconds (RES-5): a JSON number,
/// or a string `hh:mm:ss` / `hh:mm:ss.fff` (also a plain decimal string).
/// `None` when the value is none of these.
pub fn parse_time(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_time_str(s),
        _ => None,
    }
}

fn parse_time_str(s: &str) -> Option<f64> {
    // `-00` parses as -0.0, which passes a `>= 0` test: refuse signs outright.
    if s.contains(['-', '+']) {
        return None;
    }
    let parts: Vec<&str> = s.trim().split(':').collect();
    let nums: Option<Vec<f64>> =
        parts.iter().map(|p| p.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)).collect();
    let nums = nums?;
    match nums.as_slice() {
        [s] => Some(*s),
        [m, s] => Some(m * 60.0 + s),
        [h, m, s] => Some(h * 3600.0 + m * 60.0 + s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_round_trip_through_parse_time() {
        for secs in [0.0, 12.5, 3599.9995, 90_061.25] {
            for f in [TimeFormat::Seconds, TimeFormat::HmsMillis] {
                let v = f.format(secs);
                let back = parse_time(&v).unwrap_or(f64::NAN);
                assert!((back - secs).abs() < 0.001, "{f:?} {secs} -> {v} -> {back}");
            }
        }
    }

    #[test]
    fn hms_rounds_to_nearest_second() {
        assert_eq!(TimeFormat::Hms.format(12.5), json!("00:00:13"));
        assert_eq!(TimeFormat::Hms.format(12.499), json!("00:00:12"));
        assert_eq!(TimeFormat::HmsMillis.format(12.5), json!("00:00:12.500"));
        assert_eq!(TimeFormat::HmsMillis.format(3599.9995), json!("01:00:00.000"));
    }

    #[test]
    fn parse_time_rejects_garbage() {
        assert_eq!(parse_time(&json!("ab:cd")), None);
        assert_eq!(parse_time(&json!(null)), None);
        assert_eq!(parse_time(&json!("-1")), None);
        assert_eq!(parse_time(&json!("-00:00:01")), None);
        assert_eq!(parse_time(&json!("00:-0:05")), None);
        assert_eq!(parse_time(&json!("00:01:02.5")), Some(62.5));
    }
}
