//! The local gateway: the whole API on one machine.
//!
//! It starts (or connects to) DynamoDB Local, creates the tables `template.yaml`
//! defines, builds every function of the template from the same handler code the
//! Lambda binaries run, and serves them over HTTP the way API Gateway would. The
//! integration tests start it on port 0 through [`start`].

pub mod dynamodb_local;
pub mod gateway;
pub mod iam;
pub mod metrics;
pub mod openapi;
pub mod runtime_api;
pub mod seed;
pub mod server;
pub mod streams;
pub mod tables;
pub mod template;
pub mod web;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use shared::config::Env;
use shared::route::DynEventHandler;
use shared::InitContext;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::dynamodb_local::{DynamoDbLocal, Storage};
use crate::gateway::Gateway;
use crate::template::Template;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Which DynamoDB the gateway uses.
#[derive(Debug, Clone)]
pub enum Database {
    /// An already running DynamoDB (`DYNAMODB_ENDPOINT`).
    Endpoint(String),
    /// Start DynamoDB Local, installing it into `install_dir` if needed.
    Start { install_dir: PathBuf, storage: Storage },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Stands in for `${AWS::StackName}`: table names are `<stack>-<domain>`.
    pub stack_name: String,
    pub database: Database,
    /// The HS256 secret every token function receives as `JWT_SECRET`.
    pub jwt_secret: String,
    /// Extra or overriding environment for every function (e.g. token lifetimes).
    pub env_overrides: Vec<(String, String)>,
    /// Create the demo accounts and catalogue.
    pub seed: bool,
    /// The port of the DynamoDB Local it starts (0 picks a free one). A fixed
    /// port lets other tools (`cargo lambda watch`) share the gateway's tables.
    pub dynamodb_port: u16,
    /// Where the event source mappings keep their checkpoints and dead
    /// letters, and the consumers their outbox (`.local/` for the run
    /// command); `None`: a fresh folder under the system's temp folder.
    pub state_dir: Option<PathBuf>,
    /// Template parameters other than their defaults, as `sam deploy
    /// --parameter-overrides` would give them (e.g. `AuthorizerCacheTtlSeconds`).
    pub parameters: Vec<(String, String)>,
}

impl Options {
    pub fn new(stack_name: impl Into<String>, database: Database, jwt_secret: impl Into<String>) -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            stack_name: stack_name.into(),
            database,
            jwt_secret: jwt_secret.into(),
            env_overrides: Vec::new(),
            seed: false,
            dynamodb_port: 0,
            state_dir: None,
            parameters: Vec::new(),
        }
    }
}

/// A running gateway. Call [`RunningGateway::stop`] to shut it down cleanly.
pub struct RunningGateway {
    pub addr: SocketAddr,
    pub template: Template,
    pub dynamodb_endpoint: String,
    /// A client for direct table access (tools, tests), with set-up timeouts;
    /// the functions have their own, fail-fast one.
    pub client: aws_sdk_dynamodb::Client,
    /// The environment the functions were built with (tables, secret, ...).
    pub function_env: Env,
    /// What each function's DynamoDB calls needed (the local IAM check).
    pub iam_usage: Arc<iam::Usage>,
    /// The folder of `outbox/` (mail), `dead-letter/` and `streams/` (checkpoints).
    pub state_dir: PathBuf,
    /// The stream consumers by binary name, as their mappings invoke them.
    pub consumers: HashMap<String, Arc<dyn DynEventHandler>>,
    /// What the event source mappings measured.
    pub stream_stats: Arc<streams::StreamStats>,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<()>,
    pollers: Vec<JoinHandle<()>>,
    database: Option<DynamoDbLocal>,
}

impl RunningGateway {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving (letting in-flight requests finish) and stops the DynamoDB
    /// Local this gateway started.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        for poller in self.pollers {
            let _ = poller.await;
        }
        if let Some(database) = self.database {
            database.stop().await;
        }
    }
}

/// Starts DynamoDB (if asked), creates the tables, builds the functions and serves.
pub async fn start(options: Options) -> Result<RunningGateway, BoxError> {
    let region = "us-east-1";
    let template = Template::load_with(&options.stack_name, region, &options.parameters)?;

    let (database, endpoint) = match &options.database {
        Database::Endpoint(endpoint) => (None, endpoint.clone()),
        Database::Start { install_dir, storage } => {
            let install = dynamodb_local::ensure_installed(install_dir).await?;
            let started = std::time::Instant::now();
            let db = DynamoDbLocal::start(&install, storage, options.dynamodb_port).await?;
            tracing::info!(endpoint = %db.endpoint(), ms = started.elapsed().as_millis() as u64, "DynamoDB Local is up");
            let endpoint = db.endpoint();
            (Some(db), endpoint)
        }
    };

    let base_env = Env::from_pairs([
        ("DYNAMODB_ENDPOINT", endpoint.as_str()),
        ("AWS_REGION", region),
        ("JWT_SECRET", options.jwt_secret.as_str()),
    ]);
    let client = shared::db::client(&base_env).await?;
    let setup_client = shared::db::client_with(&base_env, shared::db::Patience::SETUP).await?;
    let created = tables::ensure_tables(&setup_client, &template.tables).await?;
    if !created.is_empty() {
        tracing::info!(tables = ?created, "created tables from template.yaml");
    }

    let iam_usage = Arc::new(iam::Usage::default());
    let mut routes = HashMap::new();
    let mut function_env = Env::default();
    for registered in functions::routes::REGISTRY {
        let binary = registered.decl.name;
        let spec = template
            .functions
            .iter()
            .find(|f| f.binary == binary)
            .ok_or_else(|| format!("binary {binary} has no function in template.yaml"))?;
        let env = function_environment(&spec.environment, &base_env, &options.env_overrides);
        let permissions = iam::Permissions::new(binary, region, spec.policy.clone());
        let route = registered
            .build(&InitContext::with_dynamodb(env.clone(), iam::restricted(&client, permissions, iam_usage.clone())))
            .await
            .map_err(|e| format!("{}: {e}", spec.logical_id))?;
        routes.insert(binary.to_owned(), route);
        function_env = env;
    }
    let authorizer = match &template.authorizer {
        None => None,
        Some(spec) => {
            let function = template.function(&spec.function).ok_or("authorizer function missing")?;
            let env = function_environment(&function.environment, &base_env, &options.env_overrides);
            let permissions = iam::Permissions::new(&function.binary, region, function.policy.clone());
            let ctx = InitContext::with_dynamodb(env, iam::restricted(&client, permissions, iam_usage.clone()));
            let (name, builder) = functions::routes::AUTHORIZER;
            if name != function.binary {
                return Err(format!("the template's authorizer is {}, the manifest's {name}", function.binary).into());
            }
            Some(builder(&ctx).await.map_err(|e| format!("{}: {e}", spec.function))?)
        }
    };
    let state_dir = match &options.state_dir {
        Some(dir) => dir.clone(),
        None => {
            std::env::temp_dir().join(format!("local-gateway-{}-{}", options.stack_name, uuid::Uuid::new_v4().simple()))
        }
    };
    std::fs::create_dir_all(&state_dir)?;
    let mut consumers: HashMap<String, Arc<dyn DynEventHandler>> = HashMap::new();
    for (binary, builder) in functions::routes::CONSUMERS {
        let function = template
            .functions
            .iter()
            .find(|f| f.binary == *binary)
            .ok_or_else(|| format!("consumer {binary} has no function in template.yaml"))?;
        let mut env = function_environment(&function.environment, &base_env, &options.env_overrides);
        // Only the local gateway sets it: mail goes to files, never out.
        env.set(shared::mail::OUTBOX_VAR, state_dir.join("outbox").display().to_string());
        let permissions = iam::Permissions::new(*binary, region, function.policy.clone());
        let ctx = InitContext::with_dynamodb(env, iam::restricted(&client, permissions, iam_usage.clone()));
        let handler = builder(&ctx).await.map_err(|e| format!("{}: {e}", function.logical_id))?;
        consumers.insert((*binary).to_owned(), handler);
    }
    let mut mappings = Vec::new();
    for source in &template.stream_sources {
        let handler = consumers
            .get(&source.binary)
            .ok_or_else(|| format!("{}: no consumer {} in functions/routes.toml", source.function, source.binary))?;
        mappings.push(streams::Mapping { source: source.clone(), handler: handler.clone() });
    }

    if options.seed {
        seed::seed(&InitContext::with_dynamodb(function_env.clone(), setup_client.clone())).await?;
    }

    let gateway = Gateway::new(template.clone(), routes, authorizer)?;
    let state = Arc::new(server::ServerState { gateway, metrics: metrics::Metrics::default() });
    let listener = tokio::net::TcpListener::bind((options.host, options.port)).await?;
    let addr = listener.local_addr()?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let server = tokio::spawn(server::serve(listener, state, shutdown_rx.clone()));
    let stream_stats = Arc::new(streams::StreamStats::default());
    let pollers = streams::spawn(
        mappings,
        setup_client.clone(),
        streams::StreamsApi::new(&endpoint),
        state_dir.clone(),
        region.to_owned(),
        stream_stats.clone(),
        shutdown_rx,
    );
    Ok(RunningGateway {
        addr,
        template,
        dynamodb_endpoint: endpoint,
        client: setup_client,
        function_env,
        iam_usage,
        state_dir,
        consumers,
        stream_stats,
        shutdown,
        server,
        pollers,
        database,
    })
}

/// The function settings a person may give the local gateway in its own
/// environment (README, "Configuration"); the tables, the secret and the
/// endpoint are the gateway's to set.
pub const FUNCTION_SETTINGS: &[&str] = &[
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "ACCESS_TOKEN_TTL_SECONDS",
    "REFRESH_TOKEN_TTL_SECONDS",
    "SESSION_MAX_LIFETIME_SECONDS",
    "REFRESH_REUSE_GRACE_SECONDS",
    "JWT_LEEWAY_SECONDS",
    "LOGIN_MAX_FAILURES",
    "LOGIN_LOCKOUT_SECONDS",
    "LOGIN_IP_MAX_FAILURES",
    "LOGIN_IP_WINDOW_SECONDS",
    "SIGNUP_IP_MAX",
    "SIGNUP_IP_WINDOW_SECONDS",
    "CORS_ALLOW_ORIGIN",
];

/// The [`FUNCTION_SETTINGS`] among `vars` (the process environment), as
/// [`Options::env_overrides`]: they override the template's values for every function.
pub fn function_settings(vars: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    vars.into_iter()
        .filter(|(key, value)| FUNCTION_SETTINGS.contains(&key.as_str()) && !value.trim().is_empty())
        .collect()
}

/// A function's environment: the template's variables, then the gateway's
/// (endpoint, region, secret), then the caller's overrides.
fn function_environment(
    template_env: &std::collections::BTreeMap<String, String>,
    base: &Env,
    overrides: &[(String, String)],
) -> Env {
    let mut env = Env::from_pairs(template_env.clone());
    for key in ["DYNAMODB_ENDPOINT", "AWS_REGION", "JWT_SECRET"] {
        if let Some(value) = base.get(key) {
            env.set(key, value);
        }
    }
    for (key, value) in overrides {
        env.set(key, value);
    }
    env
}
