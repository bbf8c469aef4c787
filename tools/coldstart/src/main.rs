//! Cold-start harness: starts every function binary of `template.yaml` the way
//! Lambda does, under the local gateway's Runtime API emulator
//! (`local_gateway::runtime_api`), and times it.
//!
//! For each function it runs the release binary (built natively, x86_64) with
//! `AWS_LAMBDA_RUNTIME_API` pointing here and the environment Lambda and the
//! template give it, hands it one representative event on
//! `GET /2018-06-01/runtime/invocation/next` (the REST proxy event of the
//! function's route, or an authorizer REQUEST event with a valid token), and
//! measures from exec to the POST of the first `/response` (or `/error`). The
//! process is then killed: every run is a cold start. DynamoDB Local (in memory)
//! and the tables come from the local gateway library.
//!
//! ```text
//! cargo build --release -p functions --bins
//! cargo run -p coldstart -- [--runs 15] [--bin-dir target/release] [--only health,authorizer]
//! ```
//!
//! Set `DYNAMODB_ENDPOINT` to use a running DynamoDB instead of starting one.
//! Figures and how to read them: BENCHMARKS.md.

use std::path::{Path, PathBuf};

use local_gateway::dynamodb_local::Storage;
use local_gateway::runtime_api::{lambda_environment, Posted, RuntimeApi};
use local_gateway::template::{FunctionSpec, RouteSpec, Template};
use local_gateway::{Database, Options};
use serde_json::{json, Value};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const STACK: &str = "coldstart";
const REGION: &str = "us-east-1";
const SECRET: &str = "coldstart-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const MEMORY_MB: u32 = 256;

const USAGE: &str = "usage: coldstart [--runs N] [--bin-dir DIR] [--only BIN[,BIN...]]

  --runs N      cold starts per function (default 15)
  --bin-dir DIR where the function binaries are (default: <workspace>/target/release,
                or $CARGO_TARGET_DIR/release)
  --only LIST   measure only these binaries";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("coldstart: {error}");
        std::process::exit(1);
    }
}

struct Args {
    runs: usize,
    bin_dir: PathBuf,
    only: Option<Vec<String>>,
}

fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn parse_args() -> Result<Args, BoxError> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_dir().join("target"));
    let mut args = Args { runs: 15, bin_dir: target.join("release"), only: None };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--runs" => args.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--bin-dir" => args.bin_dir = PathBuf::from(value()?),
            "--only" => args.only = Some(value()?.split(',').map(str::to_owned).collect()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}").into()),
        }
    }
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(args)
}

async fn run() -> Result<(), BoxError> {
    let args = parse_args()?;
    let database = match std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty()) {
        Some(endpoint) => Database::Endpoint(endpoint),
        None => {
            Database::Start { install_dir: workspace_dir().join(".local/dynamodb-local"), storage: Storage::InMemory }
        }
    };
    // Starts DynamoDB Local and creates the template's tables for stack `coldstart`.
    let gateway = local_gateway::start(Options::new(STACK, database, SECRET)).await?;
    let endpoint = gateway.dynamodb_endpoint.clone();
    let template = Template::load(STACK, REGION)?;
    // Let DynamoDB Local's JVM settle after creating the tables.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    let runtime_api = RuntimeApi::start(format!("arn:aws:lambda:{REGION}:000000000000:function:{STACK}")).await?;

    let tokens = shared::token::TokenService::from_env(&shared::config::Env::from_pairs([("JWT_SECRET", SECRET)]))?;
    let session = coldstart_session(&gateway.client).await?;
    let token =
        tokens.issue_access(USER_ID, "coldstart", shared::domain::Role::User, &session, shared::clock::Now::read())?;

    println!("| binary | event | answer | init median ms | median ms | p90 ms | min ms | max ms | binary MB |");
    println!("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut failures = 0;
    for function in &template.functions {
        if args.only.as_ref().is_some_and(|only| !only.contains(&function.binary)) {
            continue;
        }
        let binary = args.bin_dir.join(&function.binary);
        if !binary.is_file() {
            return Err(format!(
                "{} not found: build with `cargo build --release -p functions --bins`",
                binary.display()
            )
            .into());
        }
        let (label, event) = match representative_event(&template, function, &token) {
            Some(found) => found,
            None => {
                println!("| {} | (no API route, skipped) | | | | | | | |", function.binary);
                continue;
            }
        };
        let env = lambda_environment(function, STACK, REGION, MEMORY_MB, &endpoint, SECRET, &binary);
        let mut times = Vec::with_capacity(args.runs);
        let mut inits = Vec::with_capacity(args.runs);
        let mut answer = String::new();
        // One discarded run first: it pays for reading the binary from disk and
        // for DynamoDB Local's first requests, which Lambda's figures do not have.
        for run in 0..=args.runs {
            let result = cold_start(&runtime_api, &binary, &env, event.clone()).await;
            if run == 0 && result.is_ok() {
                continue;
            }
            match result {
                Ok((init, elapsed, summary)) => {
                    inits.push(init.as_secs_f64() * 1000.0);
                    times.push(elapsed.as_secs_f64() * 1000.0);
                    answer = summary;
                }
                Err(error) => {
                    eprintln!("{} run {run}: {error}", function.binary);
                    failures += 1;
                    break;
                }
            }
        }
        if times.is_empty() {
            println!("| {} | {label} | FAILED | | | | | | |", function.binary);
            continue;
        }
        times.sort_by(f64::total_cmp);
        inits.sort_by(f64::total_cmp);
        let size = std::fs::metadata(&binary)?.len() as f64 / 1_000_000.0;
        println!(
            "| {} | {label} | {answer} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {size:.2} |",
            function.binary,
            percentile(&inits, 0.5),
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            times[0],
            times[times.len() - 1],
        );
    }
    println!(
        "\n{} cold starts per function (AWS_LAMBDA_FUNCTION_MEMORY_SIZE={MEMORY_MB}); init = exec → first poll of \
         /invocation/next; median/p90/min/max = exec → first response posted.",
        args.runs
    );
    gateway.stop().await;
    if failures > 0 {
        return Err(format!("{failures} function(s) failed to answer").into());
    }
    Ok(())
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The user every event speaks for.
const USER_ID: &str = "coldstart-user";

/// A real user with a live session, so that the authorizer's session check
/// answers Allow as it would for a signed-in client; returns the session id.
async fn coldstart_session(client: &aws_sdk_dynamodb::Client) -> Result<String, BoxError> {
    let now = shared::clock::Now::read();
    let users = shared::repo::users::UsersRepo::new(client.clone(), format!("{STACK}-users"));
    let user = shared::repo::users::UserRecord {
        id: USER_ID.to_owned(),
        username: "coldstart".to_owned(),
        email: None,
        full_name: None,
        role: shared::domain::Role::User,
        password_hash: shared::password::hash_blocking("coldstart password")?,
        created_at: now.rfc3339(),
        updated_at: now.rfc3339(),
    };
    match users.create(&user).await {
        Ok(()) | Err(shared::repo::users::CreateUserError::UsernameTaken) => {}
        Err(other) => return Err(other.into()),
    }
    let auth = shared::repo::auth::AuthRepo::new(client.clone(), format!("{STACK}-auth"));
    let refresh = shared::token::new_refresh_token().map_err(|e| format!("no randomness: {e}"))?;
    let hash = shared::token::refresh_token_hash(refresh.expose()).ok_or("fresh token did not hash")?;
    Ok(auth.start_session(USER_ID, &hash, now.unix() + 3600, Default::default(), now).await?)
}

/// The authorizer gets a REQUEST event with a valid token; an HTTP function the
/// REST proxy event of its (first) route, with `{}` as the body of a write.
fn representative_event(template: &Template, function: &FunctionSpec, token: &str) -> Option<(String, Value)> {
    if template.authorizer.as_ref().is_some_and(|a| a.function == function.logical_id) {
        let event = json!({
            "type": "REQUEST",
            "methodArn": format!("arn:aws:execute-api:{REGION}:000000000000:coldstart/{}/GET/users/profile", template.stage),
            "resource": "/users/profile",
            "path": "/users/profile",
            "httpMethod": "GET",
            "headers": {"authorization": format!("Bearer {token}")},
            "multiValueHeaders": {"authorization": [format!("Bearer {token}")]},
            "queryStringParameters": {},
            "multiValueQueryStringParameters": {},
            "pathParameters": {},
            "stageVariables": {},
            "requestContext": request_context(template, "GET", "/users/profile", "/users/profile", None),
        });
        return Some(("authorizer REQUEST, valid token".to_owned(), event));
    }
    let route = template.routes.iter().find(|r| r.function == function.logical_id)?;
    Some((format!("{} {}", route.method, route.path), proxy_event(template, route, token)))
}

fn proxy_event(template: &Template, route: &RouteSpec, token: &str) -> Value {
    let mut params = serde_json::Map::new();
    let path: Vec<String> = route
        .path
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                params.insert(name.to_owned(), Value::String("coldstart-id".into()));
                "coldstart-id".to_owned()
            }
            None => segment.to_owned(),
        })
        .collect();
    let path = path.join("/");
    let mut headers =
        json!({"accept": "application/json", "content-type": "application/json", "user-agent": "coldstart"});
    let authorizer = route.authorized.then(|| {
        headers["authorization"] = Value::String(format!("Bearer {token}"));
        json!({"principalId": USER_ID, "user_id": USER_ID, "username": "coldstart", "role": "user", "sid": "coldstart-session"})
    });
    let multi: serde_json::Map<String, Value> =
        headers.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), json!([v]))).collect();
    let body = matches!(route.method.as_str(), "POST" | "PUT" | "PATCH").then(|| "{}".to_owned());
    json!({
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": if params.is_empty() { Value::Null } else { Value::Object(params) },
        "stageVariables": null,
        "requestContext": request_context(template, &route.method, &route.path, &path, authorizer),
        "body": body,
        "isBase64Encoded": false,
    })
}

fn request_context(template: &Template, method: &str, resource: &str, path: &str, authorizer: Option<Value>) -> Value {
    json!({
        "accountId": "000000000000",
        "apiId": "coldstart",
        "resourceId": "coldstart",
        "resourcePath": resource,
        "httpMethod": method,
        "path": format!("/{}{}", template.stage, path),
        "protocol": "HTTP/1.1",
        "stage": template.stage,
        "requestId": uuid::Uuid::new_v4().to_string(),
        "requestTimeEpoch": 0,
        "identity": {"sourceIp": "127.0.0.1", "userAgent": "coldstart"},
        "authorizer": authorizer,
    })
}

/// One cold start; the answer summarised, or an error with the function's logs.
async fn cold_start(
    runtime_api: &RuntimeApi,
    binary: &Path,
    env: &std::collections::HashMap<String, String>,
    event: Value,
) -> Result<(std::time::Duration, std::time::Duration, String), BoxError> {
    let invocation = runtime_api.invoke_cold(binary, env, event).await?;
    let body = &invocation.body;
    let summary = match invocation.posted {
        Posted::Response if body.get("statusCode").is_some() => format!("HTTP {}", body["statusCode"]),
        Posted::Response if body.get("policyDocument").is_some() => {
            format!("{} policy", body["policyDocument"]["Statement"][0]["Effect"].as_str().unwrap_or("?"))
        }
        posted => return Err(format!("{posted:?}: {body}; stderr:\n{}", invocation.logs).into()),
    };
    Ok((invocation.init, invocation.elapsed, summary))
}
