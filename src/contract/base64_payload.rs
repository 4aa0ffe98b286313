//! Inline base64 payloads: `video.base64_string` (VAL-9) and media sources (VAL-24).

/// Largest decoded payload, bytes: "30 MB" read as 30 MiB (REQ-VIDEO-1, OQ-6) [choice].
pub const MAX_BASE64_DECODED_BYTES: u64 = 31_457_280;

/// Checks a base64 payload: standard alphabet (`A-Z a-z 0-9 + /`), padding optional
/// but correct when present, no whitespace. Returns the decoded size in bytes, or the
/// reason it is invalid. Non-zero trailing bits are tolerated, as most decoders do.
pub(crate) fn decoded_len(s: &str) -> Result<u64, String> {
    let bytes = s.as_bytes();
    let core_len = bytes.len() - bytes.iter().rev().take_while(|b| **b == b'=').count();
    let (core, pad) = bytes.split_at(core_len);
    if let Some((i, b)) =
        core.iter().enumerate().find(|(_, b)| !(b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/'))
    {
        let shown = s.get(i..).and_then(|t| t.chars().next()).unwrap_or('?');
        let what = if *b == b'=' { "misplaced padding" } else { "invalid character" };
        return Err(format!("is not valid base64: {what} {shown:?} at byte {i}"));
    }
    let rem = core.len() % 4;
    if rem == 1 {
        return Err(format!("is not valid base64: {} characters cannot encode whole bytes", core.len()));
    }
    if !pad.is_empty() && (rem == 0 || pad.len() != 4 - rem) {
        return Err(format!("is not valid base64: wrong padding ({} '=' after {} characters)", pad.len(), core.len()));
    }
    let whole = (core.len() / 4) as u64 * 3;
    let tail = match rem {
        2 => 1,
        3 => 2,
        _ => 0,
    };
    Ok(whole + tail)
}

/// Checks validity and the 30 MiB cap; the reason when either fails.
pub(crate) fn check_payload(s: &str) -> Result<(), String> {
    let n = decoded_len(s)?;
    if n > MAX_BASE64_DECODED_BYTES {
        return Err(format!("decodes to {n} bytes, more than {MAX_BASE64_DECODED_BYTES} (30 MiB)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_standard_alphabet_with_optional_padding() {
        assert_eq!(decoded_len("aGVsbG8="), Ok(5));
        assert_eq!(decoded_len("aGVsbG8"), Ok(5));
        assert_eq!(decoded_len("aGVsbA=="), Ok(4));
        assert_eq!(decoded_len("aGVsbA"), Ok(4));
        assert_eq!(decoded_len("aGVs"), Ok(3));
        assert_eq!(decoded_len("+/+/"), Ok(3));
    }

    #[test]
    fn rejects_bad_characters_and_padding() {
        for bad in ["aGV sbG8=", "aGVs-G8=", "aGVsb", "aGVs=", "aGVsbG8===", "aG=Vs", "aGVsbA="] {
            assert!(decoded_len(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cap_is_30_mib_decoded() {
        let at_cap = "A".repeat(31_457_280 / 3 * 4);
        assert_eq!(check_payload(&at_cap), Ok(()));
        let over = format!("{at_cap}AAAA");
        assert!(check_payload(&over).unwrap_err().contains("31457283 bytes"));
    }
}
