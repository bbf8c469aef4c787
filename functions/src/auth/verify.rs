//! `POST /auth/verify`: is this access token valid? `{token}` in the body, or
//! `Authorization: Bearer`.

use lambda_http::Request;
use serde::Deserialize;
use serde_json::json;
use shared::access::Public;
use shared::config::ConfigError;
use shared::http::{header_str, optional_json_body, Reply};
use shared::secret::Secret;
use shared::token::{bearer_token, TokenService};
use shared::{ApiError, ApiResult, InitContext, Route};

#[derive(Debug, Deserialize)]
struct VerifyBody {
    token: Option<Secret>,
}

pub struct Verify {
    tokens: TokenService,
}

impl Route for Verify {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { tokens: ctx.token_service()? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let from_body = optional_json_body::<VerifyBody>(&req)?.and_then(|b| b.token);
        let from_header = header_str(&req, "authorization").and_then(bearer_token).map(Secret::new);
        let token = from_body
            .or(from_header)
            .ok_or_else(|| ApiError::Unauthorized("no token given: send {\"token\": ...} or a bearer token".into()))?;
        let claims = self.tokens.verify_access(token.expose()).map_err(|e| {
            tracing::info!(reason = %e, "token refused");
            ApiError::Unauthorized("the token is invalid or expired".into())
        })?;
        Ok(Reply::ok(json!({ "valid": true, "claims": claims })))
    }
}
