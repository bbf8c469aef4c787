//! The rules for text people read: display names, product names and
//! descriptions, search terms.
//!
//! Beyond length and control characters, text must not be able to lie about
//! itself when shown (spoofing):
//!
//! - no bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/F,
//!   U+061C): they reorder what follows, so `"txt.exe"` can display as
//!   `"exe.txt"` ("Trojan Source", CVE-2021-42574);
//! - no invisible format characters (zero-width space, word joiner, soft
//!   hyphen, BOM, Hangul fillers, tag characters, ...) — except the zero-width
//!   joiner and non-joiner, which Persian, Indic scripts and emoji need;
//! - at least one visible character: a name of only blanks, joiners or
//!   combining marks is refused;
//! - no word that mixes Latin letters with Cyrillic or Greek ones, the
//!   look-alikes of confusable spoofing (`"Аdmin"` with a Cyrillic `А`). Text
//!   wholly in one of these scripts, or mixing them across words, is fine.

/// Bidirectional formatting characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Zero-width joiner and non-joiner: invisible, but needed by some scripts.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// Characters that render as nothing (Unicode format characters and the
/// fillers that look blank), bidi controls and joiners aside.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'
            | '\u{2060}'..='\u{2065}'
            | '\u{206A}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Combining marks and variation selectors: visible only on something else.
fn is_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FE20}'..='\u{FE2F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_bidi_control(c) && !is_joiner(c) && !is_invisible(c) && !is_mark(c)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
}

/// The script of a letter, for the three whose letters are confused.
fn script(c: char) -> Option<Script> {
    match c {
        'a'..='z' | 'A'..='Z' => Some(Script::Latin),
        '\u{00C0}'..='\u{024F}' if c.is_alphabetic() => Some(Script::Latin),
        '\u{1E00}'..='\u{1EFF}' => Some(Script::Latin),
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' if c.is_alphabetic() => Some(Script::Greek),
        '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}' => {
            Some(Script::Cyrillic)
        }
        _ => None,
    }
}

/// The spoofing rules above, for text already trimmed and bounded.
pub(super) fn honest_text(text: &str) -> Result<(), String> {
    if text.chars().any(is_bidi_control) {
        return Err("must not contain bidirectional control characters".into());
    }
    if text.chars().any(is_invisible) {
        return Err("must not contain invisible characters".into());
    }
    if !text.chars().any(is_visible) {
        return Err("must contain at least one visible character".into());
    }
    for word in text.split_whitespace() {
        let mut scripts = word.chars().filter_map(script);
        if let Some(first) = scripts.next() {
            if scripts.any(|other| other != first) {
                return Err("must not mix Latin letters with look-alike Cyrillic or Greek ones in a word".into());
            }
        }
    }
    Ok(())
}

/// `raw` trimmed, if it has 1 to `max` characters, no control characters and
/// passes [`honest_text`].
pub(super) fn short_text(raw: &str, max: usize) -> Result<&str, String> {
    let text = raw.trim();
    let len = text.chars().count();
    if len == 0 || len > max {
        return Err(format!("must be 1 to {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    honest_text(text)?;
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

    #[test]
    fn bidi_controls_are_refused_anywhere() {
        for spoof in ["Ann\u{202E}gpj.exe", "\u{2066}Bob\u{2069}", "a\u{200F}b", "x\u{061C}y"] {
            assert!(honest_text(spoof).unwrap_err().contains("bidirectional"), "{spoof:?}");
        }
    }

    #[test]
    fn invisible_only_or_invisible_inside_is_refused() {
        for blank in ["\u{200B}", "\u{200D}\u{200C}", "\u{3164}", "\u{2800}", "\u{0301}", "\u{FE0F}"] {
            assert!(honest_text(blank).is_err(), "{blank:?} accepted");
        }
        assert!(honest_text("ad\u{200B}min").unwrap_err().contains("invisible"));
        assert!(honest_text("a\u{00AD}b").is_err(), "soft hyphen");
        assert!(honest_text("tag\u{E0041}").is_err(), "tag character");
    }

    #[test]
    fn mixed_latin_and_look_alike_scripts_in_one_word_are_refused() {
        assert!(honest_text("\u{0410}dmin").unwrap_err().contains("look-alike")); // Cyrillic А + Latin
        assert!(honest_text("p\u{0430}ypal").is_err()); // Cyrillic а inside
        assert!(
            honest_text("\u{03A9}\u{03BC}\u{03AD}\u{03B3}\u{03B1} Omega").is_ok(),
            "scripts may differ across words"
        );
        assert!(honest_text("Omeg\u{03B1}").is_err()); // Greek α inside a Latin word
    }

    #[test]
    fn real_names_in_any_script_pass() {
        for name in [
            "Ann Lee",
            "José Núñez-García",
            "Zoë O'Brien",
            "Дмитрий Иванов",
            "Γιώργος Παπαδόπουλος",
            "山田 太郎",
            "محمد\u{200C}رضا",
            "👩\u{200D}💻 Dev",
            "Smith & Sons, 2nd ed.",
        ] {
            assert_eq!(honest_text(name), Ok(()), "{name:?}");
        }
    }
}
