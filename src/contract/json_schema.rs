//! `response_format.json_schema`, the JSON Schema 2020-12 subset of REQ-RF-2..5:
//! VAL-39 (422: keyword outside the subset) and VAL-40 (`minItems`, `timestamp`,
//! reserved `start_time`/`end_time`, `$ref`). A wrong JSON type of a keyword's value
//! is VAL-3. WIRE-5 does not apply inside the schema: its values are taken as written.

use serde_json::{Map, Value};

use super::checker::{Checker, child, index, quote, type_name};
use super::effective::Model;
use super::time::TimeFormat;

/// Annotations that are accepted and ignored (REQ-RF-2; the last four [choice]).
pub const ANNOTATIONS: [&str; 7] = ["title", "description", "$comment", "$schema", "$id", "default", "examples"];

/// Keywords the API answers with 422 (REQ-RF-2) [spec].
pub const UNSUPPORTED: [&str; 5] = ["minLength", "maxLength", "additionalProperties", "uniqueItems", "maxItems"];

/// `format` values of `type: string` (REQ-RF-2).
pub const STRING_FORMATS: [&str; 4] = ["uuid", "date-time", "date", "time"];

/// Property names reserved under pegasus1.5 (REQ-RF-4).
pub const RESERVED: [&str; 2] = ["start_time", "end_time"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SType {
    Object,
    Array,
    String,
    Number,
    Integer,
    Boolean,
    Null,
    Timestamp,
}

impl SType {
    const ALL: [Self; 8] = [
        Self::Object,
        Self::Array,
        Self::String,
        Self::Number,
        Self::Integer,
        Self::Boolean,
        Self::Null,
        Self::Timestamp,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Object => "object",
            Self::Array => "array",
            Self::String => "string",
            Self::Number => "number",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Null => "null",
            Self::Timestamp => "timestamp",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// Where a node sits, for REQ-RF-3: `timestamp` only at `properties.<x>` or
/// `properties.<arr>.items.properties.<x>` of the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    RootProperty,
    RootPropertyItems,
    ItemProperty,
    Elsewhere,
}

impl Place {
    fn property(self) -> Self {
        match self {
            Self::Root => Self::RootProperty,
            Self::RootPropertyItems => Self::ItemProperty,
            _ => Self::Elsewhere,
        }
    }

    fn items(self) -> Self {
        match self {
            Self::RootProperty => Self::RootPropertyItems,
            _ => Self::Elsewhere,
        }
    }

    fn allows_timestamp(self) -> bool {
        matches!(self, Self::RootProperty | Self::ItemProperty)
    }
}

/// Checks a `json_schema` object at `path` (`response_format.json_schema`).
/// Paths of violations follow the schema, e.g.
/// `response_format.json_schema.properties.tags.items.minLength`.
pub(crate) fn check_json_schema(ck: &mut Checker<'_>, schema: &Value, path: &str) {
    let mut walk = Walk { ck, root: schema };
    walk.node(schema, path, Place::Root, None);
}

struct Walk<'c, 'r, 'a> {
    ck: &'c mut Checker<'r>,
    root: &'a Value,
}

impl Walk<'_, '_, '_> {
    fn node(&mut self, v: &Value, path: &str, place: Place, property: Option<&str>) {
        let Some(obj) = v.as_object() else {
            self.ck.invalid("VAL-3", path, format!("must be a schema object, got {}", type_name(v)));
            return;
        };
        let (stype, type_ok) = self.type_of(obj, path);
        for (key, val) in obj {
            let kp = child(path, key);
            self.keyword(key, val, &kp, stype, type_ok, place);
        }
        if type_ok && stype == Some(SType::Timestamp) {
            self.timestamp(obj, path, place);
        }
        if let Some(name) = property.filter(|p| RESERVED.contains(p)) {
            self.reserved(obj, path, name, stype, type_ok);
        }
    }

    /// The node's `type`; `type_ok` is false when `type` is invalid (reported here),
    /// and keyword applicability is then not checked.
    fn type_of(&mut self, obj: &Map<String, Value>, path: &str) -> (Option<SType>, bool) {
        let tp = child(path, "type");
        match obj.get("type") {
            None => (None, true),
            Some(Value::String(s)) => match SType::parse(s) {
                Some(t) => (Some(t), true),
                None => {
                    let names: Vec<&str> = SType::ALL.iter().map(|t| t.name()).collect();
                    self.ck.invalid(
                        "VAL-39",
                        tp,
                        format!("type {} is not supported; supported: {}", quote(s), names.join(", ")),
                    );
                    (None, false)
                }
            },
            Some(Value::Array(_)) => {
                self.ck.invalid("VAL-39", tp, "must be a single type name; express unions with anyOf");
                (None, false)
            }
            Some(other) => {
                self.ck.invalid("VAL-3", tp, format!("must be a string, got {}", type_name(other)));
                (None, false)
            }
        }
    }

    fn keyword(&mut self, key: &str, val: &Value, kp: &str, stype: Option<SType>, type_ok: bool, place: Place) {
        use SType as T;
        match key {
            "type" => {}
            k if ANNOTATIONS.contains(&k) => {}
            k if UNSUPPORTED.contains(&k) => {
                self.ck.invalid("VAL-39", kp, format!("{k} is not supported (REQ-RF-2)"));
            }
            "properties" => {
                if self.applies(key, kp, &[T::Object], stype, type_ok)
                    && let Some(props) = self.expect_object(val, kp)
                {
                    for (name, sub) in props {
                        let sp = child(kp, name);
                        self.node(sub, &sp, place.property(), Some(name));
                    }
                }
            }
            "required" => {
                if self.applies(key, kp, &[T::Object], stype, type_ok) {
                    self.string_list(val, kp);
                }
            }
            "items" => {
                if self.applies(key, kp, &[T::Array], stype, type_ok) {
                    self.node(val, kp, place.items(), None);
                }
            }
            "minItems" => {
                if self.applies(key, kp, &[T::Array], stype, type_ok) {
                    self.min_items(val, kp);
                }
            }
            "pattern" => {
                if self.applies(key, kp, &[T::String], stype, type_ok) {
                    self.expect_string(val, kp);
                }
            }
            "format" => {
                if self.applies(key, kp, &[T::String, T::Timestamp], stype, type_ok)
                    && let Some(f) = self.expect_string(val, kp)
                    && stype == Some(T::String)
                    && !STRING_FORMATS.contains(&f)
                {
                    self.ck.invalid(
                        "VAL-39",
                        kp,
                        format!(
                            "string format {} is not supported; supported: {}",
                            quote(f),
                            STRING_FORMATS.join(", ")
                        ),
                    );
                }
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                if self.applies(key, kp, &[T::Integer], stype, type_ok) && !val.is_number() {
                    self.ck.invalid("VAL-3", kp, format!("must be a number, got {}", type_name(val)));
                }
            }
            "enum" => {
                if !val.is_array() {
                    self.ck.invalid("VAL-3", kp, format!("must be an array, got {}", type_name(val)));
                }
            }
            "const" => {}
            "anyOf" => {
                if let Some(branches) = val.as_array() {
                    if branches.is_empty() {
                        self.ck.invalid("VAL-39", kp, "must list at least one schema");
                    }
                    for (i, b) in branches.iter().enumerate() {
                        self.node(b, &index(kp, i), Place::Elsewhere, None);
                    }
                } else {
                    self.ck.invalid("VAL-3", kp, format!("must be an array, got {}", type_name(val)));
                }
            }
            "$ref" => {
                if let Some(r) = self.expect_string(val, kp)
                    && let Err(reason) = self.resolve(r)
                {
                    self.ck.invalid("VAL-40", kp, reason);
                }
            }
            "$defs" => {
                if let Some(defs) = self.expect_object(val, kp) {
                    for (name, sub) in defs {
                        self.node(sub, &child(kp, name), Place::Elsewhere, None);
                    }
                }
            }
            other => {
                let hint = if place == Place::Root && matches!(other, "name" | "schema" | "strict") {
                    "; json_schema is the raw schema, not a {name, schema} wrapper"
                } else {
                    ""
                };
                self.ck.invalid(
                    "VAL-39",
                    kp,
                    format!("keyword {other} is outside the supported subset (REQ-RF-2){hint}"),
                );
            }
        }
    }

    /// Whether `key` applies to the node's type; reports VAL-39 when it does not.
    fn applies(&mut self, key: &str, kp: &str, types: &[SType], stype: Option<SType>, type_ok: bool) -> bool {
        if !type_ok {
            return false;
        }
        if stype.is_some_and(|t| types.contains(&t)) {
            return true;
        }
        let wanted: Vec<&str> = types.iter().map(|t| t.name()).collect();
        let reason = match stype {
            Some(t) => format!("{key} applies only to type {}, not {}", wanted.join(" or "), t.name()),
            None => format!("{key} needs type {}", wanted.join(" or ")),
        };
        self.ck.invalid("VAL-39", kp, reason);
        false
    }

    fn expect_object<'v>(&mut self, val: &'v Value, kp: &str) -> Option<&'v Map<String, Value>> {
        if val.is_object() {
            return val.as_object();
        }
        self.ck.invalid("VAL-3", kp, format!("must be an object, got {}", type_name(val)));
        None
    }

    fn expect_string<'v>(&mut self, val: &'v Value, kp: &str) -> Option<&'v str> {
        if val.is_string() {
            return val.as_str();
        }
        self.ck.invalid("VAL-3", kp, format!("must be a string, got {}", type_name(val)));
        None
    }

    fn string_list(&mut self, val: &Value, kp: &str) {
        let Some(items) = val.as_array() else {
            self.ck.invalid("VAL-3", kp, format!("must be an array, got {}", type_name(val)));
            return;
        };
        for (i, item) in items.iter().enumerate() {
            if !item.is_string() {
                self.ck.invalid("VAL-3", index(kp, i), format!("must be a string, got {}", type_name(item)));
            }
        }
    }

    /// VAL-40: `minItems` is 0 or 1 (REQ-RF-2).
    fn min_items(&mut self, val: &Value, kp: &str) {
        match val.as_f64() {
            None => self.ck.invalid("VAL-3", kp, format!("must be a number, got {}", type_name(val))),
            Some(n) if n == 0.0 || n == 1.0 => {}
            Some(_) => self.ck.invalid("VAL-40", kp, format!("must be 0 or 1, got {val}")),
        }
    }

    /// VAL-40: `timestamp` needs pegasus1.5, a place allowed by REQ-RF-3 and a
    /// `format` (`seconds`, `hh:mm:ss`, `hh:mm:ss.fff`).
    fn timestamp(&mut self, obj: &Map<String, Value>, path: &str, place: Place) {
        match self.ck.eff.model {
            Some(Model::Pegasus12) => {
                let reason =
                    format!("type timestamp needs model_name pegasus1.5; model_name is {}", self.ck.eff.model_text());
                self.ck.invalid("VAL-40", child(path, "type"), reason);
                return;
            }
            None => return,
            Some(Model::Pegasus15) => {}
        }
        if !place.allows_timestamp() {
            self.ck.invalid(
                "VAL-40",
                path,
                "type timestamp is allowed only at properties.<name> or \
                 properties.<array>.items.properties.<name> (not in anyOf or $defs)",
            );
        }
        let fp = child(path, "format");
        match obj.get("format") {
            None | Some(Value::Null) => {
                self.ck.invalid("VAL-40", fp, "is required for type timestamp: seconds, hh:mm:ss or hh:mm:ss.fff")
            }
            Some(Value::String(f)) if TimeFormat::parse(f).is_none() => self.ck.invalid(
                "VAL-40",
                fp,
                format!("must be seconds, hh:mm:ss or hh:mm:ss.fff for type timestamp, got {}", quote(f)),
            ),
            _ => {}
        }
    }

    /// VAL-40: under pegasus1.5 a property named `start_time`/`end_time` is a
    /// `number`, `integer`, `string` without `format`, or `timestamp` (REQ-RF-4).
    fn reserved(&mut self, obj: &Map<String, Value>, path: &str, name: &str, stype: Option<SType>, type_ok: bool) {
        if self.ck.eff.model != Some(Model::Pegasus15) || !type_ok {
            return;
        }
        let ok = match stype {
            Some(SType::Number | SType::Integer | SType::Timestamp) => true,
            Some(SType::String) => !obj.contains_key("format"),
            _ => false,
        };
        if !ok {
            self.ck.invalid(
                "VAL-40",
                path,
                format!(
                    "{name} is reserved under pegasus1.5: declare it as number, integer, \
                     string without format, or timestamp (REQ-RF-4)"
                ),
            );
        }
    }

    /// Resolves a `$ref` into `#/$defs/…` of the root schema; follows a chain of
    /// `$ref`s only to detect a cycle (other faults of the chain are reported where
    /// they are written).
    fn resolve(&self, first: &str) -> Result<(), String> {
        let mut seen: Vec<&str> = Vec::new();
        let mut cur = first;
        loop {
            let target = cur
                .strip_prefix('#')
                .filter(|p| p.starts_with("/$defs/"))
                .and_then(|p| self.root.pointer(p))
                .filter(|t| t.is_object());
            let Some(target) = target else {
                return if seen.is_empty() {
                    Err(format!("$ref {} does not resolve to a schema under #/$defs/", quote(first)))
                } else {
                    Ok(())
                };
            };
            if seen.contains(&cur) {
                return Err(format!("$ref {} is a circular chain of $refs", quote(first)));
            }
            seen.push(cur);
            match target.get("$ref").and_then(Value::as_str) {
                Some(next) => cur = next,
                None => return Ok(()),
            }
        }
    }
}

/// The order in which an object schema's properties are output (REQ-RF-5):
/// declaration order, except that when the first property is optional the first
/// required one moves to the front. `schema` is the object node (with `properties`
/// and optionally `required`).
pub fn property_order(schema: &Map<String, Value>) -> Vec<&str> {
    let mut names: Vec<&str> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let first_optional = names.first().is_some_and(|n| !required.contains(n));
    if first_optional && let Some(pos) = names.iter().position(|n| required.contains(n)) {
        let moved = names.remove(pos);
        names.insert(0, moved);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn req_rf_5_moves_the_first_required_property_to_the_front() {
        let s = json!({"properties": {"a": {}, "b": {}, "c": {}}, "required": ["c", "b"]});
        assert_eq!(property_order(s.as_object().unwrap()), ["b", "a", "c"]);
        let s = json!({"properties": {"a": {}, "b": {}}, "required": ["a"]});
        assert_eq!(property_order(s.as_object().unwrap()), ["a", "b"]);
        let s = json!({"properties": {"a": {}, "b": {}}});
        assert_eq!(property_order(s.as_object().unwrap()), ["a", "b"]);
    }
}
