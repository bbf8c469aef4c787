//! The one rule for short single-line text: display names, product names and
//! search terms.

/// `raw` trimmed, if it has 1 to `max` characters and no control characters.
pub(super) fn short_text(raw: &str, max: usize) -> Result<&str, String> {
    let text = raw.trim();
    let len = text.chars().count();
    if len == 0 || len > max {
        return Err(format!("must be 1 to {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_trimmed_bounded_and_single_line() {
        assert_eq!(short_text("  a b ", 3), Ok("a b"));
        assert_eq!(short_text(" ", 3), Err("must be 1 to 3 characters".to_owned()));
        assert_eq!(short_text("abcd", 3), Err("must be 1 to 3 characters".to_owned()));
        assert_eq!(short_text("a\nb", 3), Err("must not contain control characters".to_owned()));
    }
}
