//! Token estimates and `max_tokens` bounds (REQ-PROMPT-2, REQ-TOKENS-1).

/// Estimated tokens of a text: `ceil(utf8_bytes / 4)` (REQ-PROMPT-2, OQ-8).
pub fn est_tokens(s: &str) -> u64 {
    (s.len() as u64).div_ceil(4)
}

/// Most tokens a prompt text may have (REQ-PROMPT-2, VAL-22) [seed].
pub const PROMPT_TOKEN_LIMIT: u64 = 2_000;

/// Inclusive `max_tokens` bounds and the default for a model and analysis mode
/// (REQ-TOKENS-1) [seed].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBounds {
    /// Smallest accepted value (tokens).
    pub min: u64,
    /// Largest accepted value (tokens).
    pub max: u64,
    /// Value the API applies when `max_tokens` is absent (tokens).
    pub default: u64,
}

/// Bounds for `model` (`pegasus1.2` | `pegasus1.5`) and `mode` (`general` |
/// `time_based_metadata`); `None` for a combination the contract does not allow.
pub fn max_tokens_bounds(model: &str, mode: &str) -> Option<TokenBounds> {
    match (model, mode) {
        ("pegasus1.2", "general") => Some(TokenBounds { min: 1, max: 4_096, default: 4_096 }),
        ("pegasus1.5", "general") => Some(TokenBounds { min: 512, max: 65_536, default: 4_096 }),
        ("pegasus1.5", "time_based_metadata") => Some(TokenBounds { min: 2_048, max: 65_536, default: 32_768 }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn est_tokens_rounds_up_on_utf8_bytes() {
        assert_eq!(est_tokens(""), 0);
        assert_eq!(est_tokens("abcd"), 1);
        assert_eq!(est_tokens("abcde"), 2);
        // "é" is two bytes in UTF-8.
        assert_eq!(est_tokens("ééé"), 2);
    }

    #[test]
    fn bounds_follow_req_tokens_1() {
        assert_eq!(max_tokens_bounds("pegasus1.2", "general").map(|b| b.max), Some(4_096));
        assert_eq!(max_tokens_bounds("pegasus1.5", "general").map(|b| b.min), Some(512));
        assert_eq!(max_tokens_bounds("pegasus1.5", "time_based_metadata").map(|b| b.default), Some(32_768));
        assert_eq!(max_tokens_bounds("pegasus1.2", "time_based_metadata"), None);
    }
}
