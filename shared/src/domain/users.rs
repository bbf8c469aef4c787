//! The users domain: roles, usernames, e-mail addresses and display names.

use serde::{Deserialize, Serialize};

use super::text::short_text;

/// A user's role. Role checks live in the functions, not in the authorizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::User => "user",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Self::Admin),
            "user" => Ok(Self::User),
            other => Err(format!("unknown role {other:?}: expected \"admin\" or \"user\"")),
        }
    }
}

/// A username: 3–32 characters of `[a-z0-9_.-]`, stored lower-case, so `Admin`
/// and `admin` are one name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 3;
    pub const MAX: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let lower = raw.to_lowercase();
        let len = lower.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&len) {
            return Err(format!("must be {} to {} characters", Self::MIN, Self::MAX));
        }
        if !lower.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-')) {
            return Err("may contain only letters a-z, digits, '_', '.' and '-'".into());
        }
        Ok(Self(lower))
    }

    /// The lookup form of a name typed at login: lower-cased, no rules applied
    /// (a name that breaks the rules simply matches no user).
    pub fn lookup_key(raw: &str) -> String {
        raw.to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address: trimmed, at most 254 characters, ASCII only, one `@`
/// with a local part of RFC 5322 `atext` and dots, and a dotted domain of
/// letters, digits and hyphens (an internationalised domain in its `xn--`
/// form). The domain is lower-cased. ASCII only, because a look-alike domain
/// (`exаmple.com` with a Cyrillic `а`) must not pass for another one; a
/// punycode domain shows what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() || value.chars().count() > 254 {
            return Err("must be 1 to 254 characters".into());
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces".into());
        }
        if !value.is_ascii() {
            return Err("must be ASCII (give an internationalised domain in its xn-- form)".into());
        }
        let (local, domain) = value.rsplit_once('@').ok_or("must contain '@'")?;
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
        let valid_local = !local.is_empty()
            && local.len() <= 64
            && local.split('.').all(|part| !part.is_empty() && part.chars().all(atext));
        let valid_label = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let valid_domain = domain.contains('.') && domain.split('.').all(valid_label);
        if !valid_local || !valid_domain {
            return Err("is not a valid e-mail address".into());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 1–100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FullName(String);

impl FullName {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        short_text(raw, Self::MAX).map(|name| Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse("Admin").expect("valid").as_str(), "admin");
        assert_eq!(Username::parse("a.b-c_9").expect("valid").as_str(), "a.b-c_9");
        for bad in ["ab", &"a".repeat(33), "has space", "émile", "semi;colon", ""] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn emails_are_checked_and_domains_lower_cased() {
        assert_eq!(Email::parse(" Ann@Example.COM ").expect("valid").as_str(), "Ann@example.com");
        assert_eq!(
            Email::parse("o'neil+tag@xn--bcher-kva.example").expect("valid").as_str(),
            "o'neil+tag@xn--bcher-kva.example"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@.com",
            "a b@c.com",
            "@c.com",
            "a@c..com",
            &format!("{}@c.com", "a".repeat(65)),
            "ann@ex\u{0430}mple.com",
            "\u{0430}nn@example.com",
            "ann@-example.com",
            "a..b@example.com",
            "ann@exam\u{200B}ple.com",
            "ann\u{202E}@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn roles_parse_only_known_values() {
        assert_eq!("admin".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
        assert!("Admin".parse::<Role>().is_err());
    }

    #[test]
    fn full_names_are_trimmed_and_bounded() {
        assert_eq!(FullName::parse("  Ann Lee ").expect("valid").as_str(), "Ann Lee");
        assert!(FullName::parse("   ").is_err());
        assert!(FullName::parse(&"x".repeat(101)).is_err());
        assert!(FullName::parse("a\u{0}b").is_err());
        assert!(FullName::parse("Ann\u{202E}nimda").is_err(), "bidi override");
        assert!(FullName::parse("\u{200B}\u{200B}").is_err(), "zero-width only");
        assert!(FullName::parse("\u{0410}dmin").is_err(), "Cyrillic А in a Latin word");
        assert_eq!(FullName::parse("Дмитрий Иванов").map(|n| n.as_str().to_owned()), Ok("Дмитрий Иванов".into()));
    }
}
