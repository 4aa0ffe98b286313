//! Absolute http(s) URL checks for `video.url` (VAL-8) and media sources (VAL-24).

/// Checks that `s` is an absolute URL with scheme `https` (or `http` unless
/// `https_only`) and a non-empty host, without whitespace or control characters.
/// Returns the reason when it is not.
pub(crate) fn check_url(s: &str, https_only: bool) -> Result<(), String> {
    let expected = if https_only { "an absolute https:// URL" } else { "an absolute http(s) URL" };
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("must be {expected}, found {c:?}"));
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!("must be {expected}"));
    };
    let scheme = scheme.to_ascii_lowercase();
    let scheme_ok = scheme == "https" || (!https_only && scheme == "http");
    if !scheme_ok {
        return Err(format!("must be {expected}, got scheme {scheme:?}"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err(format!("must be {expected}, the host is empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_absolute_http_urls() {
        for ok in [
            "https://cdn.example.com/a.mp4",
            "HTTP://example.com",
            "https://user@[::1]:8443/x?y#z",
            "http://127.0.0.1:8080/v.mp4",
        ] {
            assert_eq!(check_url(ok, false), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_relative_or_other_schemes() {
        for bad in [
            "cdn.example.com/a.mp4",
            "ftp://example.com/a.mp4",
            "https:///a.mp4",
            "https://exa mple.com/",
            "/a.mp4",
            "",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://example.com/l.png", true).is_err());
        assert!(check_url("https://example.com/l.png", true).is_ok());
    }
}
