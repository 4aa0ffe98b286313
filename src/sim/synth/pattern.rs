//! Strings that match a JSON Schema `pattern` (SIM-OUT-3, REQ-RF-2).
//!
//! A `pattern` is an ECMA-262 regular expression matched anywhere in the string, so a
//! string matching the whole pattern always satisfies it. This module parses a simple
//! subset and generates such a string; anything outside the subset is refused with an
//! error, and the task then fails (`[simulated] cannot synthesise …`), because an
//! instance that might not match would break SIM-OUT-3.
//!
//! Supported subset:
//! - literal characters, and escaped metacharacters (`\.`, `\-`, `\/`, `\\`, …);
//! - escapes `\d \w \s \D \W \S`, `\t \n \r \f \v \0`, `\xHH`, `\uHHHH`;
//! - `.` (generates an ASCII letter or digit);
//! - classes `[abc]`, `[a-z0-9_]`, `[^…]` (negated: an ASCII printable character
//!   outside the set), with the escapes above inside;
//! - groups `(…)`, `(?:…)`, `(?<name>…)`, and alternation `|`;
//! - quantifiers `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy (`?`);
//!   unbounded ones repeat at most 3 times beyond their minimum;
//! - anchors `^` as the first and `$` as the last item of a top-level alternative.
//!
//! Refused: back-references, lookaround, `\b`/`\B`, `\p{…}`, `\c`, inline flags,
//! anchors elsewhere, empty classes, and `{` that is not a complete quantifier.

use super::rng::SynthRng;

/// Longest pattern accepted, in bytes: bounds parse time and recursion.
const MAX_PATTERN_BYTES: usize = 1_000;
/// Deepest group nesting accepted: bounds recursion.
const MAX_NESTING: usize = 32;
/// Highest repetition count accepted in `{n,m}`: bounds the generated length.
const MAX_REPEAT: u32 = 1_000;
/// Extra repetitions drawn beyond the minimum of an unbounded quantifier.
const UNBOUNDED_EXTRA: u32 = 3;

/// A parsed pattern, ready to generate matching strings.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Empty,
    Char(char),
    /// Inclusive character ranges; `negated` inverts the set.
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
    /// `.`: any character but a line terminator.
    Any,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
    StartAnchor,
    EndAnchor,
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('A', 'Z'), ('a', 'z'), ('0', '9'), ('_', '_')];
const SPACE: &[(char, char)] = &[(' ', ' '), ('\t', '\r')];

impl Pattern {
    /// Parses `src`, or explains why it is outside the supported subset.
    pub(crate) fn parse(src: &str) -> Result<Self, String> {
        if src.len() > MAX_PATTERN_BYTES {
            return Err(format!("pattern longer than {MAX_PATTERN_BYTES} bytes"));
        }
        let mut p = Parser { chars: src.chars().collect(), pos: 0, depth: 0 };
        let root = p.alternation()?;
        if p.pos < p.chars.len() {
            return Err(format!("unbalanced `)` at offset {}", p.pos));
        }
        check_anchors(&root)?;
        Ok(Self { root })
    }

    /// A string matching the whole pattern; `minimal` takes the fewest repetitions and
    /// the shortest alternative (the "shortest valid value" of SIM-OUT-3).
    pub(crate) fn generate(&self, rng: &mut SynthRng, minimal: bool) -> Result<String, String> {
        let mut out = String::new();
        gen_node(&self.root, rng, minimal, &mut out)?;
        Ok(out)
    }
}

/// Anchors are only supported where they cannot conflict with generated text: `^` first
/// and `$` last in a top-level alternative.
fn check_anchors(root: &Node) -> Result<(), String> {
    let branches: Vec<&Node> = match root {
        Node::Alt(bs) => bs.iter().collect(),
        other => vec![other],
    };
    for b in branches {
        match b {
            Node::Concat(items) => {
                let last = items.len().saturating_sub(1);
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::StartAnchor if i == 0 => {}
                        Node::EndAnchor if i == last => {}
                        other => no_anchor_inside(other)?,
                    }
                }
            }
            Node::StartAnchor | Node::EndAnchor => {}
            other => no_anchor_inside(other)?,
        }
    }
    Ok(())
}

fn no_anchor_inside(node: &Node) -> Result<(), String> {
    match node {
        Node::StartAnchor | Node::EndAnchor => Err("`^`/`$` are supported only at the start/end of the pattern".into()),
        Node::Concat(items) | Node::Alt(items) => items.iter().try_for_each(no_anchor_inside),
        Node::Repeat { node, .. } => no_anchor_inside(node),
        _ => Ok(()),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn alternation(&mut self) -> Result<Node, String> {
        let mut branches = vec![self.concat()?];
        while self.eat('|') {
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 { branches.pop().unwrap_or(Node::Empty) } else { Node::Alt(branches) })
    }

    fn concat(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let atom = self.quantified(atom)?;
            items.push(atom);
        }
        Ok(Node::Concat(items))
    }

    fn atom(&mut self) -> Result<Node, String> {
        let at = self.pos;
        let c = self.bump().ok_or("unexpected end of pattern")?;
        match c {
            '(' => self.group(),
            '[' => self.class(),
            '.' => Ok(Node::Any),
            '^' => Ok(Node::StartAnchor),
            '$' => Ok(Node::EndAnchor),
            '\\' => self.escape(false),
            '*' | '+' | '?' => Err(format!("quantifier `{c}` without a target at offset {at}")),
            '{' => Err(format!("`{{` is not a quantifier at offset {at}")),
            '}' | ']' => Ok(Node::Char(c)),
            other => Ok(Node::Char(other)),
        }
    }

    fn group(&mut self) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!("groups nested deeper than {MAX_NESTING}"));
        }
        if self.eat('?') {
            if self.eat(':') {
                // Non-capturing group.
            } else if self.peek() == Some('<') && !matches!(self.chars.get(self.pos + 1), Some('=' | '!')) {
                // Named group: skip the name, it does not change what matches.
                self.pos += 1;
                while let Some(c) = self.bump() {
                    if c == '>' {
                        break;
                    }
                    if !(c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                        return Err("malformed group name".into());
                    }
                }
            } else {
                return Err("lookaround and inline flags are not supported".into());
            }
        }
        let inner = self.alternation()?;
        if !self.eat(')') {
            return Err("unclosed `(`".into());
        }
        self.depth -= 1;
        Ok(inner)
    }

    fn class(&mut self) -> Result<Node, String> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.bump().ok_or("unclosed `[`")?;
            if c == ']' && !first {
                break;
            }
            if c == ']' {
                // `[]` matches nothing in ECMA-262 and `[^]` anything: neither is useful.
                return Err("empty character class".into());
            }
            first = false;
            let lo = if c == '\\' {
                match self.escape(true)? {
                    Node::Char(ch) => ch,
                    Node::Class { ranges: rs, negated: false } => {
                        ranges.extend(rs);
                        continue;
                    }
                    _ => return Err("negated class escapes inside `[…]` are not supported".into()),
                }
            } else {
                c
            };
            // A range `lo-hi`, unless `-` is the last character of the class.
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']') {
                self.pos += 1;
                let h = self.bump().ok_or("unclosed `[`")?;
                let hi = if h == '\\' {
                    match self.escape(true)? {
                        Node::Char(ch) => ch,
                        _ => return Err("a class escape cannot end a range".into()),
                    }
                } else {
                    h
                };
                if hi < lo {
                    return Err(format!("range `{lo}-{hi}` out of order"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Node::Class { ranges, negated })
    }

    /// The escape after a `\`; `in_class` makes `\b` a backspace as in ECMA-262.
    fn escape(&mut self, in_class: bool) -> Result<Node, String> {
        let c = self.bump().ok_or("pattern ends with `\\`")?;
        let class = |rs: &[(char, char)], negated: bool| Node::Class { ranges: rs.to_vec(), negated };
        Ok(match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            't' => Node::Char('\t'),
            'n' => Node::Char('\n'),
            'r' => Node::Char('\r'),
            'f' => Node::Char('\u{c}'),
            'v' => Node::Char('\u{b}'),
            '0' => Node::Char('\0'),
            'b' if in_class => Node::Char('\u{8}'),
            'x' => Node::Char(self.hex_char(2)?),
            'u' => Node::Char(self.hex_char(4)?),
            c if c.is_ascii_alphanumeric() => {
                return Err(format!("escape `\\{c}` is not supported"));
            }
            // Any other escaped character stands for itself (`\.`, `\-`, `\/`, …).
            other => Node::Char(other),
        })
    }

    fn hex_char(&mut self, digits: usize) -> Result<char, String> {
        let mut v = 0u32;
        for _ in 0..digits {
            let d = self.bump().and_then(|c| c.to_digit(16)).ok_or("malformed hex escape")?;
            v = v * 16 + d;
        }
        char::from_u32(v).ok_or_else(|| "hex escape is not a character".to_string())
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.pos += 1;
                let (min, max) = self.braces()?;
                self.pos -= 1; // re-aligned by the common `pos += 1` below
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        // Laziness changes which match is found, not which strings match.
        self.eat('?');
        if matches!(atom, Node::StartAnchor | Node::EndAnchor) {
            return Err("quantified anchor".into());
        }
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return Err("nested quantifier".into());
        }
        Ok(Node::Repeat { node: Box::new(atom), min, max })
    }

    /// `{n}`, `{n,}` or `{n,m}` after the `{`; leaves `pos` just past the `}`.
    fn braces(&mut self) -> Result<(u32, Option<u32>), String> {
        let min = self.number()?.ok_or("`{` is not a quantifier")?;
        let max = if self.eat(',') { self.number()? } else { Some(min) };
        if !self.eat('}') {
            return Err("`{` is not a quantifier".into());
        }
        if max.is_some_and(|m| m < min) {
            return Err("quantifier `{n,m}` with m < n".into());
        }
        Ok((min, max))
    }

    fn number(&mut self) -> Result<Option<u32>, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Ok(None);
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        match text.parse::<u32>() {
            Ok(n) if n <= MAX_REPEAT => Ok(Some(n)),
            _ => Err(format!("repetition count above {MAX_REPEAT}")),
        }
    }
}

fn gen_node(node: &Node, rng: &mut SynthRng, minimal: bool, out: &mut String) -> Result<(), String> {
    match node {
        Node::Empty | Node::StartAnchor | Node::EndAnchor => {}
        Node::Char(c) => out.push(*c),
        Node::Any => {
            const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            let i = if minimal { 0 } else { rng.index(ALNUM.len()) };
            out.push(char::from(ALNUM.get(i).copied().unwrap_or(b'a')));
        }
        Node::Class { ranges, negated } => out.push(class_char(ranges, *negated, rng, minimal)?),
        Node::Concat(items) => {
            for item in items {
                gen_node(item, rng, minimal, out)?;
            }
        }
        Node::Alt(branches) => {
            let chosen = if minimal { branches.iter().min_by_key(|b| min_len(b)) } else { rng.pick(branches) };
            if let Some(b) = chosen {
                gen_node(b, rng, minimal, out)?;
            }
        }
        Node::Repeat { node, min, max } => {
            let hi = max.unwrap_or(min.saturating_add(UNBOUNDED_EXTRA));
            let n = if minimal { *min } else { rng.range_i64(i64::from(*min), i64::from(hi)) as u32 };
            for _ in 0..n {
                gen_node(node, rng, minimal, out)?;
            }
        }
    }
    Ok(())
}

/// A character of the class: uniform over its members, or, negated, over the printable
/// ASCII characters outside it.
fn class_char(ranges: &[(char, char)], negated: bool, rng: &mut SynthRng, minimal: bool) -> Result<char, String> {
    if negated {
        let allowed: Vec<char> =
            (0x21u8..=0x7e).map(char::from).filter(|c| !ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(c))).collect();
        let i = if minimal { 0 } else { rng.index(allowed.len()) };
        return allowed.get(i).copied().ok_or_else(|| "negated class excludes every printable ASCII character".into());
    }
    let sizes: Vec<u64> = ranges.iter().map(|&(lo, hi)| u64::from(hi) - u64::from(lo) + 1).collect();
    let total: u64 = sizes.iter().sum();
    let mut k = if minimal { 0 } else { rng.below(total) };
    for (&(lo, _), size) in ranges.iter().zip(sizes) {
        if k < size {
            // Surrogate code points are not characters; the range `lo..=hi` can hold them.
            return char::from_u32(u32::from(lo) + k as u32)
                .ok_or_else(|| "character class reaches surrogate code points".into());
        }
        k -= size;
    }
    Err("empty character class".into())
}

/// Fewest characters a node can generate, for the minimal alternative.
fn min_len(node: &Node) -> u64 {
    match node {
        Node::Empty | Node::StartAnchor | Node::EndAnchor => 0,
        Node::Char(_) | Node::Any | Node::Class { .. } => 1,
        Node::Concat(items) => items.iter().map(min_len).sum(),
        Node::Alt(bs) => bs.iter().map(min_len).min().unwrap_or(0),
        Node::Repeat { node, min, .. } => u64::from(*min).saturating_mul(min_len(node)),
    }
}

/// Patterns of the supported subset, shared by the unit and property tests; each
/// generated string must match per the `jsonschema` crate's ECMA-262 engine.
#[cfg(test)]
pub(crate) const SUPPORTED_EXAMPLES: &[&str] = &[
    "^[A-Z]{3}-\\d{4}$",
    "^[a-z0-9_]+$",
    "^(red|green|blue)$",
    "^\\w+@\\w+\\.com$",
    "abc",
    "^x?y*z+$",
    "^[^a-z]{2,5}$",
    "^(?:ab|cd){1,3}\\.$",
    "^(?<year>\\d{4})-(?<mon>0[1-9]|1[0-2])$",
    "^[\\-+]?\\d+(\\.\\d{1,3})?$",
    "^\\u00e9\\x41[\\s]\\S\\D\\W$",
    "^[a-]b$",
    "^a]}$",
    "^.{3}$",
    "^$",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_patterns_generate_matching_strings() {
        let mut rng = SynthRng::new([3; 32]);
        for src in SUPPORTED_EXAMPLES {
            let p = Pattern::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            let schema = serde_json::json!({"type": "string", "pattern": src});
            let validator = jsonschema::validator_for(&schema).expect("valid schema");
            for minimal in [false, true] {
                for _ in 0..20 {
                    let s = p.generate(&mut rng, minimal).expect("generates");
                    assert!(validator.is_valid(&serde_json::json!(s)), "{src} !~ {s:?}");
                }
            }
        }
    }

    #[test]
    fn unsupported_patterns_are_refused() {
        for src in [
            "(a)\\1",
            "a(?=b)",
            "(?i)abc",
            "\\bword",
            "\\p{L}+",
            "a^b",
            "(^a)",
            "a{",
            "a{3,1}",
            "[]",
            "[z-a]",
            "(ab",
            "ab)",
            "*a",
            "a**",
            "[^\\x21-\\x7e]",
        ] {
            let refused = Pattern::parse(src).and_then(|p| p.generate(&mut SynthRng::new([0; 32]), false));
            assert!(refused.is_err(), "{src} should be refused");
        }
    }

    #[test]
    fn minimal_takes_fewest_repetitions_and_shortest_branch() {
        let p = Pattern::parse("^(longer|ab)c*d+$").expect("parses");
        let s = p.generate(&mut SynthRng::new([1; 32]), true).expect("generates");
        assert_eq!(s, "abd");
    }
}
