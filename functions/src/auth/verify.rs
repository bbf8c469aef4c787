//! `POST /auth/verify`: is this access token valid? `{token}` in the body, or
//! `Authorization: Bearer`. Valid means what the authorizer means: signed,
//! unexpired, and its session still live with the user holding its role.

use lambda_http::Request;
use serde::Deserialize;
use serde_json::json;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{header_str, optional_json_body, Reply};
use shared::repo::sessions::{SessionState, SessionsRepo};
use shared::secret::Secret;
use shared::token::{bearer_token, TokenService};
use shared::{ApiError, ApiResult, InitContext, Route};

#[derive(Debug, Deserialize)]
struct VerifyBody {
    token: Option<Secret>,
}

pub struct Verify {
    tokens: TokenService,
    sessions: SessionsRepo,
}

impl Route for Verify {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { tokens: ctx.token_service()?, sessions: ctx.sessions_repo().await? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let from_body = optional_json_body::<VerifyBody>(&req)?.and_then(|b| b.token);
        let from_header = header_str(&req, "authorization").and_then(bearer_token).map(Secret::new);
        let token = from_body
            .or(from_header)
            .ok_or_else(|| ApiError::Unauthorized("no token given: send {\"token\": ...} or a bearer token".into()))?;
        let invalid = || ApiError::Unauthorized("the token is invalid, expired or revoked".into());
        let claims = self.tokens.verify_access(token.expose()).map_err(|e| {
            tracing::info!(reason = %e, "token refused");
            invalid()
        })?;
        match self.sessions.check(&claims.sub, &claims.sid, Now::read()).await? {
            SessionState::Active(session) if session.user.role == claims.role => {}
            other => {
                tracing::info!(state = ?other.ended(), "token refused: its session has ended or its role changed");
                return Err(invalid());
            }
        }
        Ok(Reply::ok(json!({ "valid": true, "claims": claims })))
    }
}
