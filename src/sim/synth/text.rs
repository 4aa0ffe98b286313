//! The free-text output of `general` mode without `response_format` (RES-1, SIM-OUT-2).

use super::rng::SynthRng;
use crate::contract::est_tokens;

/// Most characters (Unicode scalar values) of the prompt quoted (SIM-OUT-2).
const QUOTE_CHARS: usize = 60;
/// The filler stops once the text reaches a seeded target in this range of
/// est_tokens; with the bounded header and quote the total stays within 40–400
/// (SIM-OUT-2).
const TARGET_TOKENS: (i64, i64) = (60, 300);

/// Neutral sentences: they describe the simulator, never the video (SIM-NEVER-1).
const FILLER: &[&str] = &[
    "This text was produced by the vidflow simulator; no video was analysed.",
    "Nothing here describes the video: no frames, audio or speech were inspected.",
    "The simulator only knows the video's duration, which it states above.",
    "The same request, media and seed always produce exactly these words.",
    "Use this reply to exercise workflows, templates and error handling offline.",
    "Run the workflow against the real API to obtain an actual analysis.",
    "Its length varies with the seed so that templates meet short and long answers.",
    "Any resemblance between this paragraph and the video is coincidental.",
];

/// The text for a video of `duration` seconds and `prompt`: the marker sentence
/// `[simulated] Synthetic response for a <d> s video.` (d as Rust's shortest `f64`
/// display), a quote of at most 60 characters of the prompt, then seeded filler,
/// 40–400 est_tokens in all.
pub(crate) fn general_text(prompt: &str, duration: f64, rng: &mut SynthRng) -> String {
    let mut out = format!("[simulated] Synthetic response for a {duration} s video.");
    out.push_str(" The request asked: \"");
    out.push_str(&quote(prompt));
    out.push_str("\".");
    let target = rng.range_i64(TARGET_TOKENS.0, TARGET_TOKENS.1) as u64;
    while est_tokens(&out) < target {
        out.push(' ');
        out.push_str(rng.pick(FILLER).copied().unwrap_or_default());
    }
    out
}

/// The prompt on one line, cut to [`QUOTE_CHARS`] characters (the last one `…` when
/// cut), so the quote never exceeds the limit.
fn quote(prompt: &str) -> String {
    let flat = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= QUOTE_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(QUOTE_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_the_marker_and_stays_in_token_range() {
        for (seed, duration, prompt) in [
            (0u8, 5.312, "Summarise the video."),
            (1, 60.0, "x"),
            (2, 7200.0, &"é".repeat(2_000) as &str),
            (3, f64::MAX, "a\n\tb"),
        ] {
            let mut rng = SynthRng::new([seed; 32]);
            let t = general_text(prompt, duration, &mut rng);
            assert!(t.starts_with(&format!("[simulated] Synthetic response for a {duration} s video.")));
            assert!((40..=400).contains(&est_tokens(&t)), "{} tokens", est_tokens(&t));
        }
        let t = general_text("p", 60.0, &mut SynthRng::new([0; 32]));
        assert!(t.starts_with("[simulated] Synthetic response for a 60 s video."));
    }

    #[test]
    fn quotes_at_most_sixty_characters() {
        assert_eq!(quote("  Describe\n the  scene "), "Describe the scene");
        let long = "ü".repeat(100);
        let q = quote(&long);
        assert_eq!(q.chars().count(), 60);
        assert!(q.ends_with('…'));
        assert_eq!(quote(&"a".repeat(60)), "a".repeat(60));
    }
}
