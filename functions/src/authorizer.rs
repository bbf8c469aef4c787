//! The API's REQUEST authorizer. It verifies `Authorization: Bearer <jwt>` with
//! the same `shared::token` code as `/auth/verify`, checks that the token's
//! session is still live and its user still holds the token's role
//! (`SessionsRepo::check`: one `BatchGetItem`), and answers with an IAM policy.
//!
//! API Gateway caches the answer per token for `AuthorizerCacheTtlSeconds`
//! (60 s by default), so logout, a password or role change, deletion and an
//! ended session stop a token within that time on every route. The policy must
//! not be specific to the route that triggered it: an Allow covers every method
//! of the API stage, and role checks live in the functions (which re-check an
//! admin's current role, `shared::access`). Anything missing, invalid or ended
//! is the error `"Unauthorized"`, which API Gateway turns into its 401 gateway
//! response; a failing session store is any other error (its 503).

use lambda_http::aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use serde_json::{json, Value};
use shared::clock::Now;
use shared::config::ConfigError;
use shared::repo::sessions::{SessionState, SessionsRepo};
use shared::route::EventHandler;
use shared::telemetry::ErrorChain;
use shared::token::{bearer_token, TokenService};
use shared::InitContext;

pub struct Authorizer {
    tokens: TokenService,
    sessions: SessionsRepo,
}

/// `arn:aws:execute-api:<region>:<account>:<api>/<stage>/*`: every method and
/// path of the stage the request came through.
pub fn stage_wide_resource(method_arn: &str) -> Option<String> {
    let mut parts = method_arn.splitn(3, '/');
    let api = parts.next().filter(|p| p.starts_with("arn:"))?;
    let stage = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{api}/{stage}/*"))
}

fn unauthorized() -> lambda_runtime::Error {
    "Unauthorized".into()
}

impl EventHandler for Authorizer {
    type Event = ApiGatewayCustomAuthorizerRequestTypeRequest;
    type Output = Value;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { tokens: ctx.token_service()?, sessions: ctx.sessions_repo().await? })
    }

    async fn handle(&self, event: Self::Event) -> Result<Value, lambda_runtime::Error> {
        let header = authorization(&event).ok_or_else(unauthorized)?;
        let token = bearer_token(header).ok_or_else(unauthorized)?;
        let claims = self.tokens.verify_access(token).map_err(|e| {
            tracing::info!(reason = %e, "authorizer refused a token");
            unauthorized()
        })?;
        let resource = event.method_arn.as_deref().and_then(stage_wide_resource).ok_or_else(unauthorized)?;
        let state = self.sessions.check(&claims.sub, &claims.sid, Now::read()).await.map_err(|e| {
            tracing::error!(error = %ErrorChain(&e), "session check failed");
            lambda_runtime::Error::from("session store unavailable")
        })?;
        match state {
            SessionState::Active(session) if session.user.role == claims.role => {
                // "Last used" for the session list; a failure here denies nothing.
                if let Err(e) = self.sessions.touch(&session, Now::read()).await {
                    tracing::warn!(error = %ErrorChain(&e), "could not record the session's last use");
                }
            }
            SessionState::Active(session) => {
                // A new token (refresh) carries the current role.
                tracing::info!(user_id = %claims.sub, role = %session.user.role, "the token's role is out of date");
                return Err(unauthorized());
            }
            SessionState::Ended(reason) => {
                tracing::info!(user_id = %claims.sub, ?reason, "the token's session has ended");
                return Err(unauthorized());
            }
        }
        Ok(json!({
            "principalId": claims.sub,
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{ "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource }]
            },
            "context": {
                "user_id": claims.sub,
                "username": claims.username,
                "role": claims.role.as_str(),
                "sid": claims.sid,
            }
        }))
    }
}

/// The one `Authorization` value of the request. Several are refused: which
/// one is the credential must not depend on who reads the request (API
/// Gateway keys its cache on the last value, `headers` carries the last one).
fn authorization(event: &ApiGatewayCustomAuthorizerRequestTypeRequest) -> Option<&str> {
    let values: Vec<_> = event.multi_value_headers.get_all("authorization").iter().collect();
    if values.len() > 1 {
        tracing::info!(count = values.len(), "authorizer refused several Authorization headers");
        return None;
    }
    event.headers.get("authorization").and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:abcdef123/v1/GET/users/42";

    fn event(authorization: &[&str]) -> ApiGatewayCustomAuthorizerRequestTypeRequest {
        let mut headers = serde_json::Map::new();
        if let Some(last) = authorization.last() {
            headers.insert("Authorization".into(), json!(last));
        }
        serde_json::from_value(json!({"type": "REQUEST", "methodArn": ARN, "headers": headers,
            "multiValueHeaders": {"Authorization": authorization}, "requestContext": {}}))
        .expect("event")
    }

    #[test]
    fn the_policy_covers_the_whole_stage() {
        assert_eq!(
            stage_wide_resource(ARN).as_deref(),
            Some("arn:aws:execute-api:eu-west-1:123456789012:abcdef123/v1/*")
        );
        assert_eq!(stage_wide_resource("garbage"), None);
    }

    /// An authorizer whose session store is never reached by these tests.
    fn authorizer() -> Authorizer {
        let env = shared::config::Env::from_pairs([("JWT_SECRET", "0123456789abcdef0123456789abcdef-authz")]);
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(config);
        Authorizer {
            tokens: TokenService::from_env(&env).expect("settings"),
            sessions: SessionsRepo::new(client, "auth", "users"),
        }
    }

    #[tokio::test]
    async fn missing_malformed_invalid_or_repeated_tokens_are_unauthorized_before_any_lookup() {
        let authz = authorizer();
        let valid = authz.tokens.issue_access("u-1", "ann", shared::domain::Role::User, "s-1", Now::read());
        let valid = format!("Bearer {}", valid.expect("token"));
        let cases: [&[&str]; 6] = [
            &[],
            &["Bearer"],
            &["Basic dXNlcjpwYXNz"],
            &["Bearer not.a.jwt"],
            &["Bearer x", &valid],
            &[&valid, &valid],
        ];
        for headers in cases {
            let err = authz.handle(event(headers)).await.expect_err("refused");
            assert_eq!(err.to_string(), "Unauthorized", "{headers:?}");
        }
    }

    #[test]
    fn exactly_one_authorization_header_is_read() {
        assert_eq!(authorization(&event(&["Bearer a"])), Some("Bearer a"));
        assert_eq!(authorization(&event(&[])), None);
        assert_eq!(authorization(&event(&["Bearer a", "Bearer b"])), None);
    }
}
