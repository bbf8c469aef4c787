//! Password hashing (argon2id, OWASP parameters, PHC strings) and the password
//! policy (NIST 800-63B: 8–128 characters, no composition rules, no truncation,
//! common passwords refused).
//!
//! Hashing is CPU-bound (~tens of ms), so it runs on the blocking pool, never on
//! the async executor.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::ApiError;
use crate::secret::Secret;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// argon2id, m = 19 MiB, t = 2, p = 1 (OWASP's recommended minimum).
fn argon2() -> Argon2<'static> {
    // These constant parameters are within argon2's bounds; `Params::DEFAULT`
    // is the same set and is the fallback should that ever change.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password with the same parameters, verified against when
/// the user does not exist so that unknown users cost the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$yBsh9QoFE1ihBVO2y7+VVNUSTcOnHAGB+KbPCA5NyeQ";

/// Hashes a password into a PHC string.
pub async fn hash(password: Secret) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose())).await.map_err(ApiError::internal)?
}

pub fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("argon2 hash failed: {e}")))
}

/// Checks a password against a stored PHC string, or against a dummy hash when
/// there is none, so that both paths take the same time. A malformed stored hash
/// counts as a mismatch.
pub async fn verify(password: Secret, stored: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || verify_blocking(password.expose(), stored.as_deref()))
        .await
        .map_err(ApiError::internal)
}

pub fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let known = stored.is_some();
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(DUMMY_HASH)) else {
        return false;
    };
    // Verify with the parameters stored in the hash (they may be stronger).
    let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    known && matches
}

/// Whether `password` is among the 30,000 most common passwords (case-insensitive).
pub fn is_common(password: &str) -> bool {
    // Sorted in byte order, one password per line; split once, on first use.
    static LINES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let lines = LINES.get_or_init(|| include_str!("../data/common-passwords.txt").lines().collect());
    lines.binary_search(&password.to_lowercase().as_str()).is_ok()
}

/// The policy for a new password: 8–128 characters (Unicode scalar values, any
/// characters, spaces included), not a common password, not the username.
pub fn check_policy(password: &str, username: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!("must be at least {MIN_CHARS} characters"));
    }
    if chars > MAX_CHARS {
        return Err(format!("must be at most {MAX_CHARS} characters"));
    }
    if is_common(password) {
        return Err("is too common; choose a less predictable password".into());
    }
    if !username.is_empty() && password.to_lowercase() == username.to_lowercase() {
        return Err("must not be the username".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_with_owasp_parameters_and_verify() {
        let phc = hash_blocking("correct horse battery staple").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking("correct horse battery staple", Some(&phc)));
        assert!(!verify_blocking("correct horse battery stapl", Some(&phc)));
    }

    #[test]
    fn no_truncation_long_passwords_differ_in_their_last_character() {
        let a = "x".repeat(127) + "a";
        let phc = hash_blocking(&a).expect("hash");
        assert!(!verify_blocking(&("x".repeat(127) + "b"), Some(&phc)));
    }

    #[test]
    fn unknown_user_never_verifies_even_with_the_dummy_password() {
        assert!(!verify_blocking("anything", None));
        assert!(!verify_blocking("anything", Some("not a phc string")));
    }

    #[test]
    fn the_dummy_hash_uses_the_same_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("valid PHC");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let fresh = hash_blocking("x").expect("hash");
        let fresh = PasswordHash::new(&fresh).expect("valid PHC");
        assert_eq!(parsed.params, fresh.params);
    }

    #[test]
    fn policy_follows_nist_800_63b() {
        assert!(check_policy("short", "bob").is_err());
        assert!(check_policy("password1", "bob").unwrap_err().contains("common"));
        assert!(check_policy("PassWord1", "bob").unwrap_err().contains("common"));
        assert!(check_policy(&"a".repeat(129), "bob").is_err());
        assert!(check_policy(&"ä".repeat(128), "bob").is_ok(), "128 characters, not bytes");
        assert!(check_policy("only lower case words here", "bob").is_ok(), "no composition rules");
        assert!(check_policy("bobthebuilder", "bobthebuilder").is_err());
        assert!(check_policy("tr0ub4dor&3-horse", "bob").is_ok());
    }

    #[test]
    fn the_common_list_is_sorted_and_large() {
        let list = include_str!("../data/common-passwords.txt");
        let lines: Vec<_> = list.lines().collect();
        assert!(lines.len() >= 10_000);
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        assert!(is_common("123456") && is_common("qwerty") && is_common("Dragon"));
    }
}
