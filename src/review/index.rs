//! The site's index: per workflow, every video with the status of each analysis,
//! its billable minutes and tokens, and links to its page, its source and the
//! rendered outputs.

use std::path::Path;

use super::html::{self, Esc, Shell, put};
use super::model::{Source, TaskView, VideoView, WorkflowView};
use super::page::{self, Site, poster_time};
use super::paths::href;
use crate::plan::Status;

/// The index page's HTML.
pub fn render(site: &Site<'_>, workflows: &[WorkflowView]) -> String {
    let names: Vec<&str> = workflows.iter().map(|w| w.name.as_str()).collect();
    let title = format!("{} · vidflow review", names.join(", "));
    let mut out = String::new();
    Shell { title: &title, root: "", media_origins: &[] }.open(&mut out);
    put!(
        out,
        "<header class=\"bar\"><a class=\"home\" href=\"index.html\">vidflow review</a>{}</header>\n\
         <main class=\"index\">\n",
        page::sim_badge(site.sim)
    );
    for wf in workflows {
        workflow(&mut out, site, wf);
    }
    out.push_str("</main>\n");
    Shell::close(&mut out);
    out
}

fn workflow(out: &mut String, site: &Site<'_>, wf: &WorkflowView) {
    let tasks: Vec<&TaskView> = wf.videos.iter().flat_map(|v| &v.tasks).collect();
    let n = |f: fn(&TaskView) -> bool| tasks.iter().filter(|t| f(t)).count();
    let ready = n(|t| t.result.is_some());
    let truncated = n(|t| t.result.as_ref().is_some_and(|r| r.truncated));
    let failed = n(|t| matches!(t.status, Status::Retry { .. }));
    let rejected = n(|t| matches!(t.status, Status::Rejected { .. }));
    let missing = tasks.len() - ready - failed - rejected;
    put!(
        out,
        "<section class=\"workflow\"><h1>{} <small>{}</small></h1>\n<p class=\"totals\">{} · {}: {ready} ready \
         ({truncated} truncated), {failed} failed, {rejected} rejected, {missing} without a result · {} · {}</p>\n",
        Esc(&wf.name),
        Esc(&wf.file),
        html::count(wf.videos.len() as u64, "video"),
        html::count(tasks.len() as u64, "task"),
        html::count(tasks.iter().map(|t| tokens(t)).sum(), "token"),
        minutes(tasks.iter().filter_map(|t| t.billable_seconds).sum()),
    );
    out.push_str("<div class=\"scroll\"><table class=\"videos\"><thead><tr><th>Video</th>");
    for a in &wf.analyses {
        put!(out, "<th>{}</th>", Esc(a));
    }
    out.push_str("<th class=\"num\">Billable</th><th class=\"num\">Tokens</th></tr></thead><tbody>\n");
    for video in &wf.videos {
        row(out, site, wf, video);
    }
    out.push_str("</tbody></table></div></section>\n");
}

fn row(out: &mut String, site: &Site<'_>, wf: &WorkflowView, video: &VideoView) {
    let page = href(site.root, &site.root.join(page::rel(wf, video)));
    out.push_str("<tr><td><div class=\"video-cell\">");
    let thumb = video.media.as_ref().and_then(|m| site.frame(site.root, video, poster_time(m.duration)));
    match thumb {
        Some(src) => put!(
            out,
            "<a href=\"{}\"><img class=\"poster\" src=\"{}\" alt=\"\" width=\"96\"></a>",
            Esc(&page),
            Esc(&src)
        ),
        None => out.push_str("<span class=\"poster none\"></span>"),
    }
    put!(
        out,
        "<div><a class=\"title\" href=\"{}\">{}</a> <code>{}</code>",
        Esc(&page),
        Esc(video.title.as_deref().unwrap_or(&video.id)),
        Esc(&video.id)
    );
    let source = match &video.source {
        Source::File { written, .. } => written.clone(),
        Source::Url(u) => u.clone(),
        Source::AssetId(a) => format!("asset {a}"),
        Source::VideoId(v) => format!("video {v}"),
    };
    put!(out, "<span class=\"src\">{}</span></div></div></td>", Esc(&source));
    for a in &wf.analyses {
        out.push_str("<td>");
        match video.tasks.iter().find(|t| &t.analysis == a) {
            Some(t) => cell(out, site.root, &format!("{page}#analysis-{a}"), t),
            None => out.push_str("<span class=\"null\">–</span>"),
        }
        out.push_str("</td>");
    }
    let seconds: Option<f64> = video.tasks.iter().filter_map(|t| t.billable_seconds).reduce(|a, b| a + b);
    put!(
        out,
        "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        seconds.map_or_else(|| "–".to_owned(), minutes),
        html::count(video.tasks.iter().map(tokens).sum(), "token")
    );
}

/// A task's status (linking to its section of the video's page), its tokens or
/// the reason it has no result, and links to its outputs.
fn cell(out: &mut String, root: &Path, section: &str, t: &TaskView) {
    let truncated = t.result.as_ref().is_some_and(|r| r.truncated);
    let (class, word) = html::badge(&t.status, truncated);
    put!(out, "<a class=\"badge {class}\" href=\"{}\">{word}</a>", Esc(section));
    if let Some(why) = html::no_result_reason(&t.status) {
        put!(out, "<span class=\"why-short {class}\">{}</span>", Esc(&why));
    }
    if t.result.is_some() {
        put!(out, "<span class=\"why-short\">{}</span>", html::count(tokens(t), "token"));
    }
    for p in &t.outputs {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        put!(out, " <a class=\"out\" href=\"{}\">{}</a>", Esc(&href(root, p)), Esc(&name));
    }
}

fn tokens(t: &TaskView) -> u64 {
    t.result.as_ref().map_or(0, |r| r.input_tokens.unwrap_or(0) + r.output_tokens)
}

fn minutes(seconds: f64) -> String {
    format!("{:.2} min", seconds / 60.0)
}
