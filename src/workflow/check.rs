//! Template compilation for a loaded workflow: every template is compiled once, up
//! front, so a syntax error is a workflow error found before anything is submitted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::load::rules;
use super::model::{TemplateText, Workflow};
use crate::diag::{Diagnostic, did_you_mean};
use crate::render::helpers::NAMES;
use crate::render::lint::ContextKind;
use crate::render::{Renderer, TemplateFailure};

/// Handlebars' own block helpers, for "did you mean" hints.
const HELPERS: [&str; 6] = ["if", "unless", "each", "with", "lookup", "log"];

/// Builds the renderer of `workflow`: partials from `templates/partials/` beside the
/// workflow file, then every prompt, `custom_id`, output path and content template,
/// each compiled and linted against the context it is rendered with. Returns every
/// error at once.
pub fn compile_templates(workflow: &Workflow) -> Result<Renderer, Vec<Diagnostic>> {
    let mut renderer = Renderer::new();
    let diags = register(&mut renderer, workflow);
    if diags.iter().all(Vec::is_empty) { Ok(renderer) } else { Err(diags.into_iter().flatten().collect()) }
}

/// Like [`compile_templates`], but keeps going: the analyses and reports whose
/// templates do not compile or lint are removed from `workflow`, so that the rest
/// can be expanded and checked in the same run without reporting one fault twice;
/// their errors are returned.
pub fn compile_partial(workflow: &mut Workflow) -> (Renderer, Vec<Diagnostic>) {
    let mut renderer = Renderer::new();
    let per_item = register(&mut renderer, workflow);
    let (analyses, reports) = per_item.split_at(1 + workflow.analyses.len());
    let mut ok = analyses[1..].iter().map(Vec::is_empty);
    workflow.analyses.retain(|_| ok.next().unwrap_or(true));
    let mut ok = reports.iter().map(Vec::is_empty);
    workflow.reports.retain(|_| ok.next().unwrap_or(true));
    (renderer, per_item.into_iter().flatten().collect())
}

/// Registers the partials and every template, then lints the templates that
/// compiled; the errors of the partials, then of each analysis, then of each report
/// (one list per item, in order).
fn register(renderer: &mut Renderer, workflow: &Workflow) -> Vec<Vec<Diagnostic>> {
    let mut out = vec![Vec::new()];
    if let Err(e) = renderer.register_partials(&workflow.dir.join("templates").join("partials")) {
        out[0].push(Diagnostic::new(Some(rules::TEMPLATE), e.to_string()));
    }
    let mut items: Vec<Vec<(&TemplateText, ContextKind)>> = Vec::new();
    for a in &workflow.analyses {
        let mut templates: Vec<(&TemplateText, ContextKind)> =
            a.prompt.iter().chain(&a.custom_id).chain(&a.prompt_v2_input).map(|t| (t, ContextKind::Base)).collect();
        templates
            .extend(a.outputs.iter().flat_map(|o| [(&o.path, ContextKind::Base), (&o.template, ContextKind::Task)]));
        items.push(templates);
    }
    for r in &workflow.reports {
        items.push(vec![(&r.path, ContextKind::Report), (&r.template, ContextKind::Report)]);
    }
    for templates in &items {
        let compiled: Vec<Diagnostic> = templates
            .iter()
            .filter_map(|(t, _)| renderer.register(t).err().map(|e| template_diagnostic(workflow, t, &e, "")))
            .collect();
        out.push(compiled);
    }
    // Strict mode misses `{{#if misspelt.path}}`: check every path against the
    // context shape (design §3), once all templates and partials are registered.
    let mut seen = BTreeSet::new();
    for (templates, errors) in items.iter().zip(out.iter_mut().skip(1)) {
        if !errors.is_empty() {
            continue;
        }
        for (t, kind) in templates {
            for f in renderer.lint(t, *kind) {
                // A template file shared by several outputs is reported once.
                if seen.insert(f.failure.to_string()) {
                    let mut d = template_diagnostic(workflow, t, &f.failure, "");
                    if f.hint.is_some() {
                        d.hint = f.hint;
                    }
                    errors.push(d);
                }
            }
        }
    }
    out
}

/// A diagnostic for a template that failed to compile or render, pointing at the
/// place inside the template when the failure has one: in the template file, or in
/// the workflow for a one-line inline template written plain or quoted without
/// escapes. Otherwise at the template's key. `suffix` is appended to the message
/// (e.g. ` (task `seo/intro`)`).
pub fn template_diagnostic(workflow: &Workflow, t: &TemplateText, e: &TemplateFailure, suffix: &str) -> Diagnostic {
    let inline = t.name.starts_with(&format!("{}:", workflow.file.display()));
    // The parser lists every token it could have read; that helps nobody.
    let syntax = e.reason.starts_with("invalid handlebars syntax");
    let mut e = e.clone();
    if syntax {
        e.reason = "invalid Handlebars syntax".into();
    }
    let e = &e;
    let precise = |d: Diagnostic| match e.reason.strip_prefix("Helper not found ") {
        Some(name) => match did_you_mean(name, HELPERS.iter().chain(NAMES).copied()) {
            Some(near) => d.with_hint(format!("did you mean `{near}`?")),
            None => d.with_hint(format!("helpers: {}", NAMES.join(", "))),
        },
        None if syntax => d.with_hint("every `{{` needs its `}}`, every `{{#block}}` its `{{/block}}`"),
        None => d,
    };
    if let (Some(line), Some(col)) = (e.line, e.column) {
        let (line, col) = (line as u64, col as u64);
        if !inline {
            let path = workflow.dir.join(&t.name);
            let shown = if workflow.dir == Path::new(".") { PathBuf::from(&t.name) } else { path };
            let len = expression_len(t.text.lines().nth((line as usize).saturating_sub(1)).unwrap_or_default(), col);
            let used = format!("used at {}:{}:{}", workflow.file.display(), t.pos.line, t.pos.column);
            let d = precise(Diagnostic::new(Some(rules::TEMPLATE), format!("{}{suffix}", e.reason)));
            return d.at(&shown, &t.text, line, col, len).with_hint(used);
        }
        if line == 1
            && !t.text.contains('\n')
            && let Some(offset) = inline_offset(&workflow.source, t)
        {
            let len = expression_len(&t.text, col);
            return precise(Diagnostic::new(Some(rules::TEMPLATE), format!("{}{suffix}", e.reason)).at(
                &workflow.file,
                &workflow.source,
                t.pos.line,
                t.pos.column + offset + col - 1,
                len,
            ));
        }
        if let Some(at_line) = block_line(&workflow.source, t, line) {
            let text = t.text.lines().nth((line as usize).saturating_sub(1)).unwrap_or_default();
            let len = expression_len(text, col);
            return precise(Diagnostic::new(Some(rules::TEMPLATE), format!("{}{suffix}", e.reason)).at(
                &workflow.file,
                &workflow.source,
                at_line,
                t.pos.column + col - 1,
                len,
            ));
        }
    }
    Diagnostic::new(Some(rules::TEMPLATE), format!("{e}{suffix}")).at(
        &workflow.file,
        &workflow.source,
        t.pos.line,
        t.pos.column,
        t.pos.len,
    )
}

/// Columns between a template's place and its text: 0 for a plain scalar, 1 for a
/// quoted one without escapes; `None` when the written text is not the template
/// text (escapes, folded or block scalars).
fn inline_offset(source: &str, t: &TemplateText) -> Option<u64> {
    let line = source.lines().nth(usize::try_from(t.pos.line).ok()?.checked_sub(1)?)?;
    let start: usize =
        line.chars().take(usize::try_from(t.pos.column).ok()?.saturating_sub(1)).map(char::len_utf8).sum();
    let written = line.get(start..)?;
    if written.starts_with(&t.text) {
        return Some(0);
    }
    let quoted =
        ['"', '\''].iter().any(|q| written.strip_prefix(*q).is_some_and(|w| w.starts_with(&format!("{}{q}", t.text))));
    quoted.then_some(1)
}

/// The workflow line holding line `line` (1-based) of a multi-line inline template
/// written as a literal block (`template: |`), whose text starts at `t.pos`: found
/// only when every template line up to it is written there verbatim at the
/// block's indentation (`None` for folded or escaped text).
fn block_line(source: &str, t: &TemplateText, line: u64) -> Option<u64> {
    let first = usize::try_from(t.pos.line).ok()?.checked_sub(1)?;
    let indent = usize::try_from(t.pos.column).ok()?.checked_sub(1)?;
    let wanted = usize::try_from(line).ok()?;
    let written = source.lines().skip(first);
    for (i, (text, src)) in t.text.lines().zip(written).take(wanted).enumerate() {
        let body: String = src.chars().skip(indent).collect();
        let blank_ok = text.is_empty() && src.trim().is_empty();
        if !(body == text || blank_ok) {
            return None;
        }
        if i + 1 == wanted {
            return Some(t.pos.line + i as u64);
        }
    }
    None
}

/// Characters of the `{{...}}` expression starting at 1-based `col` of `line` (1 if
/// there is none).
fn expression_len(line: &str, col: u64) -> u64 {
    let rest: String = line.chars().skip(usize::try_from(col).unwrap_or(1).saturating_sub(1)).collect();
    if rest.starts_with("{{") { rest.find("}}").map_or(1, |end| rest[..end + 2].chars().count() as u64) } else { 1 }
}
