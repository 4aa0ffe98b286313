//! `<@NAME>` placeholders in prompt text and definition descriptions
//! (REQ-PROMPT-V2-3, VAL-26).

use super::checker::Checker;

/// The distinct placeholder names in `text`, in order of first use. A placeholder
/// is `<@NAME>` with NAME `[A-Za-z0-9_-]{1,64}` [choice]; any other `<@…` is text.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<@") {
        let after = rest.get(at + 2..).unwrap_or("");
        let len = after.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-').count();
        let name = after.get(..len).unwrap_or("");
        if (1..=64).contains(&len) && after.as_bytes().get(len) == Some(&b'>') && !names.contains(&name) {
            names.push(name);
        }
        rest = after;
    }
    names
}

/// VAL-26: every placeholder in `text` (at `path`) must name a source of its own
/// list. `declared` is `None` when the list's names cannot be known (a source
/// without a usable name, already reported), and then nothing is checked.
pub(crate) fn check_placeholders(ck: &mut Checker<'_>, text: &str, declared: Option<&[String]>, path: &str) {
    let Some(declared) = declared else { return };
    for name in placeholders(text) {
        if declared.iter().any(|d| d == name) {
            continue;
        }
        let reason = if declared.is_empty() {
            format!("placeholder <@{name}> names no media source: this list declares none")
        } else {
            format!("placeholder <@{name}> names no media source of this list (declared: {})", declared.join(", "))
        };
        ck.invalid("VAL-26", path, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_distinct_placeholders_in_order() {
        assert_eq!(placeholders("Is <@logo> near <@car_1>? <@logo> again, <@ bad>, <@>, <@x"), ["logo", "car_1"]);
        assert_eq!(placeholders("<@<@a>>"), ["a"]);
        assert_eq!(placeholders(&format!("<@{}>", "a".repeat(65))), Vec::<&str>::new());
        assert_eq!(placeholders("é<@ü> <@b-2>"), ["b-2"]);
    }
}
