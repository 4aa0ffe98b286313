//! A free-form YAML value that keeps the place of every node: `vars`, and the
//! request objects passed through as the API takes them (`response_format`,
//! `prompt_v2`, `segment_definitions`). The contract module checks those objects;
//! the places let its violations point at the offending key, and a scalar's source
//! text lets a var stay text (`1.10`, `no`, `007`) at any depth (design §2).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::{Location, Spanned};

use super::model::Pos;

/// A YAML node with its place.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The node.
    pub node: Node,
    /// Where it is used (for an alias: where the alias is written).
    pub referenced: Location,
    /// Where it is written (for an alias: the anchored node).
    pub defined: Location,
}

/// The kinds of YAML node, as YAML 1.2 reads plain scalars (the loader turns off
/// YAML 1.1 booleans and leading-zero numbers).
#[derive(Debug, Clone)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string (quoted, or a plain scalar that is no other kind).
    String(String),
    /// A sequence.
    Seq(Vec<Tree>),
    /// A mapping in source order, each key with its place.
    Map(Vec<(Spanned<String>, Tree)>),
}

/// How [`Tree::to_json`] renders scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalars {
    /// As YAML typed them (request objects: `minimum: 1` is a number).
    Typed,
    /// Numbers and booleans as the text they were written with (vars).
    Text,
}

/// Places of the nodes of a converted tree, keyed by ERR-5 style path
/// (`json_schema.properties.title.type`, `segment_definitions[0].fields[2]`).
pub type PathPlaces = Vec<(String, Place)>;

/// Where a node is: its key (for a member of a mapping) and its value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Place {
    /// The key of a mapping member; the value's place for a list item.
    pub key: Pos,
    /// The value.
    pub value: Pos,
}

/// Place of a location: 1-based line and column, length in bytes (at least 1).
pub fn pos_of_location(l: &Location) -> Pos {
    Pos { line: l.line(), column: l.column(), len: l.span().byte_len().unwrap_or(1).max(1) }
}

/// The place of mapping key `key` written last before byte `offset` of `source`
/// (the key of the value at `offset`), if `key:` is found there.
pub fn key_before(source: &str, key: &str, offset: usize) -> Option<Pos> {
    let head = source.get(..offset)?;
    let mut end = head.len();
    while let Some(i) = head[..end].rfind(key) {
        let after = head[i + key.len()..].trim_start_matches([' ', '\t']);
        let boundary = head[..i].chars().next_back().is_none_or(|c| c.is_whitespace() || c == '{' || c == ',');
        if boundary && after.starts_with(':') {
            let line_start = head[..i].rfind('\n').map_or(0, |n| n + 1);
            let line = head[..line_start].matches('\n').count() as u64 + 1;
            let column = head[line_start..i].chars().count() as u64 + 1;
            return Some(Pos { line, column, len: key.chars().count() as u64 });
        }
        end = i;
    }
    None
}

impl Tree {
    /// The place of this value's key `key` (see [`key_before`]); the value's place
    /// when the key is not found.
    pub fn key_pos(&self, source: &str, key: &str) -> Pos {
        self.referenced
            .span()
            .byte_offset()
            .and_then(|o| usize::try_from(o).ok())
            .and_then(|o| key_before(source, key, o))
            .unwrap_or_else(|| self.pos())
    }

    /// Where the node is used.
    pub fn pos(&self) -> Pos {
        pos_of_location(&self.referenced)
    }

    /// The source text of a scalar as written (`1.10`, `007`, `no`), from the
    /// anchored node when it came through an alias.
    pub fn source_text<'s>(&self, source: &'s str) -> Option<&'s str> {
        let span = self.defined.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        source.get(start..start.checked_add(len)?)
    }

    /// The value as JSON. With [`Scalars::Text`], numbers become the text written in
    /// `source` (`1.10` stays `"1.10"`); `true`/`false` stay booleans.
    pub fn to_json(&self, source: &str, scalars: Scalars) -> Value {
        self.convert(source, scalars, "", &mut None)
    }

    /// Like [`to_json`](Self::to_json) with typed scalars, also recording the place
    /// of every node under `prefix` (the node's own path).
    pub fn to_json_with_places(&self, source: &str, prefix: &str, places: &mut PathPlaces) -> Value {
        let mut sink = Some(places);
        self.convert(source, Scalars::Typed, prefix, &mut sink)
    }

    fn convert(&self, source: &str, scalars: Scalars, path: &str, places: &mut Option<&mut PathPlaces>) -> Value {
        match &self.node {
            Node::Null => Value::Null,
            // Only YAML 1.2 `true`/`false` reach here (strict booleans: `no` is text),
            // and they stay booleans so `{{#if vars.flag}}` means what it says.
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => match (scalars, self.source_text(source)) {
                (Scalars::Text, Some(t)) => Value::String(t.to_owned()),
                _ => Value::Number(n.clone()),
            },
            Node::String(s) => Value::String(s.clone()),
            Node::Seq(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let child = format!("{path}[{i}]");
                        if let Some(p) = places.as_deref_mut() {
                            p.push((child.clone(), Place { key: item.pos(), value: item.pos() }));
                        }
                        item.convert(source, scalars, &child, places)
                    })
                    .collect(),
            ),
            Node::Map(members) => {
                let mut map = Map::new();
                for (key, value) in members {
                    let child = if path.is_empty() { key.value.clone() } else { format!("{path}.{}", key.value) };
                    if let Some(p) = places.as_deref_mut() {
                        p.push((child.clone(), Place { key: pos_of_location(&key.referenced), value: value.pos() }));
                    }
                    map.insert(key.value.clone(), value.convert(source, scalars, &child, places));
                }
                Value::Object(map)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Spanned::<Node>::deserialize(deserializer)?;
        Ok(Self { node: s.value, referenced: s.referenced, defined: s.defined })
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        // NaN and infinities have no JSON form; keep them as the text YAML wrote.
        Ok(Number::from_f64(v).map_or_else(|| Node::String(v.to_string()), Node::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Tree>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Tree>()?;
            members.push((key, value));
        }
        Ok(Node::Map(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Tree {
        let options = serde_saphyr::options! { strict_booleans: true, leading_zero_numbers_as_strings: true };
        serde_saphyr::from_str_with_options(src, options).expect("yaml")
    }

    #[test]
    fn text_stays_text_at_any_depth() {
        let src = "a: {b: [1.10, no, 007, yes, 3]}\nc: 'x'\n";
        let t = parse(src);
        assert_eq!(
            t.to_json(src, Scalars::Text),
            serde_json::json!({"a": {"b": ["1.10", "no", "007", "yes", "3"]}, "c": "x"})
        );
        assert_eq!(
            t.to_json(src, Scalars::Typed),
            serde_json::json!({"a": {"b": [1.1, "no", "007", "yes", 3]}, "c": "x"})
        );
    }

    /// Regression: `flag: false` became the text "false", which `{{#if}}` takes as true.
    #[test]
    fn booleans_stay_booleans_so_if_means_what_it_says() {
        let src = "flag: false\non: true\nword: no\n";
        let t = parse(src);
        assert_eq!(t.to_json(src, Scalars::Text), serde_json::json!({"flag": false, "on": true, "word": "no"}));
    }

    #[test]
    fn every_node_has_its_place() {
        let src = "rf:\n  type: json_schema\n  json_schema:\n    properties:\n      t: {type: strin}\n";
        let t = parse(src);
        let mut places = PathPlaces::new();
        t.to_json_with_places(src, "", &mut places);
        let find = |p: &str| places.iter().find(|(k, _)| k == p).map(|(_, v)| *v).expect(p);
        assert_eq!(find("rf.json_schema.properties.t.type").value, Pos { line: 5, column: 17, len: 5 });
        assert_eq!(find("rf.json_schema.properties.t.type").key, Pos { line: 5, column: 11, len: 4 });
    }

    #[test]
    fn aliases_and_merge_keys_resolve() {
        let src = "base: &b {x: 1.10, y: no}\nuse: {<<: *b, z: 2}\nalias: *b\n";
        let t = parse(src);
        let v = t.to_json(src, Scalars::Text);
        assert_eq!(v["alias"], serde_json::json!({"x": "1.10", "y": "no"}));
        assert_eq!(v["use"]["z"], serde_json::json!("2"));
        assert_eq!(v["use"]["x"], serde_json::json!("1.10"), "{v}");
    }
}
