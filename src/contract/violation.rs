//! One broken request rule: rule ID, field path, error code and status (ERR-4, ERR-5).

use std::cmp::Ordering;
use std::fmt;

/// Error codes of the simulator and the API for a rejected request (ERR-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// `parameter_invalid`: a value breaks a rule (400, or 422 for VAL-39).
    ParameterInvalid,
    /// `parameter_not_provided`: a required member is missing (400).
    ParameterNotProvided,
    /// `parameter_unknown`: a member the contract does not define (400, VAL-2).
    ParameterUnknown,
    /// `resource_not_exist`: an asset or video id in the body is unknown (400, VAL-10, VAL-25).
    ResourceNotExist,
}

impl Code {
    /// The wire spelling, e.g. `"parameter_invalid"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ParameterInvalid => "parameter_invalid",
            Self::ParameterNotProvided => "parameter_not_provided",
            Self::ParameterUnknown => "parameter_unknown",
            Self::ResourceNotExist => "resource_not_exist",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A violation of one VAL rule by a create body (§3.2) or an `Idempotency-Key` (VAL-49).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule ID, e.g. `"VAL-7"`.
    pub rule: &'static str,
    /// Indexed path of the offending member (ERR-5), e.g.
    /// `response_format.segment_definitions[0].fields[2].format`, `video.url`,
    /// `temperature`; `Idempotency-Key` for VAL-49; `""` for the whole body.
    pub field: String,
    /// The error code (ERR-4).
    pub code: Code,
    /// HTTP status: 400, or 422 for VAL-39.
    pub status: u16,
    /// Human reason without the field prefix, e.g. `must be between 0 and 1, got 1.5`.
    pub reason: String,
}

impl Violation {
    /// The error message `<field>: <reason>` (ERR-5); just the reason when the field
    /// is the whole body (`""`).
    pub fn message(&self) -> String {
        if self.field.is_empty() { self.reason.clone() } else { format!("{}: {}", self.field, self.reason) }
    }

    /// The number of the rule: 7 for `VAL-7` (`u32::MAX` for a malformed ID).
    pub fn rule_number(&self) -> u32 {
        self.rule.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(u32::MAX)
    }

    pub(crate) fn new(rule: &'static str, field: impl Into<String>, code: Code, reason: impl Into<String>) -> Self {
        let status = if rule == "VAL-39" { 422 } else { 400 };
        Self { rule, field: field.into(), code, status, reason: reason.into() }
    }
}

/// `VAL-27 temperature: must be between 0 and 1, got 1.5`.
impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.rule, self.message())
    }
}

impl std::error::Error for Violation {}

/// Sorts by (rule number, field); fields compare with their indices read as numbers,
/// so `fields[2]` comes before `fields[10]`. Stable: equal keys keep their order.
pub(crate) fn sort(violations: &mut [Violation]) {
    violations.sort_by(|a, b| a.rule_number().cmp(&b.rule_number()).then_with(|| natural_cmp(&a.field, &b.field)));
}

/// Compares two strings, reading runs of ASCII digits as numbers.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (na, ra) = split_digits(a);
                let (nb, rb) = split_digits(b);
                let na = trim_zeros(na);
                let nb = trim_zeros(nb);
                let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if ord != Ordering::Equal {
                    return ord;
                }
                a = ra;
                b = rb;
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = a.get(1..).unwrap_or_default();
                b = b.get(1..).unwrap_or_default();
            }
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| **c == b'0').count();
    s.get(n..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(rule: &'static str, field: &str) -> Violation {
        Violation::new(rule, field, Code::ParameterInvalid, "x")
    }

    #[test]
    fn codes_and_messages_follow_err_4_and_err_5() {
        assert_eq!(Code::ParameterNotProvided.as_str(), "parameter_not_provided");
        assert_eq!(Code::ResourceNotExist.to_string(), "resource_not_exist");
        let mut x = v("VAL-27", "temperature");
        x.reason = "must be between 0 and 1, got 1.5".into();
        assert_eq!(x.message(), "temperature: must be between 0 and 1, got 1.5");
        assert_eq!(x.rule_number(), 27);
        assert_eq!(v("VAL-1", "").message(), "x");
        assert_eq!(v("VAL-39", "a").status, 422);
        assert_eq!(v("VAL-40", "a").status, 400);
    }

    #[test]
    fn sort_is_by_rule_number_then_natural_field() {
        let mut list = vec![
            v("VAL-44", "d[0].fields[10].name"),
            v("VAL-5", "video.type"),
            v("VAL-44", "d[0].fields[2].name"),
            v("VAL-44", "d[0].fields[02].name"),
            v("VAL-12", "custom_id"),
        ];
        sort(&mut list);
        let got: Vec<_> = list.iter().map(|x| (x.rule, x.field.as_str())).collect();
        assert_eq!(
            got,
            [
                ("VAL-5", "video.type"),
                ("VAL-12", "custom_id"),
                ("VAL-44", "d[0].fields[2].name"),
                ("VAL-44", "d[0].fields[02].name"),
                ("VAL-44", "d[0].fields[10].name"),
            ]
        );
    }
}
