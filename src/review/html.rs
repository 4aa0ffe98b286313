//! HTML building blocks shared by the index and the video pages: escaping, the
//! page shell with its Content-Security-Policy, status badges, times, and JSON
//! rendered as readable HTML.
//!
//! Everything that comes from a workflow or a result is untrusted text and goes
//! through [`Esc`]; data reaches the page's script only through numeric
//! `data-start`/`data-end` attributes that vidflow formats itself.

use std::fmt::{self, Display};

use serde_json::Value;

use crate::plan::Status;

/// Text escaped for HTML content and for quoted attribute values: `&`, `<`, `>`,
/// `"` and `'`.
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// Appends formatted text to a page; writing to a `String` cannot fail.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        use ::std::fmt::Write as _;
        let _ = $out.write_fmt(format_args!($($arg)*));
    }};
}
pub(crate) use put;

/// What the page loads, beyond its own stylesheet, script and images.
pub struct Shell<'a> {
    /// `<title>`.
    pub title: &'a str,
    /// The way from the page to the site's root (`""` or `"../"`).
    pub root: &'a str,
    /// Origins media may come from (URL videos), besides the site itself and the
    /// `data:` URLs of chapter tracks.
    pub media_origins: &'a [String],
}

impl Shell<'_> {
    /// The document up to and including `<body>`. The policy allows only the
    /// site's own script, stylesheet and images, media from the site, `data:`
    /// (chapter tracks) and `media_origins`, and nothing else: no inline script, no
    /// network beyond the video URLs.
    pub fn open(&self, out: &mut String) {
        // Origins are serialised by the URL parser: no quotes, no `;`. Escaped all
        // the same, as everything in an attribute is.
        let origins: String = self.media_origins.iter().map(|o| format!(" {}", Esc(o))).collect();
        put!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; \
             style-src 'self'; img-src 'self'; media-src 'self' data:{origins}; base-uri 'none'; form-action 'none'\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"vidflow review\">\n\
             <title>{}</title>\n\
             <link rel=\"stylesheet\" href=\"{root}assets/review.css\">\n\
             <script src=\"{root}assets/review.js\" defer></script>\n</head>\n<body>\n",
            Esc(self.title),
            root = self.root,
        );
    }

    /// The end of the document.
    pub fn close(out: &mut String) {
        out.push_str("</body>\n</html>\n");
    }
}

/// The CSS class and the word of a task's status on the site.
pub fn badge(status: &Status, truncated: bool) -> (&'static str, &'static str) {
    match status {
        Status::Cached { .. } if truncated => ("truncated", "truncated"),
        Status::Cached { .. } => ("ready", "ready"),
        Status::Retry { .. } => ("failed", "failed"),
        Status::Rejected { .. } => ("rejected", "rejected"),
        Status::InFlight { .. } => ("inflight", "in flight"),
        Status::New | Status::Changed { .. } => ("none", "no result"),
    }
}

/// Why a task has no result, in words, or `None` when it has one.
pub fn no_result_reason(status: &Status) -> Option<String> {
    Some(match status {
        Status::Cached { .. } => return None,
        Status::Retry { error: Some(e) } => e.clone(),
        Status::Retry { error: None } => "the task failed (the server sent no message)".into(),
        Status::Rejected { reasons } => reasons.join("; "),
        Status::InFlight { task_id: Some(id), last_status } => format!("task {id} was {last_status} at the last run"),
        Status::InFlight { task_id: None, .. } => "created by a run that was interrupted".into(),
        Status::New => "not run yet".into(),
        Status::Changed { what } => format!("not run since the request changed ({})", what.join(", ")),
    })
}

/// A time for people: `m:ss.d` under an hour, `h:mm:ss` from an hour.
pub fn clock(seconds: f64) -> String {
    let tenths = (seconds.max(0.0) * 10.0).round() as u64;
    let s = tenths / 10;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}.{}", s / 60, s % 60, tenths % 10)
    }
}

/// Seconds for a `data-*` attribute: at most three decimals, no exponent.
pub fn secs(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() / 1000.0;
    format!("{ms}")
}

/// A count with its noun, e.g. `1 token`, `2,310 tokens`.
pub fn count(n: u64, noun: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Deepest JSON nesting rendered as HTML; deeper values are shown as JSON text.
const MAX_DEPTH: usize = 12;

/// `value` as readable HTML: objects as definition lists, lists of records as
/// tables, lists of scalars as chips, text as text.
pub fn json(out: &mut String, value: &Value) {
    json_at(out, value, 0);
}

fn json_at(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Null => out.push_str("<span class=\"null\">none</span>"),
        Value::Bool(b) => put!(out, "<span class=\"scalar\">{}</span>", if *b { "yes" } else { "no" }),
        Value::Number(n) => put!(out, "<span class=\"scalar\">{n}</span>"),
        Value::String(s) => put!(out, "<span class=\"text\">{}</span>", Esc(s)),
        _ if depth >= MAX_DEPTH => put!(out, "<code>{}</code>", Esc(&value.to_string())),
        Value::Array(items) if items.is_empty() => out.push_str("<span class=\"null\">none</span>"),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            list(out, "ul class=\"chips\"", items, depth);
        }
        Value::Array(items) if items.iter().all(Value::is_object) => records(out, items, depth),
        Value::Array(items) => list(out, "ol class=\"list\"", items, depth),
        Value::Object(map) if map.is_empty() => out.push_str("<span class=\"null\">none</span>"),
        Value::Object(map) => {
            out.push_str("<dl class=\"kv\">");
            for (k, v) in map {
                put!(out, "<dt>{}</dt><dd>", Esc(k));
                json_at(out, v, depth + 1);
                out.push_str("</dd>");
            }
            out.push_str("</dl>");
        }
    }
}

/// `items` as an HTML list; `open` is the list's tag with its attributes.
fn list(out: &mut String, open: &str, items: &[Value], depth: usize) {
    put!(out, "<{open}>");
    for item in items {
        out.push_str("<li>");
        json_at(out, item, depth + 1);
        out.push_str("</li>");
    }
    let name = open.split(' ').next().unwrap_or("ul");
    put!(out, "</{name}>");
}

/// A list of objects as a table, one column per key (in order of first use).
fn records(out: &mut String, items: &[Value], depth: usize) {
    let mut keys: Vec<&String> = Vec::new();
    for k in items.iter().filter_map(Value::as_object).flat_map(|m| m.keys()) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    out.push_str("<div class=\"scroll\"><table class=\"records\"><thead><tr>");
    for k in &keys {
        put!(out, "<th>{}</th>", Esc(k));
    }
    out.push_str("</tr></thead><tbody>");
    for item in items {
        out.push_str("<tr>");
        for k in &keys {
            out.push_str("<td>");
            match item.get(k.as_str()) {
                Some(v) => json_at(out, v, depth + 1),
                None => out.push_str("<span class=\"null\">–</span>"),
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// `text` as paragraphs (blank lines split them; single line breaks are kept).
pub fn paragraphs(out: &mut String, text: &str) {
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        put!(out, "<p class=\"prose\">{}</p>", Esc(para));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escaping_covers_content_and_both_quotes() {
        let s = Esc(r#"<script>alert("x")</script> & 'y' "z" onload="#).to_string();
        assert_eq!(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &quot;z&quot; onload=");
        assert_eq!(Esc("東京 — plain").to_string(), "東京 — plain");
    }

    #[test]
    fn json_is_rendered_with_every_string_escaped() {
        let mut out = String::new();
        json(
            &mut out,
            &json!({"<k>": "<script>x</script>", "tags": ["a\"b"], "rows": [{"n": 1}, {"m": null}], "deep": [[1], 2]}),
        );
        assert!(!out.contains("<script>") && !out.contains("<k>") && !out.contains("a\"b"), "{out}");
        assert!(out.contains("<dt>&lt;k&gt;</dt>"), "{out}");
        assert!(out.contains("<table class=\"records\"><thead><tr><th>n</th><th>m</th>"), "{out}");
        assert!(out.contains("<ol class=\"list\">"), "{out}");
    }

    #[test]
    fn times_and_counts_read_well() {
        assert_eq!(clock(2.31), "0:02.3");
        assert_eq!(clock(725.96), "12:06.0");
        assert_eq!(clock(3725.5), "1:02:05");
        assert_eq!(secs(21.8049), "21.805");
        assert_eq!(secs(4.0), "4");
        assert_eq!(count(1, "token"), "1 token");
        assert_eq!(count(1234567, "token"), "1,234,567 tokens");
    }
}
