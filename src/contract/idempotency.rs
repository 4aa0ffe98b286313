//! The `Idempotency-Key` header (IDEM-2): VAL-49.

use super::violation::{Code, Violation};

/// Longest accepted key, characters (IDEM-2) [choice].
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// VAL-49: a key is 1-255 printable ASCII characters (0x21-0x7E), IDEM-2. Returns
/// the violation (field `Idempotency-Key`, 400 `parameter_invalid`) or `None`.
pub fn validate_idempotency_key(key: &str) -> Option<Violation> {
    let reason = if key.is_empty() {
        "must not be empty".to_string()
    } else if let Some((i, c)) = key.char_indices().find(|(_, c)| !('!'..='~').contains(c)) {
        format!("must be printable ASCII (0x21-0x7E), found {c:?} at byte {i}")
    } else if key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        format!("must be at most {MAX_IDEMPOTENCY_KEY_LEN} characters, got {}", key.len())
    } else {
        return None;
    };
    Some(Violation::new("VAL-49", "Idempotency-Key", Code::ParameterInvalid, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn val_49_keys() {
        let hex = "a".repeat(64);
        assert_eq!(validate_idempotency_key(&hex), None);
        assert_eq!(validate_idempotency_key(&"~".repeat(255)), None);
        for bad in ["", "has space", "tab\t", "ünï", &"a".repeat(256)] {
            let v = validate_idempotency_key(bad).unwrap();
            assert_eq!(
                (v.rule, v.field.as_str(), v.code, v.status),
                ("VAL-49", "Idempotency-Key", Code::ParameterInvalid, 400),
                "{bad:?}"
            );
        }
    }
}
