//! Access tokens (JWT, HS256) and refresh tokens (opaque, 256 random bits,
//! stored only as a SHA-256 hash). The authorizer, `verify`, `login` and
//! `refresh` all use this one module.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Now;
use crate::config::{ConfigError, Env};
use crate::domain::Role;
use crate::secret::Secret;

pub const ACCESS_TYPE: &str = "access";
pub const MIN_SECRET_BYTES: usize = 32;

/// Token settings, from the environment.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub secret: Secret,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    /// A login session's absolute lifetime, however often it is refreshed.
    pub session_max_secs: u64,
    /// How long after its rotation a refresh token presented again is the loser
    /// of an honest race, answered with the same successor (0: never).
    pub refresh_grace_secs: u64,
    pub leeway_secs: u64,
}

impl TokenSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let secret = env.required("JWT_SECRET")?;
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                var: "JWT_SECRET",
                reason: format!("must be at least {MIN_SECRET_BYTES} bytes, got {}", secret.len()),
            });
        }
        Ok(Self {
            secret: Secret::new(secret),
            issuer: env.get("JWT_ISSUER").unwrap_or("serverless-shop").to_owned(),
            audience: env.get("JWT_AUDIENCE").unwrap_or("serverless-shop-api").to_owned(),
            access_ttl_secs: env.int_in("ACCESS_TOKEN_TTL_SECONDS", 900, 1..=86_400)?,
            refresh_ttl_secs: refresh_ttl_secs(env)? as u64,
            session_max_secs: env.int_in("SESSION_MAX_LIFETIME_SECONDS", 2_592_000, 1..=31_536_000)?,
            refresh_grace_secs: env.int_in("REFRESH_REUSE_GRACE_SECONDS", 10, 0..=60)?,
            leeway_secs: env.int_in("JWT_LEEWAY_SECONDS", 30, 0..=300)?,
        })
    }
}

/// How long refresh tokens live (`REFRESH_TOKEN_TTL_SECONDS`, default 7 days);
/// also read by functions that revoke sessions but sign nothing.
pub fn refresh_ttl_secs(env: &Env) -> Result<i64, ConfigError> {
    Ok(env.int_in("REFRESH_TOKEN_TTL_SECONDS", 604_800, 60..=31_536_000)? as i64)
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub username: String,
    pub role: Role,
    /// The login session (token family) the token belongs to: the authorizer
    /// checks that it is still valid, so ending it ends the token.
    pub sid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    #[serde(rename = "type")]
    pub token_type: String,
}

/// Why a token was refused. Never shown in detail to clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed or its signature is invalid: {0}")]
    Invalid(String),
    #[error("token has expired")]
    Expired,
    #[error("token is not an access token")]
    WrongType,
}

/// Header parameters this verifier understands when a token lists them in
/// `crit` (RFC 7515 §4.1.11): none.
const UNDERSTOOD_CRITICAL_PARAMETERS: [&str; 0] = [];

/// Issues and verifies access tokens.
#[derive(Clone)]
pub struct TokenService {
    settings: TokenSettings,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenService {
    pub fn new(settings: TokenSettings) -> Self {
        let bytes = settings.secret.expose().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf", "iat"]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = settings.leeway_secs;
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            settings,
        }
    }

    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        TokenSettings::from_env(env).map(Self::new)
    }

    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// A signed access token for a user's session, valid from `now` for the access TTL.
    pub fn issue_access(
        &self,
        user_id: &str,
        username: &str,
        role: Role,
        session_id: &str,
        now: Now,
    ) -> Result<String, TokenError> {
        let claims = AccessClaims {
            sub: user_id.to_owned(),
            username: username.to_owned(),
            role,
            sid: session_id.to_owned(),
            iat: now.unix(),
            nbf: now.unix(),
            exp: now.unix() + self.settings.access_ttl_secs as i64,
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            jti: uuid::Uuid::new_v4().to_string(),
            token_type: ACCESS_TYPE.to_owned(),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims with this service's key (tests craft tokens with it).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, TokenError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// Verifies signature, algorithm, `exp`, `nbf`, `iss`, `aud`, `sub`,
    /// `sid` and `type`; refuses an `iat` in the future beyond the leeway, a
    /// lifetime (`exp - iat`) longer than the configured access TTL, and any
    /// `crit` header parameter it does not understand (all of them).
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        let data = decode::<AccessClaims>(token, &self.decoding, &self.validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid(e.to_string()),
        })?;
        if let Some(critical) = &data.header.crit {
            if critical.is_empty() || critical.iter().any(|p| !UNDERSTOOD_CRITICAL_PARAMETERS.contains(&p.as_str())) {
                return Err(TokenError::Invalid(format!("unsupported critical header parameters {critical:?}")));
            }
        }
        let claims = data.claims;
        if claims.token_type != ACCESS_TYPE {
            return Err(TokenError::WrongType);
        }
        if claims.sub.is_empty() || claims.sid.is_empty() {
            return Err(TokenError::Invalid("empty subject or session".into()));
        }
        let now = Now::read().unix();
        let leeway = self.settings.leeway_secs as i64;
        if claims.iat > now + leeway {
            return Err(TokenError::Invalid("issued in the future".into()));
        }
        if claims.exp - claims.iat > self.settings.access_ttl_secs as i64 {
            return Err(TokenError::Invalid("lifetime longer than the configured access-token TTL".into()));
        }
        Ok(claims)
    }
}

/// A fresh refresh token: 32 bytes from the OS CSPRNG, base64url (43 characters).
pub fn new_refresh_token() -> Result<Secret, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
}

/// The form a refresh token is stored and looked up in: SHA-256, hex. `None` for
/// anything that cannot be one of ours, so junk never reaches the database.
pub fn refresh_token_hash(token: &str) -> Option<String> {
    let decoded = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
    if decoded.len() != 32 {
        return None;
    }
    let digest = Sha256::digest(token.as_bytes());
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// The pad that seals a refresh token's successor: SHA-256 of the token
/// itself (256 random bits), under a label of its own. Each token is rotated
/// once, so each pad seals exactly one value: a one-time pad.
fn successor_pad(token: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"serverless-shop refresh successor\0");
    hasher.update(token.as_bytes());
    hasher.finalize().into()
}

/// `successor` sealed with `token`: only someone holding `token` (never
/// stored, only its hash) can open it. Lets the loser of a refresh race be
/// handed the winner's successor without storing a usable token.
pub fn seal_successor(token: &str, successor: &Secret) -> Option<String> {
    let plain = URL_SAFE_NO_PAD.decode(successor.expose().as_bytes()).ok().filter(|b| b.len() == 32)?;
    let pad = successor_pad(token);
    let sealed: Vec<u8> = plain.iter().zip(pad).map(|(p, k)| p ^ k).collect();
    Some(URL_SAFE_NO_PAD.encode(sealed))
}

/// Opens what [`seal_successor`] sealed with `token`.
pub fn open_successor(token: &str, sealed: &str) -> Option<Secret> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed.as_bytes()).ok().filter(|b| b.len() == 32)?;
    let pad = successor_pad(token);
    let plain: Vec<u8> = bytes.iter().zip(pad).map(|(c, k)| c ^ k).collect();
    Some(Secret::new(URL_SAFE_NO_PAD.encode(plain)))
}

/// Reads `Authorization: Bearer <token>` (scheme case-insensitive).
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-unit";

    fn service() -> TokenService {
        TokenService::from_env(&Env::from_pairs([("JWT_SECRET", SECRET)])).expect("settings")
    }

    fn claims_json(now: i64) -> serde_json::Value {
        json!({"sub": "u1", "username": "ann", "role": "user", "sid": "s1", "iat": now, "nbf": now, "exp": now + 900,
               "iss": "serverless-shop", "aud": "serverless-shop-api", "jti": "j", "type": "access"})
    }

    fn sign_with(secret: &str, alg: Algorithm, claims: &serde_json::Value) -> String {
        encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign")
    }

    #[test]
    fn issued_tokens_verify_with_all_claims() {
        let svc = service();
        let token = svc.issue_access("u1", "ann", Role::Admin, "s1", Now::read()).expect("issue");
        let claims = svc.verify_access(&token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.username.as_str(), claims.role), ("u1", "ann", Role::Admin));
        assert_eq!(claims.sid, "s1");
        assert_eq!(claims.token_type, "access");
        assert_eq!(claims.exp - claims.iat, 900);
        assert!(!claims.jti.is_empty());
    }

    #[test]
    fn short_or_missing_secret_fails_with_the_variable_named() {
        let err = TokenService::from_env(&Env::from_pairs([("JWT_SECRET", "short")])).err().expect("refused");
        assert!(err.to_string().contains("JWT_SECRET") && err.to_string().contains("32"));
        let err = TokenService::from_env(&Env::default()).err().expect("refused");
        assert_eq!(err, ConfigError::Missing("JWT_SECRET"));
    }

    #[test]
    fn tampered_payload_is_refused() {
        let svc = service();
        let token = svc.issue_access("u1", "ann", Role::User, "s1", Now::read()).expect("issue");
        let parts: Vec<&str> = token.split('.').collect();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
        payload["role"] = json!("admin");
        let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.to_string()), parts[2]);
        assert!(matches!(svc.verify_access(&forged), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn alg_none_is_refused() {
        let now = Now::read().unix();
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims_json(now).to_string());
        assert!(service().verify_access(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn hs512_with_the_same_secret_is_refused() {
        let token = sign_with(SECRET, Algorithm::HS512, &claims_json(Now::read().unix()));
        assert!(service().verify_access(&token).is_err());
    }

    #[test]
    fn wrong_secret_is_refused() {
        let token =
            sign_with("another-secret-another-secret-xx-1234", Algorithm::HS256, &claims_json(Now::read().unix()));
        assert!(service().verify_access(&token).is_err());
    }

    #[test]
    fn expired_beyond_leeway_is_refused_and_within_leeway_accepted() {
        let now = Now::read().unix();
        let mut claims = claims_json(now - 800);
        claims["exp"] = json!(now - 31);
        assert_eq!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)), Err(TokenError::Expired));
        claims["exp"] = json!(now - 5);
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_ok());
    }

    #[test]
    fn exp_as_a_string_is_refused() {
        let now = Now::read().unix();
        let mut claims = claims_json(now);
        claims["exp"] = json!((now - 10_000).to_string());
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err());
        claims["exp"] = json!((now + 10_000).to_string());
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err());
    }

    #[test]
    fn missing_exp_or_sub_is_refused() {
        for field in ["exp", "sub", "iss", "aud", "nbf", "iat", "sid"] {
            let mut claims = claims_json(Now::read().unix());
            claims.as_object_mut().expect("object").remove(field);
            let token = sign_with(SECRET, Algorithm::HS256, &claims);
            assert!(service().verify_access(&token).is_err(), "missing {field} accepted");
        }
    }

    #[test]
    fn wrong_issuer_or_audience_is_refused() {
        for (field, value) in [("iss", "someone-else"), ("aud", "another-api")] {
            let mut claims = claims_json(Now::read().unix());
            claims[field] = json!(value);
            assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err(), "{field}");
        }
    }

    #[test]
    fn not_yet_valid_is_refused() {
        let now = Now::read().unix();
        let mut claims = claims_json(now);
        claims["nbf"] = json!(now + 600);
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err());
    }

    #[test]
    fn a_refresh_typed_jwt_is_not_an_access_token() {
        let mut claims = claims_json(Now::read().unix());
        claims["type"] = json!("refresh");
        let token = sign_with(SECRET, Algorithm::HS256, &claims);
        assert_eq!(service().verify_access(&token), Err(TokenError::WrongType));
        claims.as_object_mut().expect("object").remove("type");
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err());
    }

    #[test]
    fn an_opaque_refresh_token_is_not_an_access_token() {
        let refresh = new_refresh_token().expect("random");
        assert!(service().verify_access(refresh.expose()).is_err());
    }

    #[test]
    fn refresh_tokens_are_256_bit_and_hash_deterministically() {
        let a = new_refresh_token().expect("random");
        let b = new_refresh_token().expect("random");
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(a.expose()).expect("b64").len(), 32);
        let hash = refresh_token_hash(a.expose()).expect("ours");
        assert_eq!(hash.len(), 64);
        assert_eq!(Some(hash), refresh_token_hash(a.expose()));
        assert_eq!(refresh_token_hash("junk"), None);
        assert_eq!(refresh_token_hash(&"A".repeat(43)).map(|h| h.len()), Some(64));
    }

    #[test]
    fn an_iat_in_the_future_beyond_the_leeway_is_refused() {
        let now = Now::read().unix();
        let mut claims = claims_json(now);
        claims["iat"] = json!(now + 365 * 86_400);
        claims["exp"] = json!(now + 365 * 86_400 + 900);
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err());
        claims["iat"] = json!(now + 10);
        claims["exp"] = json!(now + 10 + 900);
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_ok(), "within leeway");
    }

    #[test]
    fn a_lifetime_beyond_the_configured_ttl_is_refused() {
        let now = Now::read().unix();
        let mut claims = claims_json(now);
        claims["exp"] = json!(now + 100 * 365 * 86_400);
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err());
        claims["exp"] = json!(now + 901);
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_err());
        claims["exp"] = json!(now + 900);
        assert!(service().verify_access(&sign_with(SECRET, Algorithm::HS256, &claims)).is_ok());
    }

    #[test]
    fn an_unknown_critical_header_parameter_is_refused() {
        let claims = claims_json(Now::read().unix());
        let mut header = Header::new(Algorithm::HS256);
        header.crit = Some(vec!["exp-ext".into()]);
        let token = encode(&header, &claims, &EncodingKey::from_secret(SECRET.as_bytes())).expect("sign");
        assert!(service().verify_access(&token).is_err());
        header.crit = Some(Vec::new());
        let token = encode(&header, &claims, &EncodingKey::from_secret(SECRET.as_bytes())).expect("sign");
        assert!(service().verify_access(&token).is_err(), "an empty crit is malformed");
    }

    #[test]
    fn a_sealed_successor_opens_only_with_its_token() {
        let old = new_refresh_token().expect("random");
        let successor = new_refresh_token().expect("random");
        let sealed = seal_successor(old.expose(), &successor).expect("seals");
        assert_ne!(sealed, successor.expose());
        assert_eq!(open_successor(old.expose(), &sealed), Some(successor.clone()));
        let other = new_refresh_token().expect("random");
        assert_ne!(open_successor(other.expose(), &sealed), Some(successor));
        assert_eq!(open_successor(old.expose(), "junk"), None);
    }

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}
