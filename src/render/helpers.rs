//! Built-in template helpers (design §3).
//!
//! [`register`] installs them on a registry; [`NAMES`] lists them. They replace the
//! handlebars crate's own `eq`/`ne`/`gt`/`lt`/`and`/`or`/`not`/`len`, which are lenient
//! where vidflow wants errors (a missing argument to `and` is silently falsy, `len`
//! counts bytes, `gt 5 "x"` is silently false).
//!
//! Every helper checks its arguments: a wrong count, an unknown `key=value` option, a
//! missing variable (strict mode) or a value of the wrong shape is a render error whose
//! message starts with the helper's name, e.g. `timecode: expected seconds ≥ 0, got -1`.
//! Handlebars adds the template name, line and column around it. The only helper that
//! accepts a missing variable is `default`, whose whole point is to replace one.
//!
//! Times ("SECONDS" below) are what [`parse_time`](crate::contract::time::parse_time)
//! accepts: a JSON number of seconds, or a string `"hh:mm:ss"`, `"hh:mm:ss.fff"`,
//! `"mm:ss"` or `"12.5"`; so every result time format works. Negative times are errors.
//!
//! | Helper | Arguments | Example → output |
//! |---|---|---|
//! | `json` | VALUE `[compact=BOOL]` | `{{json x}}` → pretty JSON (2-space indent); `{{json x compact=true}}` → `{"a":1}` |
//! | `timecode` | SECONDS | `{{timecode 3725.5}}` → `01:02:05.500` |
//! | `srt_time` | SECONDS | `{{srt_time 62.5}}` → `00:01:02,500` |
//! | `vtt_time` | SECONDS | `{{vtt_time "00:01:02.5"}}` → `00:01:02.500` |
//! | `duration` | SECONDS | `0 s`, `5.3 s`, `45 s`, `1 min 05 s`, `1 h 02 min 03 s`, `25 h 00 min 00 s` |
//! | `round` | NUMBER `[DIGITS]` | `{{round 2.6}}` → `3`; `{{round 3.14159 2}}` → `3.14` |
//! | `add` | A B... | `{{add @index 1}}` → `1` for the first item; `(add 0.1 0.2)` → `0.3` |
//! | `sub` | A B | `{{duration (sub end_time start_time)}}` → a segment's length |
//! | `slug` | TEXT | `{{slug "Hello, World!"}}` → `hello-world` |
//! | `join` | LIST SEP | `{{join tags ", "}}` → `a, b`; `[]` → empty |
//! | `default` | VALUE FALLBACK | `{{default title "untitled"}}` → title, or `untitled` if null/""/missing |
//! | `upper` / `lower` | TEXT | `{{upper "straße"}}` → `STRASSE` |
//! | `truncate` | TEXT N `[ellipsis=TEXT]` | `{{truncate "Hello world" 8}}` → `Hello w…` |
//! | `csv` | VALUE... | `{{csv "a,b" 3 null}}` → `"a,b",3,` |
//! | `eq` / `ne` | A B | `{{#if (eq status "ready")}}`; `(eq 1 1.0)` is true |
//! | `gt` / `lt` | A B | numbers with numbers, strings with strings |
//! | `and` / `or` | A B... | `(and a b c)` → true if every argument is truthy |
//! | `not` | A | `(not a)` |
//! | `len` | LIST, OBJECT or TEXT | `{{len "東京"}}` → `2` |
//!
//! Truthiness (`and`, `or`, `not`, block forms) is Handlebars' own, as in `{{#if}}`:
//! `false`, `null`, `0`, `""`, `[]` and `{}` are false. The comparison and logic
//! helpers also work as blocks: `{{#eq a b}}same{{else}}different{{/eq}}`.
//!
//! Escaping: helpers return plain values and leave escaping to the registry, like any
//! `{{…}}` expression. Outputs other than HTML use `no_escape`, so `json`, `csv` and
//! the rest come out byte for byte; in an HTML output `{{json x}}` is HTML-escaped
//! (safe inside `<pre>`), and `{{{json x}}}` is raw.

mod logic;
mod text;
pub(crate) mod time;

#[cfg(test)]
mod tests;

use std::fmt::Display;

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonTruthy, Output, RenderContext, RenderError,
    RenderErrorReason, Renderable, ScopedJson,
};
use serde_json::Value;

/// Names of all built-in helpers, for "did you mean" hints and the check of templates.
pub const NAMES: &[&str] = &[
    "json", "timecode", "srt_time", "vtt_time", "duration", "round", "add", "sub", "slug", "join", "default", "upper",
    "lower", "truncate", "csv", "eq", "ne", "gt", "lt", "and", "or", "not", "len",
];

/// Registers every built-in helper on `hb`, replacing any helper of the same name
/// (including the handlebars crate's own `eq`, `len`, ...).
pub fn register(hb: &mut Handlebars<'_>) {
    for b in BUILTINS {
        if b.block {
            hb.register_helper(b.name, Box::new(Conditional(*b)));
        } else {
            hb.register_helper(b.name, Box::new(*b));
        }
    }
}

/// What a helper computes from its checked arguments.
type HelperFn = fn(&Args<'_, '_>) -> Result<Value, RenderError>;

/// One built-in helper: its name, the shape of its arguments (checked before `f` runs,
/// so every helper reports a wrong count or an unknown option the same way) and body.
#[derive(Clone, Copy)]
struct Builtin {
    name: &'static str,
    /// Shown in argument-count errors, e.g. `join LIST SEP`.
    usage: &'static str,
    min: usize,
    /// `None`: any number of arguments from `min` on.
    max: Option<usize>,
    /// The `key=value` options it accepts.
    options: &'static [&'static str],
    /// Usable as a block (`{{#eq a b}}…{{else}}…{{/eq}}`), choosing by truthiness.
    block: bool,
    f: HelperFn,
}

const fn fixed(name: &'static str, usage: &'static str, n: usize, f: HelperFn) -> Builtin {
    Builtin { name, usage, min: n, max: Some(n), options: &[], block: false, f }
}

static BUILTINS: &[Builtin] = &[
    Builtin { options: &["compact"], ..fixed("json", "json VALUE [compact=true]", 1, text::json) },
    fixed("timecode", "timecode SECONDS", 1, time::timecode),
    fixed("srt_time", "srt_time SECONDS", 1, time::srt_time),
    fixed("vtt_time", "vtt_time SECONDS", 1, time::vtt_time),
    fixed("duration", "duration SECONDS", 1, time::duration),
    Builtin { min: 1, ..fixed("round", "round NUMBER [DIGITS]", 2, text::round) },
    Builtin { max: None, ..fixed("add", "add A B [C...]", 2, text::add) },
    fixed("sub", "sub A B", 2, text::sub),
    fixed("slug", "slug TEXT", 1, text::slug),
    fixed("join", "join LIST SEP", 2, text::join),
    fixed("default", "default VALUE FALLBACK", 2, text::default),
    fixed("upper", "upper TEXT", 1, text::upper),
    fixed("lower", "lower TEXT", 1, text::lower),
    Builtin { options: &["ellipsis"], ..fixed("truncate", "truncate TEXT N [ellipsis=TEXT]", 2, text::truncate) },
    Builtin { max: None, ..fixed("csv", "csv VALUE [VALUE...]", 1, text::csv) },
    Builtin { block: true, ..fixed("eq", "eq A B", 2, logic::eq) },
    Builtin { block: true, ..fixed("ne", "ne A B", 2, logic::ne) },
    Builtin { block: true, ..fixed("gt", "gt A B", 2, logic::gt) },
    Builtin { block: true, ..fixed("lt", "lt A B", 2, logic::lt) },
    Builtin { block: true, max: None, ..fixed("and", "and A B [C...]", 2, logic::and) },
    Builtin { block: true, max: None, ..fixed("or", "or A B [C...]", 2, logic::or) },
    Builtin { block: true, ..fixed("not", "not A", 1, logic::not) },
    fixed("len", "len LIST|OBJECT|TEXT", 1, text::len),
];

impl Builtin {
    /// Checks the argument shape, then runs the helper.
    fn eval(&self, h: &Helper<'_>, hb: &Handlebars<'_>) -> Result<Value, RenderError> {
        let args = Args { name: self.name, h, strict: hb.strict_mode() };
        if h.is_block() && !self.block {
            // The default `call` would silently drop the block's content.
            return Err(args.err(format_args!("cannot be used as a block; write {{{{{} …}}}}", self.name)));
        }
        let n = h.params().len();
        if n < self.min || self.max.is_some_and(|max| n > max) {
            let s = if n == 1 { "" } else { "s" };
            return Err(args.err(format_args!("expected `{}`, got {n} argument{s}", self.usage)));
        }
        for key in h.hash().keys() {
            if !self.options.contains(key) {
                let known = if self.options.is_empty() {
                    "it takes no options".to_string()
                } else {
                    format!("expected {}", self.options.join(", "))
                };
                return Err(args.err(format_args!("unknown option `{key}` ({known})")));
            }
        }
        (self.f)(&args)
    }
}

impl HelperDef for Builtin {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        self.eval(h, r).map(ScopedJson::Derived)
    }
}

/// A boolean helper that also works as a block, choosing the block or its `{{else}}`.
struct Conditional(Builtin);

impl HelperDef for Conditional {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        self.0.call_inner(h, r, ctx, rc)
    }

    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let value = self.0.eval(h, r)?;
        if !h.is_block() {
            // `true` / `false`: nothing to escape or indent.
            out.write(&value.to_string())?;
            return Ok(());
        }
        let branch = if value.is_truthy(false) { h.template() } else { h.inverse() };
        match branch {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

/// A helper's arguments, with errors that name the helper and the offending argument.
struct Args<'h, 'rc> {
    name: &'static str,
    h: &'h Helper<'rc>,
    strict: bool,
}

impl<'h> Args<'h, '_> {
    /// A render error `"<helper>: <msg>"`.
    fn err(&self, msg: impl Display) -> RenderError {
        RenderErrorReason::Other(format!("{}: {msg}", self.name)).into()
    }

    /// Like [`err`](Self::err), adding where argument `i` came from when it is a path
    /// (`… (from \`seg.start_time\`)`), so an error inside `{{#each}}` is traceable.
    fn err_at(&self, i: usize, msg: impl Display) -> RenderError {
        match self.h.param(i).and_then(|p| p.relative_path()) {
            Some(path) => self.err(format_args!("{msg} (from `{path}`)")),
            None => self.err(msg),
        }
    }

    /// Number of positional arguments.
    fn len(&self) -> usize {
        self.h.params().len()
    }

    /// Argument `i`; an error when absent or (strict mode) a missing variable.
    fn get(&self, i: usize) -> Result<&'h Value, RenderError> {
        match self.h.param(i) {
            Some(p) if self.strict && p.is_value_missing() => {
                let path = p.relative_path().map_or("?", String::as_str);
                Err(self.err(format_args!("argument {} `{path}` does not exist", i + 1)))
            }
            Some(p) => Ok(p.value()),
            None => Err(self.err(format_args!("argument {} is required", i + 1))),
        }
    }

    /// Argument `i`, or `None` when it names a variable that does not exist.
    fn get_or_missing(&self, i: usize) -> Result<Option<&'h Value>, RenderError> {
        match self.h.param(i) {
            Some(p) if p.is_value_missing() => Ok(None),
            Some(p) => Ok(Some(p.value())),
            None => Err(self.err(format_args!("argument {} is required", i + 1))),
        }
    }

    /// Option `key=value`, if given; a missing variable as its value is an error.
    fn opt(&self, key: &str) -> Result<Option<&'h Value>, RenderError> {
        match self.h.hash_get(key) {
            Some(p) if self.strict && p.is_value_missing() => {
                let path = p.relative_path().map_or("?", String::as_str);
                Err(self.err(format_args!("option {key}=`{path}` does not exist")))
            }
            Some(p) => Ok(Some(p.value())),
            None => Ok(None),
        }
    }
}

/// A value for an error message: compact JSON, cut short so that a large object does
/// not drown the message.
fn show(v: &Value) -> String {
    const MAX: usize = 60;
    let s = v.to_string();
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}
