//! The collecting context of one validation run and typed member access (VAL-3, WIRE-5).

use serde_json::{Map, Value};

use super::effective::Effective;
use super::resources::Resources;
use super::violation::{Code, Violation};

/// The JSON type a member must have (VAL-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
}

impl Kind {
    fn matches(self, v: &Value) -> bool {
        match self {
            Self::Object => v.is_object(),
            Self::Array => v.is_array(),
            Self::String => v.is_string(),
            Self::Number => v.is_number(),
        }
    }

    fn article_name(self) -> &'static str {
        match self {
            Self::Object => "an object",
            Self::Array => "an array",
            Self::String => "a string",
            Self::Number => "a number",
        }
    }
}

/// A member as read: absent (missing, or `null`/`[]` where WIRE-5 applies), present
/// with the wrong JSON type (VAL-3 already reported), or present.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot<'a> {
    Absent,
    Invalid,
    Present(&'a Value),
}

impl<'a> Slot<'a> {
    /// The member was sent (with a valid or invalid type).
    pub(crate) fn given(&self) -> bool {
        !matches!(self, Self::Absent)
    }

    pub(crate) fn value(&self) -> Option<&'a Value> {
        match self {
            Self::Present(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn str(&self) -> Option<&'a str> {
        self.value().and_then(Value::as_str)
    }

    pub(crate) fn object(&self) -> Option<&'a Map<String, Value>> {
        self.value().and_then(Value::as_object)
    }

    pub(crate) fn array(&self) -> Option<&'a Vec<Value>> {
        self.value().and_then(Value::as_array)
    }

    pub(crate) fn number(&self) -> Option<f64> {
        self.value().and_then(Value::as_f64)
    }
}

/// Collects violations for one body; carries the resource lookup and the effective
/// model and mode.
pub(crate) struct Checker<'r> {
    pub(crate) out: Vec<Violation>,
    pub(crate) resources: Option<&'r dyn Resources>,
    pub(crate) eff: Effective,
}

impl<'r> Checker<'r> {
    pub(crate) fn new(resources: Option<&'r dyn Resources>) -> Self {
        Self {
            out: Vec::new(),
            resources,
            eff: Effective { model: None, model_defaulted: false, mode: None, mode_defaulted: false },
        }
    }

    pub(crate) fn push(&mut self, rule: &'static str, field: impl Into<String>, code: Code, reason: impl Into<String>) {
        self.out.push(Violation::new(rule, field, code, reason));
    }

    /// A `parameter_invalid` violation (400; 422 for VAL-39).
    pub(crate) fn invalid(&mut self, rule: &'static str, field: impl Into<String>, reason: impl Into<String>) {
        self.push(rule, field, Code::ParameterInvalid, reason);
    }

    /// A `parameter_not_provided` violation (400).
    pub(crate) fn not_provided(&mut self, rule: &'static str, field: impl Into<String>, reason: impl Into<String>) {
        self.push(rule, field, Code::ParameterNotProvided, reason);
    }

    /// Reads an optional member of a request object: missing, `null` and `[]` are
    /// absent (WIRE-5); a wrong JSON type is reported as VAL-3 and read as `Invalid`.
    pub(crate) fn optional<'a>(&mut self, obj: &'a Map<String, Value>, key: &str, path: &str, kind: Kind) -> Slot<'a> {
        match obj.get(key) {
            Some(Value::Array(a)) if a.is_empty() => Slot::Absent,
            other => self.read(other, &child(path, key), kind),
        }
    }

    /// Reads a member whose absence a rule reports: missing and `null` are absent,
    /// `[]` is kept (e.g. an empty `segment_definitions`, VAL-41).
    pub(crate) fn required<'a>(&mut self, obj: &'a Map<String, Value>, key: &str, path: &str, kind: Kind) -> Slot<'a> {
        self.read(obj.get(key), &child(path, key), kind)
    }

    /// Type-checks a value that is not a member (e.g. a list element) at `path`.
    pub(crate) fn read<'a>(&mut self, value: Option<&'a Value>, path: &str, kind: Kind) -> Slot<'a> {
        match value {
            None | Some(Value::Null) => Slot::Absent,
            Some(v) if kind.matches(v) => Slot::Present(v),
            Some(v) => {
                self.invalid("VAL-3", path, format!("must be {}, got {}", kind.article_name(), type_name(v)));
                Slot::Invalid
            }
        }
    }

    /// Reports every member of `obj` not in `known` as VAL-2 `parameter_unknown`.
    pub(crate) fn unknown_members(&mut self, obj: &Map<String, Value>, known: &[&str], path: &str) {
        for key in obj.keys() {
            if !known.contains(&key.as_str()) {
                let reason = match closest(key, known) {
                    Some(near) => format!("unknown field; did you mean {near}?"),
                    None => format!("unknown field; expected one of: {}", known.join(", ")),
                };
                self.push("VAL-2", child(path, key), Code::ParameterUnknown, reason);
            }
        }
    }
}

/// The known name within edit distance 2 of `key` (the nearest), for a hint.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known.iter().map(|k| (edit_distance(key, k), *k)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, k)| k)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(usize::MAX) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(usize::MAX).saturating_add(1);
            let ins = cur.get(j).copied().unwrap_or(usize::MAX).saturating_add(1);
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// `path.key`, or `key` at the top level.
pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// `path[i]`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The JSON type of a value, for reasons.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string quoted for a reason, cut to 64 characters.
pub(crate) fn quote(s: &str) -> String {
    let mut cut: String = s.chars().take(64).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// Why `s` fails `^[A-Za-z0-9_-]{1,64}$` (REQ-CUSTOM-ID-1, REQ-SEGDEF-1,
/// REQ-PROMPT-V2-3), or `None` when it matches.
pub(crate) fn name_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty (1-64 characters of A-Z a-z 0-9 _ -)".into());
    }
    if let Some((i, c)) = s.char_indices().find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
        return Some(format!("must use only A-Z a-z 0-9 _ -, found {c:?} at byte {i}"));
    }
    if s.len() > 64 {
        return Some(format!("must be at most 64 characters, got {}", s.len()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn val_2_hints_at_a_near_name() {
        assert_eq!(edit_distance("descripton", "description"), 1);
        assert_eq!(closest("descripton", &["name", "description"]), Some("description"));
        assert_eq!(closest("zzz", &["name", "description"]), None);
    }

    #[test]
    fn names_follow_the_custom_id_grammar() {
        assert_eq!(name_problem("intro-bbb_1"), None);
        assert!(name_problem("").is_some());
        assert!(name_problem("a b").is_some());
        assert!(name_problem(&"a".repeat(65)).is_some());
        assert_eq!(name_problem(&"a".repeat(64)), None);
    }
}
