//! The DynamoDB client, built once per cold start. A dead or hung DynamoDB
//! fails promptly (`repo::error::StoreError::Unavailable`, a 503), never hangs.

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
use aws_sdk_dynamodb::Client;

use crate::config::{ConfigError, Env};

/// Per-attempt and overall budgets. A refused connection fails at once; a hung
/// endpoint costs at most `OPERATION_TIMEOUT`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1_000);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1_500);
pub const OPERATION_TIMEOUT: Duration = Duration::from_millis(3_500);
pub const MAX_ATTEMPTS: u32 = 3;

/// How long a client waits: per attempt and for a whole operation.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub attempt: Duration,
    pub operation: Duration,
}

impl Patience {
    /// For request handling: fail fast (503) rather than hang.
    pub const REQUEST: Self = Self { attempt: ATTEMPT_TIMEOUT, operation: OPERATION_TIMEOUT };
    /// For set-up work (creating tables, seeding) against a DynamoDB Local that
    /// may still be warming up on a busy machine.
    pub const SETUP: Self = Self { attempt: Duration::from_secs(15), operation: Duration::from_secs(60) };
}

/// Builds the client from [`Identity::from_env`] and `DYNAMODB_ENDPOINT` when
/// set (DynamoDB Local, LocalStack), where any well-formed key is accepted.
pub async fn client(env: &Env) -> Result<Client, ConfigError> {
    client_with(env, Patience::REQUEST).await
}

/// Where an AWS client talks to and as whom, read from the environment:
/// `AWS_REGION`, and the credentials Lambda puts there
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
///
/// Deliberately no `aws-config` default chain: on Lambda the credentials are
/// always in the environment, and the chain (profiles, SSO, STS, IMDS) would
/// add over a megabyte to every binary and work to every cold start.
#[derive(Debug, Clone)]
pub struct Identity {
    pub region: Region,
    pub credentials: SharedCredentialsProvider,
}

impl Identity {
    /// `local_endpoint`: the client talks to a local stand-in, which accepts
    /// any key, so missing credentials get a placeholder.
    pub fn from_env(env: &Env, local_endpoint: bool) -> Result<Self, ConfigError> {
        let region = env.get("AWS_REGION").or_else(|| env.get("AWS_DEFAULT_REGION")).unwrap_or("us-east-1");
        let credentials = match (env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => {
                let token = env.get("AWS_SESSION_TOKEN").map(str::to_owned);
                Credentials::new(id, secret, token, None, "environment")
            }
            _ if local_endpoint => Credentials::new("local", "local", None, None, "local-endpoint"),
            (None, _) => return Err(ConfigError::Missing("AWS_ACCESS_KEY_ID")),
            (Some(_), None) => return Err(ConfigError::Missing("AWS_SECRET_ACCESS_KEY")),
        };
        Ok(Self { region: Region::new(region.to_owned()), credentials: SharedCredentialsProvider::new(credentials) })
    }
}

/// [`client`] with other timeouts.
pub async fn client_with(env: &Env, patience: Patience) -> Result<Client, ConfigError> {
    let endpoint = env.get("DYNAMODB_ENDPOINT");
    let Identity { region, credentials } = Identity::from_env(env, endpoint.is_some())?;
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(credentials)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(patience.attempt)
                .operation_timeout(patience.operation)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(50))
                .with_max_backoff(Duration::from_millis(500)),
        );
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    Ok(Client::from_conf(config.build()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn credentials_come_from_the_environment_or_a_local_endpoint_only() {
        let none = Env::from_pairs([("AWS_REGION", "eu-west-1")]);
        assert_eq!(client(&none).await.err(), Some(ConfigError::Missing("AWS_ACCESS_KEY_ID")));
        let half = Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")]);
        assert_eq!(client(&half).await.err(), Some(ConfigError::Missing("AWS_SECRET_ACCESS_KEY")));

        let lambda = Env::from_pairs([
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ]);
        let client = client(&lambda).await.expect("client");
        assert_eq!(client.config().region().map(|r| r.as_ref()), Some("us-east-1"));

        let local = Env::from_pairs([("DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"), ("AWS_REGION", "eu-west-1")]);
        let client = super::client(&local).await.expect("client");
        assert_eq!(client.config().region().map(|r| r.as_ref()), Some("eu-west-1"));
    }
}
