//! `cargo run -p local-gateway`: the whole API on http://127.0.0.1:3000.
//!
//! Environment: `PORT` (3000), `HOST` (127.0.0.1), `DYNAMODB_ENDPOINT` (use that
//! DynamoDB instead of starting DynamoDB Local), `LOCAL_STATE_DIR` (`.local/` in
//! the workspace), `JWT_SECRET` (otherwise generated once and kept in the state
//! folder), `DYNAMODB_LOCAL_PORT` (the port of the DynamoDB Local it starts; a
//! free one by default), `AUTHORIZER_CACHE_TTL_SECONDS` (the template's
//! `AuthorizerCacheTtlSeconds`, 60 by default), `RUST_LOG`, and the function settings of
//! [`local_gateway::FUNCTION_SETTINGS`] (`LOGIN_MAX_FAILURES`,
//! `ACCESS_TOKEN_TTL_SECONDS`, ...), `WEB_PORT` (3001: the web client's own
//! origin), `WEB_DIR` (the client's folder, `web/` in the workspace). Flags: `--in-memory` (keep no data), `--no-seed`, `--no-web` (neither
//! build nor serve the web client).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use local_gateway::dynamodb_local::Storage;
use local_gateway::{start, BoxError, Database, Options};

const USAGE: &str = "usage: local-gateway [--in-memory] [--no-seed] [--no-web]

  --in-memory   run DynamoDB Local in memory (nothing survives a restart)
  --no-seed     do not create the demo accounts and catalogue
  --no-web      do not build or serve the web client (web/)

environment: PORT, HOST, WEB_PORT, WEB_DIR, DYNAMODB_ENDPOINT, DYNAMODB_LOCAL_PORT, LOCAL_STATE_DIR, JWT_SECRET, RUST_LOG,
  AUTHORIZER_CACHE_TTL_SECONDS,
  and the function settings JWT_ISSUER, JWT_AUDIENCE, ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS,
  SESSION_MAX_LIFETIME_SECONDS, JWT_LEEWAY_SECONDS, LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_SECONDS, LOGIN_IP_MAX_FAILURES,
  LOGIN_IP_WINDOW_SECONDS, SIGNUP_IP_MAX, SIGNUP_IP_WINDOW_SECONDS, CORS_ALLOW_ORIGIN";

#[tokio::main]
async fn main() {
    shared::telemetry::init_pretty();
    if let Err(error) = run().await {
        eprintln!("local-gateway: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BoxError> {
    let mut in_memory = false;
    let mut seed = true;
    let mut web = true;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--in-memory" => in_memory = true,
            "--no-seed" => seed = false,
            "--no-web" => web = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}").into()),
        }
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let port: u16 = match var("PORT") {
        Some(p) => p.parse().map_err(|_| format!("PORT must be a port number, got {p:?}"))?,
        None => 3000,
    };
    let web_port: u16 = match var("WEB_PORT") {
        Some(p) => p.parse().map_err(|_| format!("WEB_PORT must be a port number, got {p:?}"))?,
        None => 3001,
    };
    let host: IpAddr = match var("HOST") {
        Some(h) => h.parse().map_err(|_| format!("HOST must be an IP address, got {h:?}"))?,
        None => IpAddr::from([127, 0, 0, 1]),
    };
    let dynamodb_port: u16 = match var("DYNAMODB_LOCAL_PORT") {
        Some(p) => p.parse().map_err(|_| format!("DYNAMODB_LOCAL_PORT must be a port number, got {p:?}"))?,
        None => 0,
    };
    let state_dir = var("LOCAL_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.local"));
    let database = match var("DYNAMODB_ENDPOINT") {
        Some(endpoint) => Database::Endpoint(endpoint),
        None => Database::Start {
            install_dir: state_dir.join("dynamodb-local"),
            storage: if in_memory { Storage::InMemory } else { Storage::Directory(state_dir.join("data")) },
        },
    };
    let jwt_secret = match var("JWT_SECRET") {
        Some(secret) => secret,
        None => local_secret(&state_dir)?,
    };
    let mut options = Options::new("local", database, jwt_secret);
    options.host = host;
    options.port = port;
    options.seed = seed;
    options.dynamodb_port = dynamodb_port;
    options.state_dir = Some(state_dir.clone());
    options.env_overrides = local_gateway::function_settings(std::env::vars());
    if let Some(ttl) = var("AUTHORIZER_CACHE_TTL_SECONDS") {
        let _: u16 = ttl.parse().map_err(|_| format!("AUTHORIZER_CACHE_TTL_SECONDS must be seconds, got {ttl:?}"))?;
        options.parameters.push(("AuthorizerCacheTtlSeconds".into(), ttl));
    }
    // Built before the API starts, so a build failure is reported before the banner.
    let web_dir =
        var("WEB_DIR").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../web"));
    let web_ready = web && build_web(&web_dir).await;
    let gateway = start(options).await?;
    tracing::info!("serving the API on {} (Ctrl-C to stop)", gateway.url());
    let (web_stop, web_stopped) = tokio::sync::watch::channel(false);
    let mut web_server = None;
    let mut web_line = String::from("  web client:  off (--no-web)\n");
    if web_ready {
        let listener = tokio::net::TcpListener::bind((host, web_port))
            .await
            .map_err(|e| format!("the web client's port {web_port} (WEB_PORT): {e}"))?;
        let web_url = format!("http://{}", listener.local_addr()?);
        let site = local_gateway::web::StaticSite::new(web_dir.join("dist"), &gateway.url());
        web_server = Some(tokio::spawn(local_gateway::web::serve(listener, Arc::new(site), web_stopped)));
        tracing::info!("serving the web client on {web_url}");
        web_line = format!("  open:        {web_url}   (the shop in a browser; admin/admin123, user1/password1)\n");
    } else if web {
        web_line = String::from("  web client:  not served (see the build error above; --no-web silences this)\n");
    }
    println!(
        "\n{web_line}  API:         {}\n  try:         curl {}/health\n  mail:        {}\n  dead letter: {}\n",
        gateway.url(),
        gateway.url(),
        gateway.state_dir.join("outbox").display(),
        gateway.state_dir.join("dead-letter").display()
    );

    wait_for_signal().await;
    tracing::info!("shutting down");
    let _ = web_stop.send(true);
    if let Some(server) = web_server {
        let _ = server.await;
    }
    gateway.stop().await;
    Ok(())
}

/// Builds `web/` if its `dist` is missing or stale. A failed build does not
/// stop the API: it is logged, and an older `dist` (if any) is served.
async fn build_web(web_dir: &Path) -> bool {
    let contract = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    if let Err(error) = local_gateway::web::ensure_built(web_dir, &contract).await {
        tracing::error!("the web client could not be built: {error}");
    }
    let built = web_dir.join("dist/index.html").is_file();
    if !built {
        tracing::warn!("no web/dist to serve; the API runs without its web client");
    }
    built
}

async fn wait_for_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match terminate.as_mut() {
                Some(signal) => { signal.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

/// The local signing secret: generated on first run (64 random bytes, hex) and
/// kept, readable only by the owner, in the state folder.
fn local_secret(state_dir: &Path) -> Result<String, BoxError> {
    let path = state_dir.join("jwt-secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        let secret = secret.trim().to_owned();
        if secret.len() >= 32 {
            return Ok(secret);
        }
    }
    std::fs::create_dir_all(state_dir)?;
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&path)?;
    file.write_all(secret.as_bytes())?;
    Ok(secret)
}
