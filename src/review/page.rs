//! A video's page: the player with its chapter tracks, a timeline per segment
//! definition, and every analysis's result in readable form.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;

use super::html::{self, Esc, Shell, put};
use super::model::{Body, Segment, Source, TaskView, Timeline, VideoView, WorkflowView};
use super::paths::href;
use super::thumbs::Frame;
use crate::render::helpers::time::clock as cue_clock;

/// What every page of a build shares.
pub struct Site<'a> {
    /// The site's directory, absolute.
    pub root: &'a Path,
    /// Whether the results are the simulator's (`--sim`).
    pub sim: bool,
    /// Frames present in the site, by frame: their path inside the site.
    pub frames: &'a BTreeMap<Frame, PathBuf>,
}

impl Site<'_> {
    /// A link from a page in `dir` to the frame of `video` at `seconds`, if the
    /// site has it.
    pub fn frame(&self, dir: &Path, video: &VideoView, seconds: f64) -> Option<String> {
        let Source::File { sha256: Some(sha), .. } = &video.source else {
            return None;
        };
        let rel = self.frames.get(&Frame::at(sha, seconds))?;
        Some(href(dir, &self.root.join(rel)))
    }
}

/// The page of `video`, relative to the site: `<slug>/<video id>.html`.
pub fn rel(wf: &WorkflowView, video: &VideoView) -> PathBuf {
    Path::new(&wf.slug).join(format!("{}.html", video.id))
}

/// The time of a video's poster frame: a quarter in, at most 10 s.
pub fn poster_time(duration: f64) -> f64 {
    (duration / 4.0).min(10.0)
}

/// The frames a video's page and the index show: the poster, and the start of
/// every segment inside the video. Only local files whose content and duration
/// are known have frames.
pub fn frames(video: &VideoView) -> Vec<(Frame, PathBuf)> {
    let (Source::File { path, sha256: Some(sha), .. }, Some(media)) = (&video.source, &video.media) else {
        return Vec::new();
    };
    let starts = timelines(video).flat_map(|(_, t)| &t.segments).map(|s| s.start);
    std::iter::once(poster_time(media.duration))
        .chain(starts)
        .filter(|t| *t < media.duration)
        .map(|t| (Frame::at(sha, t), path.clone()))
        .collect()
}

/// Every timeline of the video's results, with its analysis id.
fn timelines(video: &VideoView) -> impl Iterator<Item = (&str, &Timeline)> {
    video.tasks.iter().flat_map(|t| {
        let list: &[Timeline] = match t.result.as_ref().map(|r| &r.body) {
            Some(Body::Segments(list)) => list,
            _ => &[],
        };
        list.iter().map(move |tl| (t.analysis.as_str(), tl))
    })
}

/// The page's HTML.
pub fn render(site: &Site<'_>, wf: &WorkflowView, video: &VideoView) -> String {
    let dir = site.root.join(&wf.slug);
    let origins: Vec<String> = match &video.source {
        Source::Url(u) => playable_origin(u).into_iter().collect(),
        _ => Vec::new(),
    };
    let heading = video.title.as_deref().unwrap_or(&video.id);
    let mut out = String::new();
    let title = format!("{heading} · {} · vidflow review", wf.name);
    Shell { title: &title, root: "../", media_origins: &origins }.open(&mut out);
    put!(
        out,
        "<header class=\"bar\"><a class=\"home\" href=\"../index.html\">vidflow review</a>\
         <span class=\"crumb\">{}</span><span class=\"crumb\">{}</span>{}</header>\n",
        Esc(&wf.name),
        Esc(&video.id),
        sim_badge(site.sim)
    );
    out.push_str("<main class=\"video-page\">\n<div class=\"stage\">\n");
    put!(out, "<h1>{} <code class=\"id\">{}</code></h1>\n", Esc(heading), Esc(&video.id));
    player(&mut out, site, &dir, video, &origins);
    out.push_str("<p class=\"now\" id=\"now\" aria-live=\"polite\"></p>\n");
    tracks(&mut out, video);
    facts(&mut out, &dir, video);
    contents(&mut out, video);
    out.push_str("</div>\n<div class=\"results\">\n");
    for task in &video.tasks {
        analysis(&mut out, site, &dir, video, task);
    }
    out.push_str("</div>\n</main>\n");
    Shell::close(&mut out);
    out
}

/// The `simulated` marker of pages built from `run --sim` results.
pub fn sim_badge(sim: bool) -> &'static str {
    if sim { "<span class=\"sim\" title=\"results of run --sim: synthetic\">simulated results</span>" } else { "" }
}

/// The origin a browser fetches a URL video from, for the page's policy; `None`
/// for anything but http(s).
fn playable_origin(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.origin().ascii_serialization())
}

fn player(out: &mut String, site: &Site<'_>, dir: &Path, video: &VideoView, origins: &[String]) {
    let src = match &video.source {
        Source::File { path, .. } => Some(href(dir, path)),
        Source::Url(u) if !origins.is_empty() => Some(u.clone()),
        _ => None,
    };
    let Some(src) = src else {
        let what = match &video.source {
            Source::AssetId(a) => format!("asset `{a}`"),
            Source::VideoId(v) => format!("indexed video `{v}`"),
            Source::Url(u) => format!("`{u}`"),
            Source::File { written, .. } => format!("`{written}`"),
        };
        put!(out, "<div class=\"noplayer\">No playable source: the video is {}.</div>\n", Esc(&what));
        return;
    };
    out.push_str("<div class=\"player-box\"><video id=\"player\" controls preload=\"metadata\" playsinline");
    if let Some(poster) = video.media.as_ref().and_then(|m| site.frame(dir, video, poster_time(m.duration))) {
        put!(out, " poster=\"{}\"", Esc(&poster));
    }
    put!(out, " src=\"{}\">", Esc(&src));
    for (i, (analysis, tl)) in timelines(video).enumerate() {
        put!(
            out,
            "<track kind=\"chapters\" label=\"{} · {}\" src=\"data:text/vtt;base64,{}\"{}>",
            Esc(analysis),
            Esc(&tl.definition),
            base64::engine::general_purpose::STANDARD.encode(vtt(tl)),
            if i == 0 { " default" } else { "" }
        );
    }
    out.push_str("</video></div>\n");
}

/// The segments of `tl` as a WebVTT file of chapter cues, one per segment,
/// labelled like the timeline.
pub fn vtt(tl: &Timeline) -> String {
    let mut out = String::from("WEBVTT\n");
    for (i, s) in tl.segments.iter().enumerate() {
        let ms = |t: f64| (t * 1000.0).round() as u64;
        let label = label(s, &tl.definition, i);
        // Cue text is markup: escape it, and keep it on one line (a blank line
        // would end the cue).
        let text = label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace(['\r', '\n'], " ");
        put!(out, "\n{}\n{} --> {}\n{text}\n", i + 1, cue_clock(ms(s.start), '.'), cue_clock(ms(s.end), '.'));
    }
    out
}

fn label(s: &Segment, definition: &str, i: usize) -> String {
    s.label().map_or_else(|| format!("{definition} {}", i + 1), str::to_owned)
}

/// A timeline per segment definition, each segment a button that seeks the player.
fn tracks(out: &mut String, video: &VideoView) {
    let list: Vec<_> = timelines(video).collect();
    if list.is_empty() {
        return;
    }
    let ends = list.iter().flat_map(|(_, t)| &t.segments).map(|s| s.end);
    let duration = video.duration.unwrap_or_else(|| ends.fold(0.0, f64::max));
    out.push_str("<div class=\"tracks\">\n");
    for (analysis, tl) in list {
        put!(
            out,
            "<div class=\"track\"><div class=\"track-name\">{} <span>{}</span></div>\
             <div class=\"timeline\" data-duration=\"{}\">",
            Esc(analysis),
            Esc(&tl.definition),
            html::secs(duration)
        );
        for (i, s) in tl.segments.iter().enumerate() {
            let label = label(s, &tl.definition, i);
            put!(
                out,
                "<button type=\"button\" class=\"seg\" data-start=\"{}\" data-end=\"{}\" title=\"{} – {} · {}\">\
                 <span class=\"seg-label\">{}</span>",
                html::secs(s.start),
                html::secs(s.end),
                html::clock(s.start),
                html::clock(s.end),
                Esc(&label),
                Esc(&label)
            );
            for (field, events) in &s.events {
                for e in events {
                    put!(
                        out,
                        "<span class=\"event\" data-start=\"{}\" data-end=\"{}\" title=\"{} · {} – {}\"></span>",
                        html::secs(e.start),
                        html::secs(e.end),
                        Esc(field),
                        html::clock(e.start),
                        html::clock(e.end)
                    );
                }
            }
            out.push_str("</button>");
        }
        out.push_str("<span class=\"playhead\"></span></div></div>\n");
    }
    put!(
        out,
        "<div class=\"track scale\"><span></span><div class=\"ticks\"><span>0:00</span><span>{}</span></div></div>\n",
        html::clock(duration)
    );
    out.push_str("</div>\n");
}

/// Each analysis with its status, linking to its section.
fn contents(out: &mut String, video: &VideoView) {
    out.push_str("<nav class=\"toc\"><h2>Analyses</h2><ul>");
    for t in &video.tasks {
        let truncated = t.result.as_ref().is_some_and(|r| r.truncated);
        let (class, word) = html::badge(&t.status, truncated);
        put!(
            out,
            "<li><a href=\"#analysis-{}\">{}</a><span class=\"badge {class}\">{word}</span></li>",
            Esc(&t.analysis),
            Esc(&t.analysis)
        );
    }
    out.push_str("</ul></nav>\n");
}

fn facts(out: &mut String, dir: &Path, video: &VideoView) {
    out.push_str("<dl class=\"facts\">");
    match &video.source {
        Source::File { path, written, .. } => {
            put!(out, "<dt>File</dt><dd><a href=\"{}\">{}</a></dd>", Esc(&href(dir, path)), Esc(written));
        }
        Source::Url(u) if playable_origin(u).is_some() => {
            put!(out, "<dt>URL</dt><dd><a href=\"{}\" rel=\"noreferrer\">{}</a></dd>", Esc(u), Esc(u));
        }
        Source::Url(u) => put!(out, "<dt>URL</dt><dd>{}</dd>", Esc(u)),
        Source::AssetId(a) => put!(out, "<dt>Asset</dt><dd><code>{}</code></dd>", Esc(a)),
        Source::VideoId(v) => put!(out, "<dt>Video id</dt><dd><code>{}</code></dd>", Esc(v)),
    }
    if let Some(d) = video.duration {
        put!(out, "<dt>Duration</dt><dd>{}</dd>", html::clock(d));
    }
    if let Some(m) = &video.media {
        put!(out, "<dt>Size</dt><dd>{}×{}</dd>", m.width, m.height);
    }
    out.push_str("</dl>\n");
}

fn analysis(out: &mut String, site: &Site<'_>, dir: &Path, video: &VideoView, task: &TaskView) {
    let truncated = task.result.as_ref().is_some_and(|r| r.truncated);
    let (class, word) = html::badge(&task.status, truncated);
    put!(
        out,
        "<section class=\"analysis\" id=\"analysis-{}\"><header><h2>{}</h2><span class=\"badge {class}\">{word}</span></header>\n",
        Esc(&task.analysis),
        Esc(&task.analysis)
    );
    meta_line(out, dir, task);
    let Some(result) = &task.result else {
        if let Some(why) = html::no_result_reason(&task.status) {
            put!(out, "<p class=\"why {class}\">{}</p>\n", Esc(&why));
        }
        out.push_str("</section>\n");
        return;
    };
    if result.truncated {
        put!(
            out,
            "<p class=\"why truncated\">Cut at max_tokens (finish_reason: {}): the result may be incomplete.</p>\n",
            Esc(&result.finish_reason)
        );
    }
    match &result.body {
        Body::Text(text) => {
            out.push_str("<div class=\"text\">");
            html::paragraphs(out, text);
            out.push_str("</div>\n");
        }
        Body::Json(value) => {
            out.push_str("<div class=\"json\">");
            html::json(out, value);
            let raw = serde_json::to_string_pretty(value).unwrap_or_default();
            put!(out, "</div>\n<details class=\"raw\"><summary>JSON</summary><pre>{}</pre></details>\n", Esc(&raw));
        }
        Body::Segments(list) => {
            for tl in list {
                segment_table(out, site, dir, video, tl);
            }
        }
        Body::Unparsed { text, reason } => {
            put!(out, "<p class=\"why failed\">Not valid JSON: {}</p><pre>{}</pre>\n", Esc(reason), Esc(text));
        }
    }
    out.push_str("</section>\n");
}

/// Tokens, billable minutes, task id and output links of a task, on one line.
fn meta_line(out: &mut String, dir: &Path, task: &TaskView) {
    let mut parts = Vec::new();
    if let Some(r) = &task.result {
        let tokens = r.input_tokens.unwrap_or(0) + r.output_tokens;
        parts.push(format!(
            "<span title=\"{} in, {} out\">{}</span>",
            r.input_tokens.map_or_else(|| "?".to_owned(), |n| n.to_string()),
            r.output_tokens,
            html::count(tokens, "token")
        ));
    }
    if let Some(s) = task.billable_seconds {
        parts.push(format!("{:.2} billable min", s / 60.0));
    }
    if let Some(id) = &task.task_id {
        parts.push(format!("task <code>{}</code>", Esc(id)));
    }
    if !task.outputs.is_empty() {
        let links: Vec<String> = task
            .outputs
            .iter()
            .map(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                format!("<a href=\"{}\">{}</a>", Esc(&href(dir, p)), Esc(&name))
            })
            .collect();
        parts.push(format!("outputs: {}", links.join(", ")));
    }
    if !parts.is_empty() {
        put!(out, "<p class=\"meta\">{}</p>\n", parts.join(" · "));
    }
}

/// A definition's segments as a table: frame, times, then one column per field.
fn segment_table(out: &mut String, site: &Site<'_>, dir: &Path, video: &VideoView, tl: &Timeline) {
    let n = tl.segments.len();
    put!(out, "<h3>{} <small>{}</small></h3>\n", Esc(&tl.definition), html::count(n as u64, "segment"));
    if n == 0 {
        return;
    }
    let mut columns: Vec<&str> = Vec::new();
    for (k, _) in tl.segments.iter().flat_map(|s| &s.fields) {
        if !columns.contains(&k.as_str()) {
            columns.push(k);
        }
    }
    let with_events = tl.segments.iter().any(|s| !s.events.is_empty());
    out.push_str("<div class=\"scroll\"><table class=\"segments\"><thead><tr><th></th><th>Time</th>");
    for c in &columns {
        put!(out, "<th>{}</th>", Esc(c));
    }
    if with_events {
        out.push_str("<th>Events</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    for s in &tl.segments {
        put!(
            out,
            "<tr class=\"segment\" data-start=\"{}\" data-end=\"{}\"><td class=\"frame\">",
            html::secs(s.start),
            html::secs(s.end)
        );
        match site.frame(dir, video, s.start) {
            Some(src) => put!(
                out,
                "<img class=\"thumb\" src=\"{}\" alt=\"Frame at {}\" width=\"120\">",
                Esc(&src),
                html::clock(s.start)
            ),
            None => out.push_str("<span class=\"nothumb\"></span>"),
        }
        put!(
            out,
            "</td><td class=\"time\"><button type=\"button\" class=\"seek\" data-start=\"{}\">▶ {}</button>\
             <span class=\"to\">to {}</span></td>",
            html::secs(s.start),
            html::clock(s.start),
            html::clock(s.end)
        );
        for c in &columns {
            out.push_str("<td>");
            match s.fields.iter().find(|(k, _)| k == c) {
                Some((_, v)) => html::json(out, v),
                None => out.push_str("<span class=\"null\">–</span>"),
            }
            out.push_str("</td>");
        }
        if with_events {
            out.push_str("<td>");
            events(out, s);
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

/// A segment's `time_array` events: each a seek button with its fields.
fn events(out: &mut String, s: &Segment) {
    out.push_str("<ul class=\"events\">");
    for (field, list) in &s.events {
        for e in list {
            put!(
                out,
                "<li><button type=\"button\" class=\"seek\" data-start=\"{}\">{} {}</button> ",
                html::secs(e.start),
                Esc(field),
                html::clock(e.start)
            );
            let fields: serde_json::Map<String, serde_json::Value> = e.fields.iter().cloned().collect();
            html::json(out, &serde_json::Value::Object(fields));
            out.push_str("</li>");
        }
    }
    out.push_str("</ul>");
}
