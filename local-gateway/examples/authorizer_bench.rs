//! Benchmark: what the authorizer's session check costs (issue 11, item 3).
//!
//! ```sh
//! cargo run --release -p local-gateway --example authorizer_bench
//! # BENCH_INVOCATIONS=2000 BENCH_REQUESTS=300 BENCH_ROUNDS=5
//! ```
//!
//! Two measurements against its own in-memory DynamoDB Local:
//!
//! - **per invocation**: the authorizer function itself, invoked with a REQUEST
//!   event for a live session (JWT check + one `BatchGetItem`), against the
//!   JWT check alone — which is all the authorizer did before sessions were
//!   checked;
//! - **per request**: `GET /users/profile` through a gateway whose authorizer
//!   cache is off (every request is a cache miss: the authorizer runs) and one
//!   whose cache holds answers for 60 s (hits), and the public
//!   `GET /products/{id}` (one `GetItem`, no authorizer), in interleaved rounds
//!   of sequential requests.
//!
//! Results go to BENCHMARKS.md by hand.

use std::time::{Duration, Instant};

use local_gateway::dynamodb_local::{self, DynamoDbLocal, Storage};
use local_gateway::{Database, Options};
use serde_json::json;
use shared::config::Env;
use shared::domain::Role;
use shared::InitContext;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SECRET: &str = "bench-secret-0123456789-abcdefghijklmnop";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Stats {
    median: Duration,
    p90: Duration,
    p99: Duration,
    n: usize,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let n = samples.len();
        let at = |q: usize| samples[(n * q / 100).min(n - 1)];
        Self { median: samples[n / 2], p90: at(90), p99: at(99), n }
    }

    fn row(&self, what: &str) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!("| {what} | {} | {:.3} | {:.3} | {:.3} |", self.n, ms(self.median), ms(self.p90), ms(self.p99))
    }
}

async fn time<F, Fut>(n: usize, mut f: F) -> Result<Vec<Duration>, BoxError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), BoxError>>,
{
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        f().await?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let invocations = env_usize("BENCH_INVOCATIONS", 2000);
    let requests = env_usize("BENCH_REQUESTS", 300);
    let rounds = env_usize("BENCH_ROUNDS", 5);
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let install = dynamodb_local::ensure_installed(&workspace.join(".local/dynamodb-local")).await?;
    let db = DynamoDbLocal::start(&install, &Storage::InMemory, 0).await?;
    let gateway = |ttl: &str| {
        let mut options = Options::new("bench", Database::Endpoint(db.endpoint()), SECRET);
        options.parameters = vec![("AuthorizerCacheTtlSeconds".into(), ttl.into())];
        local_gateway::start(options)
    };
    let uncached = gateway("0").await?;
    let cached = gateway("60").await?;
    tokio::time::sleep(Duration::from_secs(2)).await; // let the JVM settle after creating tables
    let http = reqwest::Client::new();

    // A user with a live session (role user: no admin re-check in the glue),
    // and a product, made by an admin, for the public baseline.
    let users = shared::repo::users::UsersRepo::new(uncached.client.clone(), "bench-users");
    let login = |username: &'static str, role: Role| {
        let (users, http, url) = (users.clone(), http.clone(), uncached.url());
        async move {
            let now = shared::clock::Now::read();
            let user = shared::repo::users::UserRecord {
                id: uuid::Uuid::new_v4().to_string(),
                username: username.into(),
                email: None,
                full_name: None,
                role,
                password_hash: shared::password::hash_blocking("bench password 1")?,
                created_at: now.rfc3339(),
                updated_at: now.rfc3339(),
            };
            users.create(&user).await?;
            let body = json!({"username": username, "password": "bench password 1"});
            let login: serde_json::Value =
                http.post(format!("{url}/auth/login")).json(&body).send().await?.json().await?;
            Ok::<String, BoxError>(login["data"]["access_token"].as_str().ok_or("no token")?.to_owned())
        }
    };
    let token = login("bench", Role::User).await?;
    let admin = login("boss", Role::Admin).await?;
    let product = http
        .post(format!("{}/products", uncached.url()))
        .bearer_auth(&admin)
        .json(&json!({"name": "Bench", "price": 100, "stock": 1, "category": "bench"}))
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?;
    let product_id = product["data"]["id"].as_str().ok_or("no product")?.to_owned();

    // Per invocation: the authorizer function against the JWT check alone.
    let function = uncached.template.functions.iter().find(|f| f.binary == "authorizer").ok_or("no authorizer")?;
    let mut env = Env::from_pairs(function.environment.clone());
    for (key, value) in
        [("DYNAMODB_ENDPOINT", db.endpoint().as_str()), ("AWS_REGION", "us-east-1"), ("JWT_SECRET", SECRET)]
    {
        env.set(key, value);
    }
    let ctx = InitContext::new(env.clone());
    let (_, build) = functions::routes::AUTHORIZER;
    let authorizer = build(&ctx).await?;
    let tokens = shared::token::TokenService::from_env(&env)?;
    let event = json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:000000000000:bench/v1/GET/users/profile",
        "resource": "/users/profile", "path": "/users/profile", "httpMethod": "GET",
        "headers": {"authorization": format!("Bearer {token}")},
        "multiValueHeaders": {"authorization": [format!("Bearer {token}")]},
        "requestContext": {},
    });
    for _ in 0..50 {
        authorizer.invoke(event.clone()).await.map_err(|e| format!("authorizer: {e}"))?;
    }
    let (mut check_only, mut full) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        check_only.extend(
            time(invocations / rounds, || async {
                tokens.verify_access(&token).map(|_| ()).map_err(|e| e.to_string().into())
            })
            .await?,
        );
        full.extend(
            time(invocations / rounds, || async {
                authorizer.invoke(event.clone()).await.map(|_| ()).map_err(|e| format!("authorizer: {e}").into())
            })
            .await?,
        );
    }

    // Per request, through the gateways, in interleaved rounds.
    let get = |url: String, token: Option<String>| {
        let http = http.clone();
        move || {
            let request = http.get(url.clone());
            let request = match &token {
                Some(token) => request.bearer_auth(token),
                None => request,
            };
            async move {
                let response = request.send().await?;
                if !response.status().is_success() {
                    return Err(format!("status {}", response.status()).into());
                }
                response.bytes().await?;
                Ok::<(), BoxError>(())
            }
        }
    };
    let miss = get(format!("{}/users/profile", uncached.url()), Some(token.clone()));
    let hit = get(format!("{}/users/profile", cached.url()), Some(token.clone()));
    let public = get(format!("{}/products/{product_id}", cached.url()), None);
    for probe in [&miss, &hit, &public] {
        time(50, probe).await?; // warm-up
    }
    let (mut misses, mut hits, mut publics) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let per_round = requests / rounds;
        if round % 2 == 0 {
            misses.extend(time(per_round, &miss).await?);
            hits.extend(time(per_round, &hit).await?);
            publics.extend(time(per_round, &public).await?);
        } else {
            publics.extend(time(per_round, &public).await?);
            hits.extend(time(per_round, &hit).await?);
            misses.extend(time(per_round, &miss).await?);
        }
    }

    println!("| what | n | median ms | p90 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    println!("{}", Stats::of(check_only).row("JWT check alone (the authorizer before sessions)"));
    println!("{}", Stats::of(full).row("authorizer invocation: JWT check + session check (BatchGetItem)"));
    println!("{}", Stats::of(publics).row("GET /products/{id}, public (1 GetItem, no authorizer)"));
    println!("{}", Stats::of(hits).row("GET /users/profile, authorizer cache hit"));
    println!("{}", Stats::of(misses).row("GET /users/profile, cache off: the authorizer runs every time"));

    cached.stop().await;
    uncached.stop().await;
    db.stop().await;
    Ok(())
}
