//! The API's REQUEST authorizer. It verifies `Authorization: Bearer <jwt>` with
//! the same `shared::token` code as `/auth/verify` and answers with an IAM policy.
//!
//! API Gateway caches the answer per token, so the policy must not be specific to
//! the route that triggered it: an Allow covers every method of the API stage and
//! role checks live in the functions. Anything missing or invalid is the error
//! `"Unauthorized"`, which API Gateway turns into its 401 gateway response.

use lambda_http::aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use serde_json::{json, Value};
use shared::config::ConfigError;
use shared::route::EventHandler;
use shared::token::{bearer_token, TokenService};
use shared::InitContext;

pub struct Authorizer {
    tokens: TokenService,
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
        Ok(Self { tokens: ctx.token_service()? })
    }

    async fn handle(&self, event: Self::Event) -> Result<Value, lambda_runtime::Error> {
        let header = event.headers.get("authorization").and_then(|v| v.to_str().ok()).ok_or_else(unauthorized)?;
        let token = bearer_token(header).ok_or_else(unauthorized)?;
        let claims = self.tokens.verify_access(token).map_err(|e| {
            tracing::info!(reason = %e, "authorizer refused a token");
            unauthorized()
        })?;
        let resource = event.method_arn.as_deref().and_then(stage_wide_resource).ok_or_else(unauthorized)?;
        Ok(json!({
            "principalId": claims.sub,
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{ "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource }]
            },
            "context": { "user_id": claims.sub, "username": claims.username, "role": claims.role.as_str() }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::clock::Now;
    use shared::config::Env;
    use shared::domain::Role;

    const ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:abcdef123/v1/GET/users/42";

    fn authorizer() -> Authorizer {
        let env = Env::from_pairs([("JWT_SECRET", "0123456789abcdef0123456789abcdef-authz")]);
        Authorizer { tokens: TokenService::from_env(&env).expect("settings") }
    }

    fn event(authorization: Option<&str>) -> ApiGatewayCustomAuthorizerRequestTypeRequest {
        let mut headers = serde_json::Map::new();
        if let Some(value) = authorization {
            headers.insert("Authorization".into(), json!(value));
        }
        serde_json::from_value(json!({"type": "REQUEST", "methodArn": ARN, "headers": headers, "requestContext": {}}))
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

    #[tokio::test]
    async fn a_valid_token_is_allowed_with_the_caller_in_the_context() {
        let authz = authorizer();
        let token = authz.tokens.issue_access("u-1", "ann", Role::Admin, Now::read()).expect("token");
        let out = authz.handle(event(Some(&format!("Bearer {token}")))).await.expect("allowed");
        assert_eq!(out["principalId"], "u-1");
        assert_eq!(out["policyDocument"]["Statement"][0]["Effect"], "Allow");
        assert_eq!(out["policyDocument"]["Statement"][0]["Resource"], stage_wide_resource(ARN).expect("arn"));
        assert_eq!(out["context"], json!({"user_id": "u-1", "username": "ann", "role": "admin"}));
    }

    #[tokio::test]
    async fn missing_malformed_or_invalid_tokens_are_unauthorized() {
        let authz = authorizer();
        for header in [None, Some("Bearer"), Some("Basic dXNlcjpwYXNz"), Some("Bearer not.a.jwt")] {
            let err = authz.handle(event(header)).await.expect_err("refused");
            assert_eq!(err.to_string(), "Unauthorized", "{header:?}");
        }
    }
}
