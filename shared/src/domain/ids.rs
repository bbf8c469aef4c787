//! Opaque ids as clients send them, shared by every domain.

use serde::Serialize;
use serde_json::Value;

use super::json::string;

/// An opaque id as clients send it (product ids in order lines, path ids):
/// 1–64 characters of `[A-Za-z0-9_-]`. Anything else cannot name a stored item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ItemId(String);

impl ItemId {
    pub const MAX: usize = 64;

    pub fn parse(value: &Value) -> Result<Self, String> {
        Self::parse_str(string(value)?)
    }

    pub fn parse_str(raw: &str) -> Result<Self, String> {
        if raw.is_empty() || raw.len() > Self::MAX {
            return Err(format!("must be 1 to {} characters", Self::MAX));
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err("may contain only letters, digits, '-' and '_'".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_opaque_but_bounded() {
        assert!(ItemId::parse(&json!("3f2a-b_9")).is_ok());
        for bad in [json!(""), json!("a#b"), json!("x".repeat(65)), json!(7), json!("../x")] {
            assert!(ItemId::parse(&bad).is_err(), "{bad} accepted");
        }
    }
}
