//! Access tokens: HS256 JWTs, valid for 15 minutes. The algorithm is pinned
//! (a token that names another, `none` included, is refused), and `exp`, `iss`,
//! `aud` and `sub` are required and checked.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

pub const ISSUER: &str = "rapport";
pub const AUDIENCE: &str = "rapport-api";
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A signed access token for `user_id`.
    pub fn issue(&self, user_id: Uuid) -> Result<String, AppError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// The user a valid token speaks for.
    pub fn verify(&self, token: &str) -> Result<Uuid, AppError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims.sub)
            .map_err(|err| {
                use jsonwebtoken::errors::ErrorKind;
                let detail = match err.kind() {
                    ErrorKind::ExpiredSignature => "The access token has expired; refresh it.",
                    _ => "The access token is not valid.",
                };
                AppError::unauthorized("invalid_token", detail)
            })
    }

    #[cfg(test)]
    fn encode_claims(&self, header: &Header, claims: &Claims) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn claims(exp_offset: i64, aud: &str) -> Claims {
        let now = Utc::now().timestamp();
        Claims {
            sub: Uuid::now_v7(),
            iss: ISSUER.into(),
            aud: aud.into(),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let keys = JwtKeys::new(SECRET);
        let user = Uuid::now_v7();
        assert_eq!(keys.verify(&keys.issue(user).unwrap()).unwrap(), user);
    }

    #[test]
    fn expired_wrong_audience_and_foreign_signatures_are_refused() {
        let keys = JwtKeys::new(SECRET);
        let header = Header::new(Algorithm::HS256);
        assert!(
            keys.verify(&keys.encode_claims(&header, &claims(-60, AUDIENCE)))
                .is_err()
        );
        assert!(
            keys.verify(&keys.encode_claims(&header, &claims(60, "other")))
                .is_err()
        );
        let other = JwtKeys::new(b"another secret, also 32 bytes long!!");
        assert!(
            keys.verify(&other.encode_claims(&header, &claims(60, AUDIENCE)))
                .is_err()
        );
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let keys = JwtKeys::new(SECRET);
        let body = serde_json::to_vec(&claims(60, AUDIENCE)).unwrap();
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(&body)
        );
        assert!(keys.verify(&none).is_err());
        let hs512 = keys.encode_claims(&Header::new(Algorithm::HS512), &claims(60, AUDIENCE));
        assert!(keys.verify(&hs512).is_err());
    }
}
