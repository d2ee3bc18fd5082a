//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes).
//! Hashing takes tens of milliseconds, so callers run it on the blocking pool.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

use crate::error::AppError;

pub fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Characters of a password the guessability estimate reads: enough to tell
/// a strong one, and it keeps the estimate's cost bounded.
const ESTIMATED_CHARS: usize = 100;

/// Why `password` is too easy to guess, if it is. zxcvbn's estimate (the
/// well-kept port of Dropbox's: dictionaries of common passwords, names and
/// words with their usual substitutions, keyboard patterns, repeats,
/// sequences, dates, and `hints` such as the user's own email and name) must
/// reach 3 of 4, "safely unguessable" by an online attack.
pub fn weakness(password: &str, hints: &[&str]) -> Option<String> {
    let password: String = password.chars().take(ESTIMATED_CHARS).collect();
    // Each hint whole, and its words: `ada.lovelace@example.com` gives
    // `ada.lovelace`, `ada` and `lovelace` too.
    let mut words: Vec<&str> = Vec::new();
    for hint in hints {
        words.push(hint);
        words.extend(hint.split('@').next());
        words.extend(
            hint.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 3),
        );
    }
    let estimate = zxcvbn::zxcvbn(&password, &words);
    if u8::from(estimate.score()) >= 3 {
        return None;
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    Some(format!(
        "is too easy to guess{why}; a few unrelated words make a strong one"
    ))
}

/// A hash to verify against when the email is unknown, so that a failed login
/// takes as long whether or not the account exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password, never matches").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_trivial_passwords_are_weak() {
        for weak in [
            "password1234",
            "aaaaaaaaaaaa",
            "qwertyuiop12",
            "000000000000",
            "iloveyou2024",
            "ada.lovelace1",
        ] {
            assert!(
                weakness(weak, &["ada.lovelace@example.com", "Ada Lovelace"]).is_some(),
                "{weak}"
            );
        }
        for strong in [
            "correct horse battery staple",
            "Tr0ub4dor&3xy",
            "contract-password-1",
        ] {
            assert_eq!(weakness(strong, &["ada@example.com"]), None, "{strong}");
        }
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a hash"));
    }
}
