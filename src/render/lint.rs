//! A check-time lint of template path expressions against the known shape of the
//! context (design §3).
//!
//! Handlebars' strict mode turns `{{reslt.text}}` into a render error, but
//! `{{#if reslt.text}}` silently takes the `else` branch, and a render error only
//! shows once a task has a result. This walks each compiled template and resolves
//! every path expression (`{{x.y}}`, helper arguments, `#if`/`#each`/`#with`
//! arguments, subexpressions, partial arguments) against [`Shape`]s of the
//! per-task and report contexts, so a misspelt path, an unknown helper or a missing
//! partial is an error at `check` time, with a "did you mean" hint.
//!
//! It is conservative: wherever the shape is not known (`vars`, `video.vars`,
//! `result.json`, segment `metadata`, the item of `#each` over a subexpression, the
//! inside of an unknown block helper or a partial called with arguments) every path
//! is accepted. Inside `#each`/`#with`, paths are relative to the item; `this`,
//! `../`, `@root`, `@index`/`@key`/`@first`/`@last` and block params
//! (`as |item i|`) are resolved the way handlebars-rust resolves them.

use std::collections::BTreeSet;

use handlebars::template::{BlockParam, DecoratorTemplate, HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{Path, PathSeg};

use super::TemplateFailure;
use crate::diag::did_you_mean;

/// What a value of the context looks like, as far as templates can tell.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Unknown: every path below is accepted.
    Any,
    /// A scalar (text, number, boolean or null); the label names it in errors.
    Scalar(&'static str),
    /// An object with exactly these members.
    Object(Vec<(&'static str, Shape)>),
    /// An object with any keys, each value of this shape (`result.segments`,
    /// `videos[].analyses`).
    Map(Box<Shape>),
    /// A list of items of this shape.
    List(Box<Shape>),
}

/// Which context a template is rendered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextKind {
    /// Prompts, `custom_id` and output paths: `workflow`, `vars`, `video`, `analysis`.
    Base,
    /// Output contents: the base context plus `task` and `result`.
    Task,
    /// Report paths and contents: `workflow`, `vars`, `tasks`, `videos`, `summary`.
    Report,
}

fn obj(fields: Vec<(&'static str, Shape)>) -> Shape {
    Shape::Object(fields)
}

const TEXT: Shape = Shape::Scalar("text");
const NUMBER: Shape = Shape::Scalar("a number");
const FLAG: Shape = Shape::Scalar("a boolean");

fn workflow_shape() -> Shape {
    obj(vec![("name", TEXT), ("file", TEXT)])
}

fn video_shape() -> Shape {
    obj(vec![
        ("id", TEXT),
        ("source", obj(vec![("type", TEXT), ("url", TEXT), ("path", TEXT), ("asset_id", TEXT), ("video_id", TEXT)])),
        ("vars", Shape::Any),
        ("media", obj(vec![("duration", NUMBER), ("width", NUMBER), ("height", NUMBER)])),
    ])
}

fn base_fields() -> Vec<(&'static str, Shape)> {
    vec![
        ("workflow", workflow_shape()),
        ("vars", Shape::Any),
        ("video", video_shape()),
        ("analysis", obj(vec![("id", TEXT), ("mode", TEXT), ("model", TEXT)])),
    ]
}

fn task_fields() -> Vec<(&'static str, Shape)> {
    let segment = obj(vec![("start_time", NUMBER), ("end_time", NUMBER), ("metadata", Shape::Any)]);
    let mut fields = base_fields();
    fields.push((
        "task",
        obj(vec![
            ("task_id", TEXT),
            ("custom_id", TEXT),
            ("status", TEXT),
            ("created_at", TEXT),
            ("completed_at", TEXT),
            ("key", TEXT),
        ]),
    ));
    fields.push((
        "result",
        obj(vec![
            ("text", TEXT),
            ("json", Shape::Any),
            ("segments", Shape::Map(Box::new(Shape::List(Box::new(segment))))),
            ("finish_reason", TEXT),
            ("usage", obj(vec![("input_tokens", NUMBER), ("output_tokens", NUMBER)])),
            ("truncated", FLAG),
        ]),
    ));
    fields
}

/// The members of `summary` in the report context.
pub const SUMMARY_FIELDS: &[&str] =
    &["tasks", "ready", "truncated", "failed", "rejected", "input_tokens", "output_tokens", "videos"];

/// The shape of the context of `kind` (design §3).
pub fn shape(kind: ContextKind) -> Shape {
    match kind {
        ContextKind::Base => obj(base_fields()),
        ContextKind::Task => obj(task_fields()),
        ContextKind::Report => {
            let task = obj(task_fields());
            let Shape::Object(mut video) = video_shape() else {
                return Shape::Any;
            };
            video.push(("analyses", Shape::Map(Box::new(task.clone()))));
            obj(vec![
                ("workflow", workflow_shape()),
                ("vars", Shape::Any),
                ("tasks", Shape::List(Box::new(task))),
                ("videos", Shape::List(Box::new(Shape::Object(video)))),
                ("summary", obj(SUMMARY_FIELDS.iter().map(|f| (*f, NUMBER)).collect())),
            ])
        }
    }
}

/// Helpers handlebars-rust registers itself and vidflow keeps (`eq`, `len`, ... are
/// replaced by vidflow's own, listed in [`super::helpers::NAMES`]).
const BUILTIN_HELPERS: &[&str] = &["if", "unless", "each", "with", "lookup", "raw", "log", "gte", "lte"];

/// A lint finding: the failure (template, line, column, reason) and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where and what.
    pub failure: TemplateFailure,
    /// "did you mean `result`?", when a close name exists.
    pub hint: Option<String>,
}

/// Looks up partials by name: the compiled template and the name to report it by.
pub trait Partials {
    /// The partial `name`, if registered.
    fn partial(&self, name: &str) -> Option<(&Template, &str)>;
}

/// Lints `template` (registered under `name`) against the context of `kind`.
/// Returns every finding, in template order.
pub fn lint(name: &str, template: &Template, kind: ContextKind, partials: &dyn Partials) -> Vec<Finding> {
    let mut l = Linter { partials, findings: Vec::new(), stack: Vec::new(), inline: BTreeSet::new() };
    collect_inline(template, &mut l.inline);
    let mut scopes = vec![Frame { shape: shape(kind), params: Vec::new(), opaque: false }];
    l.template(name, template, &mut scopes);
    l.findings
}

/// One `#each`/`#with` level (or the root): what `this` is, the block params it
/// introduced, and whether it is an unknown block whose scope cannot be known.
struct Frame {
    shape: Shape,
    params: Vec<(String, Shape)>,
    opaque: bool,
}

struct Linter<'p> {
    partials: &'p dyn Partials,
    findings: Vec<Finding>,
    /// Partials being linted (guards against recursion).
    stack: Vec<String>,
    /// Inline partials (`{{#*inline "x"}}`) defined by the template.
    inline: BTreeSet<String>,
}

fn collect_inline(t: &Template, out: &mut BTreeSet<String>) {
    for el in &t.elements {
        match el {
            TemplateElement::DecoratorBlock(dt) | TemplateElement::DecoratorExpression(dt) => {
                if let Some(Parameter::Literal(v)) = dt.params.first()
                    && let Some(s) = v.as_str()
                {
                    out.insert(s.to_owned());
                }
                if let Some(inner) = &dt.template {
                    collect_inline(inner, out);
                }
            }
            TemplateElement::HelperBlock(ht) => {
                for inner in ht.template.iter().chain(ht.inverse.iter()) {
                    collect_inline(inner, out);
                }
            }
            _ => {}
        }
    }
}

type Pos = (usize, usize);

impl Linter<'_> {
    fn report(&mut self, template: &str, pos: Pos, reason: String, hint: Option<String>) {
        let failure = TemplateFailure { template: template.to_owned(), line: Some(pos.0), column: Some(pos.1), reason };
        let finding = Finding { failure, hint };
        if !self.findings.contains(&finding) {
            self.findings.push(finding);
        }
    }

    fn template(&mut self, name: &str, t: &Template, scopes: &mut Vec<Frame>) {
        for (i, el) in t.elements.iter().enumerate() {
            let pos = t.mapping.get(i).map_or((1, 1), |m| (m.0, m.1));
            match el {
                TemplateElement::Expression(ht) | TemplateElement::HtmlExpression(ht) => {
                    self.expression(name, pos, ht, scopes);
                }
                TemplateElement::HelperBlock(ht) => self.block(name, pos, ht, scopes),
                TemplateElement::PartialExpression(dt) | TemplateElement::PartialBlock(dt) => {
                    self.partial(name, pos, dt, scopes);
                }
                TemplateElement::DecoratorBlock(dt) => {
                    // `{{#*inline}}` bodies run wherever they are included: unknown scope.
                    if let Some(inner) = &dt.template {
                        scopes.push(Frame { shape: Shape::Any, params: Vec::new(), opaque: true });
                        self.template(name, inner, scopes);
                        scopes.pop();
                    }
                }
                _ => {}
            }
        }
    }

    fn is_helper(name: &str) -> bool {
        BUILTIN_HELPERS.contains(&name) || super::helpers::NAMES.contains(&name)
    }

    fn unknown_helper(&mut self, template: &str, pos: Pos, name: &str) {
        let hint = did_you_mean(name, BUILTIN_HELPERS.iter().chain(super::helpers::NAMES).copied())
            .map(|m| format!("did you mean `{m}`?"));
        self.report(template, pos, format!("helper `{name}` is not defined"), hint);
    }

    /// `{{x}}`, `{{helper a b k=v}}`, and the same inside `(…)`.
    fn expression(&mut self, template: &str, pos: Pos, ht: &HelperTemplate, scopes: &[Frame]) {
        let name_only = ht.params.is_empty() && ht.hash.is_empty();
        match &ht.name {
            Parameter::Name(n) if Self::is_helper(n) => {}
            Parameter::Name(n) if name_only => {
                self.simple_path(template, pos, n, scopes);
            }
            Parameter::Name(n) => self.unknown_helper(template, pos, n),
            Parameter::Path(p) if name_only => {
                self.path(template, pos, p, scopes);
            }
            Parameter::Path(p) => {
                if let Path::Relative((_, raw)) = p
                    && !Self::is_helper(raw)
                {
                    self.unknown_helper(template, pos, raw);
                }
            }
            Parameter::Subexpression(s) => self.subexpression(template, pos, s.as_element(), scopes),
            _ => {}
        }
        self.arguments(template, pos, &ht.params, ht.hash.values(), scopes);
    }

    fn arguments<'a>(
        &mut self,
        template: &str,
        pos: Pos,
        params: &'a [Parameter],
        hash: impl Iterator<Item = &'a Parameter>,
        scopes: &[Frame],
    ) {
        for p in params.iter().chain(hash) {
            self.parameter(template, pos, p, scopes);
        }
    }

    /// A helper argument; returns its shape.
    fn parameter(&mut self, template: &str, pos: Pos, p: &Parameter, scopes: &[Frame]) -> Shape {
        match p {
            Parameter::Path(path) => self.path(template, pos, path, scopes),
            Parameter::Name(n) => self.simple_path(template, pos, n, scopes),
            Parameter::Subexpression(s) => {
                self.subexpression(template, pos, s.as_element(), scopes);
                Shape::Any
            }
            Parameter::Literal(_) => Shape::Scalar("a literal"),
            _ => Shape::Any,
        }
    }

    fn subexpression(&mut self, template: &str, pos: Pos, el: &TemplateElement, scopes: &[Frame]) {
        if let TemplateElement::Expression(ht) = el {
            self.expression(template, pos, ht, scopes);
        }
    }

    fn block(&mut self, template: &str, pos: Pos, ht: &HelperTemplate, scopes: &mut Vec<Frame>) {
        let name = ht.name.as_name().unwrap_or_default().to_owned();
        let first = ht.params.first().map(|p| self.parameter(template, pos, p, scopes));
        for p in ht.params.iter().skip(1).chain(ht.hash.values()) {
            self.parameter(template, pos, p, scopes);
        }
        let inner = match name.as_str() {
            "each" => {
                let item = match first {
                    Some(Shape::List(item)) | Some(Shape::Map(item)) => *item,
                    _ => Shape::Any,
                };
                let params = match &ht.block_param {
                    Some(BlockParam::Single(Parameter::Name(a))) => vec![(a.clone(), item.clone())],
                    Some(BlockParam::Pair((Parameter::Name(a), Parameter::Name(b)))) => {
                        vec![(a.clone(), item.clone()), (b.clone(), Shape::Scalar("an index or key"))]
                    }
                    _ => Vec::new(),
                };
                Some(Frame { shape: item, params, opaque: false })
            }
            "with" => {
                let value = first.unwrap_or(Shape::Any);
                let params = match &ht.block_param {
                    Some(BlockParam::Single(Parameter::Name(a))) => vec![(a.clone(), value.clone())],
                    _ => Vec::new(),
                };
                Some(Frame { shape: value, params, opaque: false })
            }
            // Same scope: `if`, `unless` and vidflow's conditional helpers.
            n if n == "if" || n == "unless" || super::helpers::NAMES.contains(&n) => None,
            n => {
                if !Self::is_helper(n) {
                    self.unknown_helper(template, pos, n);
                }
                Some(Frame { shape: Shape::Any, params: Vec::new(), opaque: true })
            }
        };
        if let Some(t) = &ht.template {
            match inner {
                Some(frame) => {
                    scopes.push(frame);
                    self.template(template, t, scopes);
                    scopes.pop();
                }
                None => self.template(template, t, scopes),
            }
        }
        // `{{else}}` of `#each`/`#with` renders in the outer scope.
        if let Some(t) = &ht.inverse {
            self.template(template, t, scopes);
        }
    }

    fn partial(&mut self, template: &str, pos: Pos, dt: &DecoratorTemplate, scopes: &mut Vec<Frame>) {
        for p in dt.params.iter().chain(dt.hash.values()) {
            self.parameter(template, pos, p, scopes);
        }
        let Some(name) = (match &dt.name {
            Parameter::Name(n) => Some(n.clone()),
            Parameter::Path(Path::Relative((_, raw))) => Some(raw.clone()),
            _ => None,
        }) else {
            return;
        };
        if self.inline.contains(&name) || name == "@partial-block" {
            return;
        }
        let partials = self.partials;
        let Some((body, shown)) = partials.partial(&name) else {
            self.report(
                template,
                pos,
                format!("partial `{name}` is not defined"),
                Some("partials are the `*.hbs` files of `templates/partials/`, named by file stem".into()),
            );
            return;
        };
        if self.stack.contains(&name) || self.stack.len() > 8 {
            return;
        }
        // A partial called with a context or hash arguments sees a different scope.
        let opaque = !dt.params.is_empty() || !dt.hash.is_empty();
        self.stack.push(name);
        let shown = shown.to_owned();
        if opaque {
            scopes.push(Frame { shape: Shape::Any, params: Vec::new(), opaque: true });
            self.template(&shown, body, scopes);
            scopes.pop();
        } else {
            self.template(&shown, body, scopes);
        }
        self.stack.pop();
        if let Some(t) = &dt.template {
            self.template(template, t, scopes);
        }
    }

    fn simple_path(&mut self, template: &str, pos: Pos, name: &str, scopes: &[Frame]) -> Shape {
        if name.starts_with('@') || name == "this" || name == "." {
            return Shape::Any;
        }
        self.resolve(template, pos, name, 0, false, &[name.to_owned()], scopes)
    }

    fn path(&mut self, template: &str, pos: Pos, p: &Path, scopes: &[Frame]) -> Shape {
        let (segs, raw) = match p {
            Path::Local(_) => return Shape::Any,
            Path::Relative((segs, raw)) => (segs, raw),
        };
        let mut up = 0;
        let mut root = false;
        let mut names = Vec::new();
        for seg in segs {
            match seg {
                PathSeg::Named(n) => names.push(n.clone()),
                // The grammar's rule type is private: tell `../` and `@root` by name.
                PathSeg::Ruled(rule) if names.is_empty() => match format!("{rule:?}").as_str() {
                    "path_up" => up += 1,
                    "path_root" => root = true,
                    _ => return Shape::Any,
                },
                _ => return Shape::Any,
            }
        }
        self.resolve(template, pos, raw, up, root, &names, scopes)
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &mut self,
        template: &str,
        pos: Pos,
        raw: &str,
        up: usize,
        root: bool,
        names: &[String],
        scopes: &[Frame],
    ) -> Shape {
        let Some(first) = names.first() else {
            // `this`, `../`: the scope itself.
            return match scopes.len().checked_sub(1 + up) {
                Some(i) if !scopes[i..].iter().any(|f| f.opaque) => scopes[i].shape.clone(),
                _ => Shape::Any,
            };
        };
        // Block params are found in any enclosing block, before the scope.
        if !root && let Some(shape) = scopes.iter().rev().find_map(|f| f.params.iter().find(|(n, _)| n == first)) {
            return self.walk(template, pos, raw, shape.1.clone(), first, &names[1..]);
        }
        let base = if root {
            scopes.first().map_or(Shape::Any, |f| f.shape.clone())
        } else {
            match scopes.len().checked_sub(1 + up) {
                Some(i) if !scopes[i..].iter().any(|f| f.opaque) => scopes[i].shape.clone(),
                _ => return Shape::Any,
            }
        };
        let scope_name = if root || scopes.len() == 1 + up { "the context" } else { "this item" };
        self.walk(template, pos, raw, base, scope_name, names)
    }

    /// Follows `names` down from `shape` (named `at` in messages).
    fn walk(&mut self, template: &str, pos: Pos, raw: &str, shape: Shape, at: &str, names: &[String]) -> Shape {
        let mut cur = shape;
        let mut at = if at == "the context" || at == "this item" { at.to_owned() } else { format!("`{at}`") };
        for (i, name) in names.iter().enumerate() {
            let next = match &cur {
                Shape::Any => return Shape::Any,
                Shape::Map(v) => (**v).clone(),
                Shape::List(item) => {
                    if name.parse::<usize>().is_ok() {
                        (**item).clone()
                    } else {
                        return Shape::Any;
                    }
                }
                Shape::Object(fields) => match fields.iter().find(|(f, _)| f == name) {
                    Some((_, s)) => s.clone(),
                    None => {
                        let known: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
                        let hint = did_you_mean(name, known.iter().copied()).map(|m| {
                            let mut fixed: Vec<&str> = names.iter().map(String::as_str).collect();
                            fixed[i] = m;
                            format!("did you mean `{}`?", fixed.join("."))
                        });
                        self.report(
                            template,
                            pos,
                            format!("`{raw}`: {at} has no `{name}` (it has {})", list(&known)),
                            hint,
                        );
                        return Shape::Any;
                    }
                },
                Shape::Scalar(kind) => {
                    self.report(template, pos, format!("`{raw}`: {at} is {kind}; it has no `{name}`"), None);
                    return Shape::Any;
                }
            };
            at = format!("`{}`", names[..=i].join("."));
            cur = next;
        }
        cur
    }
}

fn list(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoPartials;
    impl Partials for NoPartials {
        fn partial(&self, _: &str) -> Option<(&Template, &str)> {
            None
        }
    }

    fn findings(kind: ContextKind, text: &str) -> Vec<Finding> {
        let t = Template::compile(text).expect("compiles");
        lint("t.hbs", &t, kind, &NoPartials)
    }

    fn reasons(kind: ContextKind, text: &str) -> Vec<String> {
        findings(kind, text).into_iter().map(|f| f.failure.reason).collect()
    }

    #[test]
    fn a_misspelt_path_in_if_is_found_with_a_hint_and_a_line() {
        let f = findings(ContextKind::Task, "ok\n  {{#if reslt.text}}x{{/if}}");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].failure.line, Some(2));
        assert_eq!(f[0].failure.template, "t.hbs");
        assert!(f[0].failure.reason.contains("`reslt.text`: the context has no `reslt`"), "{:?}", f[0]);
        assert_eq!(f[0].hint.as_deref(), Some("did you mean `result.text`?"));
    }

    #[test]
    fn nested_members_are_checked_and_named() {
        let f = findings(ContextKind::Task, "{{#if result.usage.output_token}}{{/if}}");
        assert!(f[0].failure.reason.contains("`result.usage` has no `output_token`"), "{f:?}");
        assert_eq!(f[0].hint.as_deref(), Some("did you mean `result.usage.output_tokens`?"));
        assert_eq!(
            reasons(ContextKind::Task, "{{#if result.text.length}}{{/if}}"),
            ["`result.text.length`: `result.text` is text; it has no `length`"]
        );
    }

    #[test]
    fn valid_templates_pass() {
        for (kind, text) in [
            (ContextKind::Task, "{{result.text}} {{#if result.truncated}}!{{/if}} {{video.media.width}}"),
            (ContextKind::Task, "{{#each result.segments.scene}}{{vtt_time start_time}} {{metadata.mood}}{{/each}}"),
            (
                ContextKind::Task,
                "{{#each result.segments}}{{@key}}: {{len this}} {{#each this}}{{end_time}}{{/each}}{{/each}}",
            ),
            (ContextKind::Task, "{{#each result.json.items as |item i|}}{{i}} {{item.x}} {{../video.id}}{{/each}}"),
            (ContextKind::Task, "{{#with result.usage}}{{input_tokens}} {{../task.key}} {{@root.video.id}}{{/with}}"),
            (ContextKind::Task, "{{json result.json compact=true}} {{csv video.vars.title (default vars.x \"-\")}}"),
            (
                ContextKind::Task,
                "{{#if (eq result.finish_reason \"stop\")}}{{task.task_id}}{{else if task.status}}{{/if}}",
            ),
            (
                ContextKind::Report,
                "{{#each videos}}{{id}}{{#each analyses}}{{@key}} {{result.text}} {{../id}}{{/each}}{{/each}}",
            ),
            (
                ContextKind::Report,
                "{{#each tasks as |t|}}{{t.analysis.id}} {{@index}} {{@first}}{{/each}} {{summary.ready}}",
            ),
            (ContextKind::Base, "out/{{video.id}}/{{slug video.vars.title}}.md {{vars.anything.deep}}"),
            (ContextKind::Task, "{{#each result.segments.scene}}{{this.start_time}}{{else}}{{video.id}}{{/each}}"),
            (ContextKind::Task, "{{#*inline \"row\"}}{{whatever}}{{/inline}}{{> row}}"),
            (
                ContextKind::Task,
                "{{lookup result.json \"x\"}} {{#unless result.truncated}}{{/unless}} {{this.video.id}}",
            ),
        ] {
            assert_eq!(findings(kind, text), [], "{text}");
        }
    }

    #[test]
    fn item_scopes_are_checked() {
        assert_eq!(
            reasons(ContextKind::Task, "{{#each result.segments.scene}}{{start}}{{/each}}"),
            ["`start`: this item has no `start` (it has `start_time`, `end_time`, `metadata`)"]
        );
        assert_eq!(
            reasons(ContextKind::Report, "{{#each tasks as |t|}}{{t.reslt}}{{/each}}"),
            ["`t.reslt`: `t` has no `reslt` (it has `workflow`, `vars`, `video`, `analysis`, `task`, `result`)"]
        );
        assert_eq!(
            reasons(ContextKind::Report, "{{#each videos}}{{../summary.redy}}{{/each}}").len(),
            1,
            "`../` reaches the root"
        );
    }

    #[test]
    fn contexts_differ_by_kind() {
        assert_eq!(reasons(ContextKind::Base, "{{result.text}}").len(), 1, "prompts have no result");
        assert_eq!(reasons(ContextKind::Report, "{{video.id}}").len(), 1, "reports have no single video");
        assert_eq!(
            reasons(ContextKind::Report, "{{summary.tasks}} {{workflow.name}} {{vars.x}}"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn unknown_helpers_and_partials_are_found() {
        let f = findings(ContextKind::Task, "{{timcode result.usage.input_tokens}}");
        assert_eq!(f[0].failure.reason, "helper `timcode` is not defined");
        assert_eq!(f[0].hint.as_deref(), Some("did you mean `timecode`?"));
        assert_eq!(reasons(ContextKind::Task, "{{#eachh result.text}}{{/eachh}}"), ["helper `eachh` is not defined"]);
        assert_eq!(reasons(ContextKind::Task, "{{> header}}"), ["partial `header` is not defined"]);
    }

    #[test]
    fn unknown_block_helpers_and_partial_arguments_make_the_scope_unknown() {
        assert_eq!(
            reasons(ContextKind::Task, "{{#each (lookup result.json \"x\")}}{{anything}}{{/each}}"),
            Vec::<String>::new()
        );
        assert_eq!(reasons(ContextKind::Task, "{{#each video.vars.list}}{{anything}}{{/each}}"), Vec::<String>::new());
    }
}
