//! Rendering: Handlebars templates (strict, no HTML escaping but for `.html`
//! outputs), output paths confined to the workflow directory, atomic writes
//! (design §3).

pub mod context;
pub mod helpers;
pub mod lint;
pub mod output;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use handlebars::Handlebars;
use serde::Serialize;

use crate::workflow::model::TemplateText;

/// A template that failed to compile or render: its name, the 1-based line and
/// column inside the template when known, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TemplateFailure {
    /// Template name (file path, or `workflow.yaml:LINE:COL` for inline text).
    pub template: String,
    /// 1-based line inside the template.
    pub line: Option<usize>,
    /// 1-based column inside the template.
    pub column: Option<usize>,
    /// What went wrong.
    pub reason: String,
}

impl fmt::Display for TemplateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template `{}`", self.template)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, " at {l}:{c}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl TemplateFailure {
    fn from_render(name: &str, e: &handlebars::RenderError) -> Self {
        let reason = match e.reason() {
            handlebars::RenderErrorReason::MissingVariable(Some(var)) => {
                format!("variable `{var}` is not defined")
            }
            other => other.to_string(),
        };
        Self {
            template: e.template_name.clone().unwrap_or_else(|| name.to_owned()),
            line: e.line_no,
            column: e.column_no,
            reason,
        }
    }

    fn from_compile(name: &str, e: &handlebars::TemplateError) -> Self {
        let pos = e.pos();
        Self {
            template: name.to_owned(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            reason: e.reason().to_string(),
        }
    }
}

/// Two Handlebars registries with the same templates, helpers and partials: one
/// that writes text unchanged, one that HTML-escapes (for `.html`/`.htm` outputs).
pub struct Renderer {
    plain: Handlebars<'static>,
    html: Handlebars<'static>,
    /// Registered partials: name → the file they came from (for messages).
    partials: BTreeMap<String, String>,
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Renderer")
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    /// A renderer in strict mode (a missing variable, helper or partial is an error).
    pub fn new() -> Self {
        let mut plain = Handlebars::new();
        plain.set_strict_mode(true);
        plain.register_escape_fn(handlebars::no_escape);
        helpers::register(&mut plain);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        helpers::register(&mut html);
        Self { plain, html, partials: BTreeMap::new() }
    }

    /// Registers every `*.hbs` file of `dir` as a partial named by its stem
    /// (`templates/partials/header.hbs` → `{{> header}}`). A missing directory is
    /// not an error.
    pub fn register_partials(&mut self, dir: &Path) -> Result<(), TemplateFailure> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "hbs")) {
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| TemplateFailure {
                template: shown.clone(),
                line: None,
                column: None,
                reason: e.to_string(),
            })?;
            for hb in [&mut self.plain, &mut self.html] {
                hb.register_partial(&name, text.as_str()).map_err(|e| TemplateFailure::from_compile(&shown, &e))?;
            }
            self.partials.insert(name, shown);
        }
        Ok(())
    }

    /// Compiles and registers `t` under its name (idempotent).
    pub fn register(&mut self, t: &TemplateText) -> Result<(), TemplateFailure> {
        if self.plain.has_template(&t.name) {
            return Ok(());
        }
        for hb in [&mut self.plain, &mut self.html] {
            hb.register_template_string(&t.name, t.text.as_str())
                .map_err(|e| TemplateFailure::from_compile(&t.name, &e))?;
        }
        Ok(())
    }

    /// Lints the registered template `t` against the context of `kind` (see
    /// [`lint`]): misspelt paths, unknown helpers and partials. A template that is
    /// not registered has no findings.
    pub fn lint(&self, t: &TemplateText, kind: lint::ContextKind) -> Vec<lint::Finding> {
        match self.plain.get_template(&t.name) {
            Some(compiled) => lint::lint(&t.name, compiled, kind, self),
            None => Vec::new(),
        }
    }

    /// Renders the registered template `t` over `data`; `html` escapes for HTML.
    pub fn render<T: Serialize>(&self, t: &TemplateText, data: &T, html: bool) -> Result<String, TemplateFailure> {
        let hb = if html { &self.html } else { &self.plain };
        hb.render(&t.name, data).map_err(|e| TemplateFailure::from_render(&t.name, &e))
    }
}

impl lint::Partials for Renderer {
    fn partial(&self, name: &str) -> Option<(&handlebars::Template, &str)> {
        let shown = self.partials.get(name)?;
        Some((self.plain.get_template(name)?, shown.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::model::Pos;
    use serde_json::json;

    fn t(name: &str, text: &str) -> TemplateText {
        TemplateText { name: name.into(), text: text.into(), pos: Pos::default() }
    }

    #[test]
    fn text_is_not_escaped_except_for_html() {
        let mut r = Renderer::new();
        let tpl = t("x", "{{v}}");
        r.register(&tpl).expect("compiles");
        let data = json!({"v": "a & <b> \"c\" 'd'"});
        assert_eq!(r.render(&tpl, &data, false).ok().as_deref(), Some("a & <b> \"c\" 'd'"));
        assert_eq!(r.render(&tpl, &data, true).ok().as_deref(), Some("a &amp; &lt;b&gt; &quot;c&quot; &#x27;d&#x27;"));
    }

    #[test]
    fn missing_variable_names_template_line_and_variable() {
        let mut r = Renderer::new();
        let tpl = t("out.md.hbs", "line one\n{{video.titel}}");
        r.register(&tpl).expect("compiles");
        let err = r.render(&tpl, &json!({"video": {"title": "x"}}), false).expect_err("strict");
        assert_eq!(err.template, "out.md.hbs");
        assert_eq!(err.line, Some(2));
        assert!(err.reason.contains("video.titel"), "{}", err.reason);
    }

    #[test]
    fn compile_error_has_a_position() {
        let mut r = Renderer::new();
        let err = r.register(&t("bad", "ok\n{{#if x}}never closed")).expect_err("invalid");
        assert_eq!(err.template, "bad");
        assert!(err.line.is_some());
    }
}
