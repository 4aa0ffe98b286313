//! One diagnostic type for everything wrong in a workflow, rendered like a
//! compiler's: `error[RULE]: message`, `--> file:line:col`, the line, a caret, a hint.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Rule ID (`VAL-27`, `MEDIA-1`, `WF-UNKNOWN-KEY`, ...), if one applies.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Where: the file, 1-based line and column; `None` when not tied to a place.
    pub location: Option<Location>,
    /// What to do about it ("did you mean `temperature`?").
    pub hint: Option<String>,
}

/// A place in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as given by the user.
    pub file: PathBuf,
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in characters.
    pub column: u64,
    /// Characters to underline (at least 1).
    pub len: u64,
    /// The text of the line, for the snippet.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with no place.
    pub fn new(rule: Option<&str>, message: impl Into<String>) -> Self {
        Self { rule: rule.map(str::to_owned), message: message.into(), location: None, hint: None }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Places the diagnostic at `line`:`column` of `file`, whose text is `source`.
    pub fn at(mut self, file: &Path, source: &str, line: u64, column: u64, len: u64) -> Self {
        let source_line = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| source.lines().nth(l))
            .map(str::to_owned);
        self.location = Some(Location { file: file.to_owned(), line, column, len: len.max(1), source_line });
        self
    }

    /// Sort key: file, line, column, then message, so output is stable.
    pub fn sort_key(&self) -> (Option<&Path>, u64, u64, &str) {
        match &self.location {
            Some(l) => (Some(l.file.as_path()), l.line, l.column, &self.message),
            None => (None, 0, 0, &self.message),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(rule) => writeln!(f, "error[{rule}]: {}", self.message)?,
            None => writeln!(f, "error: {}", self.message)?,
        }
        if let Some(loc) = &self.location {
            let num = loc.line.to_string();
            let pad = " ".repeat(num.len());
            writeln!(f, "{pad}--> {}:{}:{}", loc.file.display(), loc.line, loc.column)?;
            if let Some(text) = &loc.source_line {
                let col = usize::try_from(loc.column.saturating_sub(1)).unwrap_or(0);
                // Keep tabs so the caret lines up under them.
                let lead: String = text.chars().take(col).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                let avail = text.chars().count().saturating_sub(col).max(1);
                let len = usize::try_from(loc.len).unwrap_or(1).clamp(1, avail);
                writeln!(f, "{pad} |")?;
                writeln!(f, "{num} | {text}")?;
                writeln!(f, "{pad} | {lead}{}", "^".repeat(len))?;
            }
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// The closest of `candidates` to `word` by edit distance, if close enough to be a
/// likely typo (distance ≤ 1/3 of the length, at least 1).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance counting an insertion, a deletion, a substitution or a swap of two
/// neighbouring characters as one edit (optimal string alignment), so `modle` is
/// one edit from `model`.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows: Vec<Vec<usize>> =
        (0..=a.len()).map(|i| (0..=b.len()).map(|j| if i == 0 { j } else { i }).collect()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_a_compiler() {
        let src = "version: 1\nanalyses:\n  - id: a\n    temperature: 1.5\n";
        let d = Diagnostic::new(Some("VAL-27"), "temperature must be between 0 and 1, got 1.5")
            .at(Path::new("wf.yaml"), src, 4, 18, 3)
            .with_hint("use a value from 0 to 1");
        assert_eq!(
            d.to_string(),
            "error[VAL-27]: temperature must be between 0 and 1, got 1.5\n \
             --> wf.yaml:4:18\n  |\n4 |     temperature: 1.5\n  |                  ^^^\n  = hint: use a value from 0 to 1\n"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        let keys = ["temperature", "max_tokens", "prompt"];
        assert_eq!(did_you_mean("temprature", keys), Some("temperature"));
        assert_eq!(did_you_mean("promt", keys), Some("prompt"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(did_you_mean("modle", ["model", "mode"]), Some("model"));
    }
}
