//! Template compilation for a loaded workflow: every template is compiled once, up
//! front, so a syntax error is a workflow error found before anything is submitted.

use super::load::rules;
use super::model::{TemplateText, Workflow};
use crate::diag::Diagnostic;
use crate::render::Renderer;

/// Builds the renderer of `workflow`: partials from `templates/partials/` beside the
/// workflow file, then every prompt, `custom_id`, output path and content template.
/// Returns every compile error at once.
pub fn compile_templates(workflow: &Workflow) -> Result<Renderer, Vec<Diagnostic>> {
    let mut renderer = Renderer::new();
    let mut diags = Vec::new();
    if let Err(e) = renderer.register_partials(&workflow.dir.join("templates").join("partials")) {
        diags.push(Diagnostic::new(Some(rules::TEMPLATE), e.to_string()));
    }
    let mut templates: Vec<&TemplateText> = Vec::new();
    for a in &workflow.analyses {
        templates.extend(a.prompt.iter().chain(&a.custom_id).chain(&a.prompt_v2_input));
        for o in &a.outputs {
            templates.push(&o.path);
            templates.push(&o.template);
        }
    }
    for r in &workflow.reports {
        templates.push(&r.path);
        templates.push(&r.template);
    }
    for t in templates {
        if let Err(e) = renderer.register(t) {
            diags.push(Diagnostic::new(Some(rules::TEMPLATE), e.to_string()).at(
                &workflow.file,
                &workflow.source,
                t.pos.line,
                t.pos.column,
                t.pos.len,
            ));
        }
    }
    if diags.is_empty() { Ok(renderer) } else { Err(diags) }
}
