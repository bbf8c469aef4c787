//! Benchmark: `GET /orders` for one user while the orders table holds a small
//! and then a large number of orders, almost all of other users. The route is a
//! `Query` on the caller's key of the `by_owner` index, so its latency should
//! not depend on the table's size.
//!
//! ```sh
//! cargo run -p local-gateway --example orders_bench
//! # BENCH_SMALL=1000 BENCH_LARGE=100000 BENCH_REQUESTS=400 BENCH_USER_ORDERS=50 BENCH_LOADERS=8
//! ```
//!
//! It starts its own in-memory DynamoDB Local and two gateways on port 0 over
//! two stacks' tables, loads orders straight into each orders table with
//! parallel `BatchWriteItem`s (the stored form comes from the repository), and
//! times sequential requests in interleaved rounds. Results go to
//! BENCHMARKS.md by hand.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use futures::stream::{self, StreamExt};
use local_gateway::dynamodb_local::{self, DynamoDbLocal, Storage};
use local_gateway::{Database, Options};
use shared::clock::Now;
use shared::domain::{OrderStatus, Role};
use shared::repo::orders::{Order, OrderLine};
use shared::repo::users::{UserRecord, UsersRepo};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn order(n: usize, user_id: &str) -> Order {
    // Distinct, sortable creation times spread over the past.
    let created = Now::at_unix(1_700_000_000 + n as i64).rfc3339();
    Order {
        id: format!("bench-{n:07}"),
        user_id: user_id.to_owned(),
        items: vec![OrderLine {
            product_id: "bench-product".into(),
            name: "Bench Product".into(),
            unit_price: 1_000,
            quantity: 1,
            line_total: 1_000,
        }],
        total: 1_000,
        status: OrderStatus::Pending,
        created_at: created.clone(),
        updated_at: created,
    }
}

/// Writes orders `range` (owner chosen by `owner_of`) with parallel batches of 25.
async fn load(
    client: &Client,
    table: &str,
    range: std::ops::Range<usize>,
    owner_of: impl Fn(usize) -> String,
    loaders: usize,
) -> Result<Duration, BoxError> {
    let started = Instant::now();
    let batches: Vec<Vec<WriteRequest>> = range
        .collect::<Vec<_>>()
        .chunks(25)
        .map(|chunk| {
            chunk
                .iter()
                .map(|n| {
                    let put = PutRequest::builder().set_item(Some(order(*n, &owner_of(*n)).to_item())).build()?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<Vec<_>, BoxError>>()
        })
        .collect::<Result<_, _>>()?;
    let results: Vec<Result<(), BoxError>> = stream::iter(batches)
        .map(|mut batch| async move {
            for attempt in 0..20u64 {
                let out = client.batch_write_item().request_items(table, batch).send().await?;
                batch = out.unprocessed_items().and_then(|u| u.get(table)).cloned().unwrap_or_default();
                if batch.is_empty() {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(10 * (attempt + 1))).await;
            }
            Err("unprocessed items after 20 attempts".into())
        })
        .buffer_unordered(loaders)
        .collect()
        .await;
    results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(started.elapsed())
}

struct Timing {
    median: Duration,
    p99: Duration,
    mean: Duration,
    n: usize,
}

impl Timing {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let n = samples.len();
        let mean = samples.iter().sum::<Duration>() / n.max(1) as u32;
        Self { median: samples[n / 2], p99: samples[(n * 99 / 100).min(n - 1)], mean, n }
    }
}

async fn warm_up(http: &reqwest::Client, url: &str, token: &str) -> Result<(), BoxError> {
    for _ in 0..50 {
        http.get(url).bearer_auth(token).send().await?.error_for_status()?;
    }
    Ok(())
}

/// Times `n` sequential first-page requests; each must return a full page.
async fn time_requests(http: &reqwest::Client, url: &str, token: &str, n: usize) -> Result<Vec<Duration>, BoxError> {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let response = http.get(url).bearer_auth(token).send().await?.error_for_status()?;
        let body: serde_json::Value = response.json().await?;
        samples.push(started.elapsed());
        if body["data"]["items"].as_array().map(Vec::len) != Some(20) {
            return Err(format!("unexpected page: {body}").into());
        }
    }
    Ok(samples)
}

/// A gateway over its own stack's tables, with the benchmark user signed in.
struct Stack {
    gateway: local_gateway::RunningGateway,
    user_id: String,
    token: String,
}

async fn stack(name: &str, endpoint: &str, http: &reqwest::Client) -> Result<Stack, BoxError> {
    let mut options =
        Options::new(name, Database::Endpoint(endpoint.to_owned()), "bench-secret-0123456789-abcdefghijklmnop");
    options.seed = false;
    let gateway = local_gateway::start(options).await?;
    let users = UsersRepo::new(gateway.client.clone(), format!("{name}-users"));
    let now = Now::read().rfc3339();
    let user = UserRecord {
        id: uuid::Uuid::new_v4().to_string(),
        username: "bench".into(),
        email: None,
        full_name: None,
        role: Role::User,
        password_hash: shared::password::hash_blocking("bench-password-1")?,
        created_at: now.clone(),
        updated_at: now,
    };
    users.create(&user).await?;
    let login: serde_json::Value = http
        .post(format!("{}/auth/login", gateway.url()))
        .json(&serde_json::json!({"username": "bench", "password": "bench-password-1"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["data"]["access_token"].as_str().ok_or("login failed")?.to_owned();
    Ok(Stack { gateway, user_id: user.id, token })
}

/// The user's orders are spread evenly through the first `spread` orders; every
/// other order belongs to one of 1,000 other users.
fn owner_of(user_id: String, user_orders: usize, spread: usize) -> impl Fn(usize) -> String {
    let step = spread / user_orders;
    move |n: usize| {
        if n.checked_rem(step) == Some(0) && n / step < user_orders {
            user_id.clone()
        } else {
            format!("other-{}", n % 1_000)
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let small = env_usize("BENCH_SMALL", 1_000);
    let large = env_usize("BENCH_LARGE", 100_000);
    let requests = env_usize("BENCH_REQUESTS", 400);
    let user_orders = env_usize("BENCH_USER_ORDERS", 50);
    let loaders = env_usize("BENCH_LOADERS", 8);
    assert!(user_orders >= 20 && small > user_orders && large > small, "bad sizes");

    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let install = dynamodb_local::ensure_installed(&workspace.join(".local/dynamodb-local")).await?;
    let db = DynamoDbLocal::start(&install, &Storage::InMemory, 0).await?;
    let http = reqwest::Client::new();
    // Two stacks (two orders tables) in one DynamoDB Local: the same user has
    // the same orders in both; only the number of other users' orders differs.
    let a = stack("small", &db.endpoint(), &http).await?;
    let b = stack("large", &db.endpoint(), &http).await?;

    let took =
        load(&a.gateway.client, "small-orders", 0..small, owner_of(a.user_id.clone(), user_orders, small), loaders)
            .await?;
    println!("small table: loaded {small} orders in {:.1}s", took.as_secs_f64());
    let took =
        load(&b.gateway.client, "large-orders", 0..large, owner_of(b.user_id.clone(), user_orders, small), loaders)
            .await?;
    println!(
        "large table: loaded {large} orders in {:.1}s ({:.0} items/s)",
        took.as_secs_f64(),
        large as f64 / took.as_secs_f64()
    );

    // Interleaved rounds, so JVM warm-up and the shared machine's load drift
    // hit both tables alike.
    let (url_a, url_b) = (format!("{}/orders", a.gateway.url()), format!("{}/orders", b.gateway.url()));
    warm_up(&http, &url_a, &a.token).await?;
    warm_up(&http, &url_b, &b.token).await?;
    let (mut samples_a, mut samples_b) = (Vec::new(), Vec::new());
    let rounds = 10;
    for _ in 0..rounds {
        samples_a.extend(time_requests(&http, &url_a, &a.token, requests / rounds).await?);
        samples_b.extend(time_requests(&http, &url_b, &b.token, requests / rounds).await?);
    }
    let (first, second) = (Timing::of(samples_a), Timing::of(samples_b));
    for (size, timing) in [(small, &first), (large, &second)] {
        println!(
            "{size:>7} orders: median {:.2} ms, p99 {:.2} ms, mean {:.2} ms ({} requests)",
            ms(timing.median),
            ms(timing.p99),
            ms(timing.mean),
            timing.n
        );
    }
    println!("median ratio (large / small): {:.2}", ms(second.median) / ms(first.median));

    a.gateway.stop().await;
    b.gateway.stop().await;
    db.stop().await;
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
