//! Load test driver: mixed traffic at saturation against a running local
//! gateway, then the invariants, then the cost of the authorizer.
//!
//! Normally run through `scripts/load-test.sh`, which builds the release
//! gateway, starts it in memory on a free port and points this at it:
//!
//! ```sh
//! LOAD_URL=http://127.0.0.1:3000 JWT_SECRET=... cargo run --release -p local-gateway --example load
//! # LOAD_SECONDS=90 LOAD_CONCURRENCY=48 LOAD_USERS=16 LOAD_MAX_REQUESTS=2000000
//! # AUTH_SECONDS=40 AUTH_CONCURRENCY=8 AUTH_ROUNDS=5
//! ```
//!
//! Only loopback URLs are accepted. Every loop is bounded by a deadline and by
//! a request count. Phases:
//!
//! 1. setup: the admin (`admin`/`admin123`) logs in and creates the products
//!    (known stock, one scarce); `LOAD_USERS` users sign up and log in;
//! 2. load: `LOAD_CONCURRENCY` workers send a weighted mix of requests (logins,
//!    catalogue reads, authorized reads, orders — some with `Idempotency-Key`
//!    retries, sequential and concurrent — cancellations, health, and cart
//!    flows: add lines, change one, read the cart, check out — alone, with a
//!    key and its retry, or twice at once) for `LOAD_SECONDS`; every answer is
//!    timed and counted per route;
//! 3. checks: no 5xx (client and server `/metrics`), no transport errors, no
//!    unexpected status; for every product, stock + units in live orders =
//!    initial stock; the orders on the server are exactly the acknowledged
//!    ones with the statuses the clients saw; one order per idempotency key
//!    (checkouts included); one order per checkout of a cart; the cart empty
//!    after every checkout that placed an order;
//! 4. authorizer cost: `GET /health`, public `GET /products/{id}`,
//!    `GET /users/profile` with a cached token and with a new token on every
//!    request (an authorizer cache miss; needs `JWT_SECRET`), interleaved in
//!    rounds at fixed concurrency.
//!
//! Exits 1 if any check fails.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};
use shared::clock::Now;
use shared::config::Env;
use shared::domain::Role;
use shared::token::TokenService;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// A small xorshift generator: no need for cryptographic randomness here.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("randomness");
        Self(u64::from_le_bytes(bytes) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

// ---------------------------------------------------------------- statistics

#[derive(Default)]
struct RouteStats {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    /// Error answers by status and message (ids masked).
    reasons: BTreeMap<(u16, String), u64>,
    transport_errors: u64,
}

#[derive(Default)]
struct Stats {
    routes: BTreeMap<&'static str, RouteStats>,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        for (route, theirs) in other.routes {
            let ours = self.routes.entry(route).or_default();
            ours.latencies_us.extend(theirs.latencies_us);
            for (status, count) in theirs.statuses {
                *ours.statuses.entry(status).or_default() += count;
            }
            for (reason, count) in theirs.reasons {
                *ours.reasons.entry(reason).or_default() += count;
            }
            ours.transport_errors += theirs.transport_errors;
        }
    }
    fn total(&self) -> u64 {
        self.routes.values().map(|r| r.latencies_us.len() as u64 + r.transport_errors).sum()
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)] as f64 / 1000.0
}

/// An answer as the driver looks at it.
struct Answer {
    status: u16,
    replayed: bool,
    body: Value,
}

/// Sends a request, times it (until the body is read) and records it under `route`.
async fn call(stats: &mut Stats, route: &'static str, request: RequestBuilder) -> Option<Answer> {
    let started = Instant::now();
    let result = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let replayed = response.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
        let bytes = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, replayed, bytes))
    }
    .await;
    let elapsed = started.elapsed();
    let entry = stats.routes.entry(route).or_default();
    match result {
        Ok((status, replayed, bytes)) => {
            entry.latencies_us.push(elapsed.as_micros() as u64);
            *entry.statuses.entry(status).or_default() += 1;
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if status >= 400 {
                let message = body["error"]["message"].as_str().unwrap_or("(no envelope)");
                *entry.reasons.entry((status, mask_ids(message))).or_default() += 1;
            }
            Some(Answer { status, replayed, body })
        }
        Err(error) => {
            entry.transport_errors += 1;
            eprintln!("transport error on {route}: {error}");
            None
        }
    }
}

/// The message with ids (runs of hex digits and dashes) and parenthesised text masked.
fn mask_ids(message: &str) -> String {
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in message.chars() {
        match c {
            '(' => {
                if depth == 0 {
                    plain.push_str("(…)");
                }
                depth += 1;
            }
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = plain
        .split(' ')
        .map(|w| if w.len() >= 8 && w.chars().all(|c| c.is_ascii_hexdigit() || c == '-') { "<id>" } else { w })
        .collect();
    words.join(" ")
}

// ---------------------------------------------------------------- the world

struct User {
    id: String,
    username: String,
    password: String,
    token: String,
}

struct Product {
    id: String,
    initial: i64,
}

struct World {
    url: String,
    http: Client,
    users: Vec<User>,
    products: Vec<Product>,
    /// Index in `products` of the scarce one.
    scarce: usize,
    category: String,
    /// One per user: a cart flow holds its user's for the whole flow, so that
    /// flows of one user's cart do not interleave and "the cart is empty after
    /// a checkout" is a fact the flow can check.
    cart_locks: Vec<tokio::sync::Mutex<()>>,
}

impl World {
    fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.url));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }
}

/// What one worker saw happen to orders.
#[derive(Default)]
struct Ledger {
    /// Orders acknowledged with a 201: id → (user index, lines).
    created: HashMap<String, (usize, Vec<(String, i64)>)>,
    /// Ids of acknowledged orders acknowledged as cancelled.
    cancelled: BTreeSet<String>,
    /// Per idempotency key: the order ids of every 201 answer.
    keys: Vec<(String, Vec<String>)>,
    /// Requests that create or cancel orders and got no answer: the server
    /// state may then legitimately differ from the ledger.
    unknown_outcomes: u64,
    /// Statuses no route should have answered.
    unexpected: Vec<String>,
    /// Cart flows: checkouts that placed an order, and those refused (409).
    checkouts_placed: u64,
    checkouts_refused: u64,
    /// Carts found not empty right after their checkout placed an order.
    carts_left_full: u64,
    /// Pairs of concurrent checkouts of one cart without a key, and those of
    /// them that placed two orders.
    checkout_pairs: u64,
    double_checkouts: u64,
}

fn expect(ledger: &mut Ledger, route: &str, answer: &Option<Answer>, allowed: &[u16]) {
    if let Some(answer) = answer {
        if !allowed.contains(&answer.status) {
            if ledger.unexpected.len() < 20 {
                ledger.unexpected.push(format!("{route} → {}: {}", answer.status, answer.body));
            } else {
                ledger.unexpected.push(String::new());
            }
        }
    }
}

fn order_lines(body: &Value) -> Option<(String, Vec<(String, i64)>)> {
    let data = &body["data"];
    let id = data["id"].as_str()?.to_owned();
    let lines = data["items"]
        .as_array()?
        .iter()
        .map(|l| Some((l["product_id"].as_str()?.to_owned(), l["quantity"].as_i64()?)))
        .collect::<Option<Vec<_>>>()?;
    Some((id, lines))
}

// ---------------------------------------------------------------- setup

async fn login(http: &Client, url: &str, username: &str, password: &str) -> Result<Value, BoxError> {
    let response = http
        .post(format!("{url}/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if status != 200 {
        return Err(format!("login of {username} failed: {status} {body}").into());
    }
    Ok(body["data"].clone())
}

async fn setup(url: &str, user_count: usize) -> Result<World, BoxError> {
    let http = Client::builder().pool_max_idle_per_host(256).timeout(Duration::from_secs(30)).build()?;
    let admin = login(&http, url, "admin", "admin123").await?;
    let admin_token = admin["access_token"].as_str().ok_or("no admin token")?.to_owned();
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let run = &run_id[..8];
    let category = format!("load-{run}");

    // Four plentiful products and one scarce one, so some orders must be refused.
    let mut products = Vec::new();
    for (i, stock) in [20_000i64, 20_000, 20_000, 20_000, 30].into_iter().enumerate() {
        let body = json!({
            "name": format!("Load {run} product {i}"),
            "description": "load test",
            "price": 1_000 + 100 * i as i64,
            "stock": stock,
            "category": category,
        });
        let response = http.post(format!("{url}/products")).bearer_auth(&admin_token).json(&body).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if status != 201 {
            return Err(format!("creating a product failed: {status} {body}").into());
        }
        let id = body["data"]["id"].as_str().ok_or("no product id")?.to_owned();
        products.push(Product { id, initial: stock });
    }

    // Users sign up and log in, four at a time (each costs two argon2 runs).
    let mut users = Vec::new();
    let indices: Vec<usize> = (0..user_count).collect();
    for chunk in indices.chunks(4) {
        let batch = futures::future::join_all(chunk.iter().map(|i| {
            let http = &http;
            async move {
                let username = format!("load-{run}-{i}");
                let password = format!("Load test pass {run} {i}");
                let response = http
                    .post(format!("{url}/auth/signup"))
                    .json(&json!({"username": username, "password": password}))
                    .send()
                    .await?;
                if response.status() != 201 {
                    let status = response.status();
                    return Err(format!("signup failed: {status} {}", response.text().await?).into());
                }
                let session = login(http, url, &username, &password).await?;
                Ok::<_, BoxError>(User {
                    id: session["user"]["id"].as_str().ok_or("no user id")?.to_owned(),
                    token: session["access_token"].as_str().ok_or("no token")?.to_owned(),
                    username,
                    password,
                })
            }
        }))
        .await;
        for user in batch {
            users.push(user?);
        }
    }
    let scarce = products.len() - 1;
    let cart_locks = users.iter().map(|_| tokio::sync::Mutex::new(())).collect();
    Ok(World { url: url.to_owned(), http, users, products, scarce, category, cart_locks })
}

// ---------------------------------------------------------------- the mix

struct Budget {
    deadline: Instant,
    sent: AtomicU64,
    max: u64,
}

impl Budget {
    fn take(&self) -> bool {
        Instant::now() < self.deadline && self.sent.fetch_add(1, Ordering::Relaxed) < self.max
    }
}

/// A random cart: one or two lines, the scarce product in about a quarter.
fn cart(world: &World, rng: &mut Rng) -> Value {
    let mut lines = Vec::new();
    let first = if rng.chance(25) { world.scarce } else { rng.below(world.scarce) };
    lines.push(json!({"product_id": world.products[first].id, "quantity": 1 + rng.below(3)}));
    if rng.chance(40) {
        let second = rng.below(world.scarce);
        if second != first {
            lines.push(json!({"product_id": world.products[second].id, "quantity": 1 + rng.below(3)}));
        }
    }
    json!({ "items": lines })
}

fn record_created(ledger: &mut Ledger, user: usize, answer: &Option<Answer>) -> Option<String> {
    let answer = answer.as_ref()?;
    if answer.status != 201 {
        return None;
    }
    let (id, lines) = order_lines(&answer.body)?;
    ledger.created.entry(id.clone()).or_insert((user, lines));
    Some(id)
}

/// One cart flow of user `u`, holding the user's cart lock: fill the cart
/// (one to three lines, the scarce product now and then), change or remove a
/// line, read it, check out — alone with `key` and a retry with it, or twice
/// at once (with `key`, or without a key) — and check what followed.
async fn cart_flow(
    w: &World,
    rng: &mut Rng,
    stats: &mut Stats,
    ledger: &mut Ledger,
    u: usize,
    key: &str,
    pending: &mut Vec<String>,
) {
    let _own = w.cart_locks[u].lock().await;
    let token = w.users[u].token.as_str();
    let put = |product: usize, quantity: usize| {
        w.request(Method::PUT, &format!("/cart/items/{}", w.products[product].id), Some(token))
            .json(&json!({ "quantity": quantity }))
    };
    let mut chosen = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let product = if rng.chance(20) { w.scarce } else { rng.below(w.scarce) };
        let a = call(stats, "PUT /cart/items/{id}", put(product, 1 + rng.below(3))).await;
        expect(ledger, "PUT /cart/items/{id}", &a, &[200]);
        chosen.push(product);
    }
    let changed = chosen[rng.below(chosen.len())];
    let a = call(stats, "PUT /cart/items/{id}", put(changed, rng.below(4))).await;
    expect(ledger, "PUT /cart/items/{id}", &a, &[200]);
    let a = call(stats, "GET /cart", w.request(Method::GET, "/cart", Some(token))).await;
    expect(ledger, "GET /cart", &a, &[200]);

    let checkout = |with_key: bool| {
        let request = w.request(Method::POST, "/cart/checkout", Some(token));
        if with_key {
            request.header("idempotency-key", key)
        } else {
            request
        }
    };
    let mut answers = Vec::new();
    let twice = rng.chance(30);
    let keyed = !twice || rng.chance(50);
    if twice {
        let (mut s1, mut s2) = (Stats::default(), Stats::default());
        let (a, b) = futures::join!(
            call(&mut s1, "POST /cart/checkout (twice at once)", checkout(keyed)),
            call(&mut s2, "POST /cart/checkout (twice at once)", checkout(keyed))
        );
        stats.merge(s1);
        stats.merge(s2);
        answers.push(a);
        answers.push(b);
    } else {
        answers.push(call(stats, "POST /cart/checkout", checkout(true)).await);
        answers.push(call(stats, "POST /cart/checkout (Idempotency-Key retry)", checkout(true)).await);
    }
    let mut ids = Vec::new();
    for a in &answers {
        // 409: the scarce product is short, the cart was empty (every line
        // removed, or the twin placed the order), or the twin was in flight.
        expect(ledger, "POST /cart/checkout", a, &[201, 409]);
        ledger.unknown_outcomes += u64::from(a.is_none());
        if let Some(id) = record_created(ledger, u, a) {
            if !a.as_ref().is_some_and(|a| a.replayed) && !pending.contains(&id) {
                pending.push(id.clone());
            }
            ids.push(id);
        }
    }
    let distinct: BTreeSet<&String> = ids.iter().collect();
    if twice && !keyed {
        ledger.checkout_pairs += 1;
        ledger.double_checkouts += u64::from(distinct.len() > 1);
    }
    if keyed {
        ledger.keys.push((key.to_owned(), ids.clone()));
    }
    if distinct.is_empty() {
        ledger.checkouts_refused += 1;
        let a = call(stats, "DELETE /cart", w.request(Method::DELETE, "/cart", Some(token))).await;
        expect(ledger, "DELETE /cart", &a, &[200]);
    } else {
        ledger.checkouts_placed += distinct.len() as u64;
        let a = call(stats, "GET /cart", w.request(Method::GET, "/cart", Some(token))).await;
        expect(ledger, "GET /cart", &a, &[200]);
        if a.as_ref().is_some_and(|a| a.body["data"]["items"] != json!([])) {
            ledger.carts_left_full += 1;
        }
    }
}

async fn worker(world: Arc<World>, budget: Arc<Budget>, number: usize) -> (Stats, Ledger) {
    let mut rng = Rng::new();
    let mut stats = Stats::default();
    let mut ledger = Ledger::default();
    let mut tokens: Vec<String> = world.users.iter().map(|u| u.token.clone()).collect();
    let mut pending: Vec<String> = Vec::new();
    let mut serial = 0u64;
    let w = &*world;
    while budget.take() {
        let u = rng.below(w.users.len());
        let token = tokens[u].clone();
        let token = Some(token.as_str());
        let pick = rng.below(100);
        match pick {
            0..=3 => {
                let a = call(&mut stats, "GET /health", w.request(Method::GET, "/health", None)).await;
                expect(&mut ledger, "GET /health", &a, &[200]);
            }
            4..=13 => {
                let a = call(&mut stats, "GET /products", w.request(Method::GET, "/products?limit=20", None)).await;
                expect(&mut ledger, "GET /products", &a, &[200]);
            }
            14..=21 => {
                let path = format!("/products?category={}", w.category);
                let a = call(&mut stats, "GET /products?category=", w.request(Method::GET, &path, None)).await;
                expect(&mut ledger, "GET /products?category=", &a, &[200]);
            }
            22..=33 => {
                let path = format!("/products/{}", w.products[rng.below(w.products.len())].id);
                let a = call(&mut stats, "GET /products/{id}", w.request(Method::GET, &path, None)).await;
                expect(&mut ledger, "GET /products/{id}", &a, &[200]);
            }
            34..=45 => {
                let a = call(&mut stats, "GET /users/profile", w.request(Method::GET, "/users/profile", token)).await;
                expect(&mut ledger, "GET /users/profile", &a, &[200]);
            }
            46..=55 => {
                let a = call(&mut stats, "GET /orders", w.request(Method::GET, "/orders?limit=20", token)).await;
                expect(&mut ledger, "GET /orders", &a, &[200]);
            }
            56..=59 => {
                // One of the caller's orders: an id this worker created for that user, if any.
                let Some(id) = pending.iter().find(|id| ledger.created.get(*id).is_some_and(|(o, _)| *o == u)) else {
                    continue;
                };
                let path = format!("/orders/{id}");
                let a = call(&mut stats, "GET /orders/{id}", w.request(Method::GET, &path, token)).await;
                expect(&mut ledger, "GET /orders/{id}", &a, &[200]);
            }
            60..=62 => {
                let user = &w.users[u];
                let body = json!({"username": user.username, "password": user.password});
                let a = call(&mut stats, "POST /auth/login", w.request(Method::POST, "/auth/login", None).json(&body))
                    .await;
                expect(&mut ledger, "POST /auth/login", &a, &[200]);
                if let Some(fresh) = a.as_ref().and_then(|a| a.body["data"]["access_token"].as_str()) {
                    tokens[u] = fresh.to_owned();
                }
            }
            76..=81 => {
                serial += 1;
                let key = format!("cart-{number}-{serial}");
                cart_flow(w, &mut rng, &mut stats, &mut ledger, u, &key, &mut pending).await;
            }
            63..=75 => {
                let body = cart(w, &mut rng);
                let a = call(&mut stats, "POST /orders", w.request(Method::POST, "/orders", token).json(&body)).await;
                expect(&mut ledger, "POST /orders", &a, &[201, 409]);
                ledger.unknown_outcomes += u64::from(a.is_none());
                if let Some(id) = record_created(&mut ledger, u, &a) {
                    pending.push(id);
                }
            }
            82..=89 => {
                // An order with an Idempotency-Key, then retries with the same key:
                // sometimes two copies at once, then one after the other.
                serial += 1;
                let key = format!("load-{number}-{serial}");
                let body = cart(w, &mut rng);
                let send = || w.request(Method::POST, "/orders", token).header("idempotency-key", &key).json(&body);
                let mut ids = Vec::new();
                let mut answers = Vec::new();
                if rng.chance(30) {
                    let (mut s1, mut s2) = (Stats::default(), Stats::default());
                    let (a, b) = futures::join!(
                        call(&mut s1, "POST /orders (Idempotency-Key)", send()),
                        call(&mut s2, "POST /orders (Idempotency-Key)", send())
                    );
                    stats.merge(s1);
                    stats.merge(s2);
                    answers.push(a);
                    answers.push(b);
                } else {
                    answers.push(call(&mut stats, "POST /orders (Idempotency-Key)", send()).await);
                }
                for _ in 0..1 + rng.below(2) {
                    answers.push(call(&mut stats, "POST /orders (Idempotency-Key retry)", send()).await);
                }
                for a in &answers {
                    // 409: not enough stock, or the twin still in flight.
                    expect(&mut ledger, "POST /orders (Idempotency-Key)", a, &[201, 409]);
                    ledger.unknown_outcomes += u64::from(a.is_none());
                    if let Some(id) = record_created(&mut ledger, u, a) {
                        if !a.as_ref().is_some_and(|a| a.replayed) && !pending.contains(&id) {
                            pending.push(id.clone());
                        }
                        ids.push(id);
                    }
                }
                ledger.keys.push((key, ids));
            }
            _ => {
                // Cancel one of this worker's pending orders (as its owner); now
                // and then cancel an already cancelled one, which must be a 409.
                let again = rng.chance(10) && !ledger.cancelled.is_empty();
                let id = if again {
                    ledger.cancelled.iter().nth(rng.below(ledger.cancelled.len())).cloned()
                } else if pending.is_empty() {
                    None
                } else {
                    Some(pending.swap_remove(rng.below(pending.len())))
                };
                let Some(id) = id else { continue };
                let owner = ledger.created[&id].0;
                let path = format!("/orders/{id}");
                let body = json!({"status": "cancelled"});
                let a = call(
                    &mut stats,
                    "PUT /orders/{id}",
                    w.request(Method::PUT, &path, Some(tokens[owner].as_str())).json(&body),
                )
                .await;
                if again {
                    expect(&mut ledger, "PUT /orders/{id} (again)", &a, &[409]);
                } else {
                    expect(&mut ledger, "PUT /orders/{id}", &a, &[200]);
                    match &a {
                        Some(a) if a.status == 200 => {
                            ledger.cancelled.insert(id);
                        }
                        Some(_) => {}
                        None => ledger.unknown_outcomes += 1,
                    }
                }
            }
        }
    }
    (stats, ledger)
}

// ---------------------------------------------------------------- checks

struct Checks {
    failed: bool,
    lines: Vec<String>,
}

impl Checks {
    fn check(&mut self, ok: bool, text: String) {
        self.failed |= !ok;
        self.lines.push(format!("- [{}] {text}", if ok { "ok" } else { "FAILED" }));
    }
}

/// Every order of a user, following the cursor.
async fn all_orders(world: &World, user: &User) -> Result<Vec<Value>, BoxError> {
    let mut orders = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let mut path = "/orders?limit=100".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", percent_encode(c)));
        }
        let response = world.request(Method::GET, &path, Some(user.token.as_str())).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if status != 200 {
            return Err(format!("GET /orders for {}: {status} {body}", user.username).into());
        }
        orders.extend(body["data"]["items"].as_array().cloned().unwrap_or_default());
        match body["data"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(orders),
        }
    }
    Err("too many pages".into())
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Server-side 5xx counts from `GET /metrics`, by function.
async fn server_5xx(world: &World) -> Result<BTreeMap<String, u64>, BoxError> {
    let text = world.http.get(format!("{}/metrics", world.url)).send().await?.text().await?;
    let mut counts = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("shop_requests_total{")) {
        let status = line.split("status=\"").nth(1).and_then(|s| s.get(..3)).unwrap_or("");
        let function = line.split("function=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("?");
        let count: u64 = line.rsplit(' ').next().and_then(|c| c.parse().ok()).unwrap_or(0);
        if status.starts_with('5') {
            *counts.entry(function.to_owned()).or_default() += count;
        }
    }
    Ok(counts)
}

async fn run_checks(world: &World, stats: &Stats, ledger: &Ledger) -> Result<Checks, BoxError> {
    let mut checks = Checks { failed: false, lines: Vec::new() };
    let client_5xx: u64 =
        stats.routes.values().flat_map(|r| r.statuses.iter()).filter(|(s, _)| **s >= 500).map(|(_, c)| c).sum();
    checks.check(client_5xx == 0, format!("no 5xx answers (client side): {client_5xx}"));
    let server = server_5xx(world).await?;
    checks.check(server.is_empty(), format!("no 5xx answers (server `/metrics`): {server:?}"));
    let transport: u64 = stats.routes.values().map(|r| r.transport_errors).sum();
    checks.check(transport == 0, format!("no transport errors or timeouts: {transport}"));
    let unexpected: Vec<_> = ledger.unexpected.iter().filter(|s| !s.is_empty()).take(5).collect();
    checks.check(
        ledger.unexpected.is_empty(),
        format!("no unexpected status: {} (first: {unexpected:?})", ledger.unexpected.len()),
    );

    // What the server holds: every order of every test user.
    let mut server_orders: HashMap<String, (String, Vec<(String, i64)>)> = HashMap::new();
    for user in &world.users {
        for order in all_orders(world, user).await? {
            let (id, lines) = order_lines(&json!({ "data": order })).ok_or("malformed order")?;
            let status = order["status"].as_str().unwrap_or("?").to_owned();
            server_orders.insert(id, (status, lines));
        }
    }
    let mut live_units: HashMap<&str, i64> = HashMap::new();
    for (status, lines) in server_orders.values() {
        if status != "cancelled" {
            for (product, quantity) in lines {
                *live_units.entry(product.as_str()).or_default() += quantity;
            }
        }
    }
    for (i, product) in world.products.iter().enumerate() {
        let response = world.request(Method::GET, &format!("/products/{}", product.id), None).send().await?;
        let body: Value = response.json().await?;
        let stock = body["data"]["stock"].as_i64().ok_or("no stock")?;
        let live = live_units.get(product.id.as_str()).copied().unwrap_or(0);
        let scarce = if i == world.scarce { " (scarce)" } else { "" };
        checks.check(
            stock >= 0 && stock + live == product.initial,
            format!(
                "product {i}{scarce}: stock {stock} + {live} units in live orders = {} (initial {})",
                stock + live,
                product.initial
            ),
        );
    }

    let acknowledged: BTreeSet<&str> = ledger.created.keys().map(String::as_str).collect();
    let on_server: BTreeSet<&str> = server_orders.keys().map(String::as_str).collect();
    let missing = acknowledged.difference(&on_server).count();
    let extra = on_server.difference(&acknowledged).count();
    let strict = ledger.unknown_outcomes == 0;
    checks.check(
        missing == 0 && (extra == 0 || !strict),
        format!(
            "orders on the server = orders acknowledged with 201: {} vs {} (missing {missing}, unacknowledged {extra}; {} create/cancel requests without an answer)",
            on_server.len(),
            acknowledged.len(),
            ledger.unknown_outcomes
        ),
    );
    let wrong_status = server_orders
        .iter()
        .filter(|(id, (status, _))| {
            acknowledged.contains(id.as_str())
                && (status.as_str() == "cancelled") != ledger.cancelled.contains(id.as_str())
                && strict
        })
        .count();
    checks.check(
        wrong_status == 0,
        format!(
            "every order has the status its client saw ({} cancelled, {} pending): {wrong_status} differ",
            ledger.cancelled.len(),
            server_orders.len().saturating_sub(ledger.cancelled.len())
        ),
    );
    let mut duplicate_keys = 0;
    let mut replayed = 0;
    let mut ids_by_key = 0;
    for (_, ids) in &ledger.keys {
        let distinct: BTreeSet<&String> = ids.iter().collect();
        duplicate_keys += usize::from(distinct.len() > 1);
        replayed += ids.len().saturating_sub(1);
        ids_by_key += distinct.len();
    }
    checks.check(
        duplicate_keys == 0,
        format!(
            "one order per Idempotency-Key: {} keys, {ids_by_key} orders, {replayed} replays of the same order, {duplicate_keys} keys with more than one order",
            ledger.keys.len()
        ),
    );
    checks.check(
        ledger.double_checkouts == 0,
        format!(
            "one order per checkout of a cart: {} pairs of concurrent checkouts without a key, {} placed two orders",
            ledger.checkout_pairs, ledger.double_checkouts
        ),
    );
    checks.check(
        ledger.carts_left_full == 0,
        format!(
            "the cart is empty after every checkout that placed an order: {} placed, {} refused, {} carts left full",
            ledger.checkouts_placed, ledger.checkouts_refused, ledger.carts_left_full
        ),
    );
    Ok(checks)
}

// ---------------------------------------------------------------- authorizer cost

#[derive(Clone, Copy, PartialEq)]
enum Probe {
    Health,
    PublicGet,
    ProfileCached,
    ProfileNewToken,
}

impl Probe {
    fn label(self) -> &'static str {
        match self {
            Probe::Health => "GET /health (public, 4× DescribeTable)",
            Probe::PublicGet => "GET /products/{id} (public, 1 GetItem)",
            Probe::ProfileCached => "GET /users/profile, same token (authorizer cache hit, 1 GetItem)",
            Probe::ProfileNewToken => {
                "GET /users/profile, new token each request (authorizer runs: session check + 1 GetItem)"
            }
        }
    }
}

async fn probe_worker(world: Arc<World>, probe: Probe, until: Instant, tokens: Option<Arc<TokenService>>) -> Vec<u64> {
    let mut rng = Rng::new();
    let mut samples = Vec::new();
    let w = &*world;
    for _ in 0..100_000 {
        if Instant::now() >= until {
            break;
        }
        let user = &w.users[rng.below(w.users.len())];
        let request = match probe {
            Probe::Health => w.request(Method::GET, "/health", None),
            Probe::PublicGet => {
                w.request(Method::GET, &format!("/products/{}", w.products[rng.below(w.products.len())].id), None)
            }
            Probe::ProfileCached => w.request(Method::GET, "/users/profile", Some(user.token.as_str())),
            Probe::ProfileNewToken => {
                let Some(tokens) = &tokens else { break };
                // A fresh token of the user's own session: the authorizer's cache misses.
                let sid = tokens.verify_access(&user.token).expect("the user's token").sid;
                let token =
                    tokens.issue_access(&user.id, &user.username, Role::User, &sid, Now::read()).expect("token");
                w.request(Method::GET, "/users/profile", Some(token.as_str()))
            }
        };
        let started = Instant::now();
        match request.send().await {
            Ok(response) if response.status() == 200 => {
                let _ = response.bytes().await;
                samples.push(started.elapsed().as_micros() as u64);
            }
            Ok(response) => eprintln!("probe {}: status {}", probe.label(), response.status()),
            Err(error) => eprintln!("probe {}: {error}", probe.label()),
        }
    }
    samples
}

async fn authorizer_cost(world: &Arc<World>, seconds: u64, concurrency: usize, rounds: u64) -> Vec<String> {
    let tokens = std::env::var("JWT_SECRET")
        .ok()
        .and_then(|secret| TokenService::from_env(&Env::from_pairs([("JWT_SECRET", secret)])).ok())
        .map(Arc::new);
    let mut probes = vec![Probe::Health, Probe::PublicGet, Probe::ProfileCached];
    if tokens.is_some() {
        probes.push(Probe::ProfileNewToken);
    }
    let slice = Duration::from_secs_f64(seconds as f64 / (rounds as f64 * probes.len() as f64));
    let mut samples: Vec<Vec<u64>> = vec![Vec::new(); probes.len()];
    let mut busy = vec![Duration::ZERO; probes.len()];
    let mut round_medians: Vec<Vec<f64>> = vec![Vec::new(); probes.len()];
    for round in 0..rounds {
        // Alternate the order of the probes from round to round.
        let order: Vec<usize> =
            if round % 2 == 0 { (0..probes.len()).collect() } else { (0..probes.len()).rev().collect() };
        for i in order {
            let until = Instant::now() + slice;
            let started = Instant::now();
            let handles: Vec<_> = (0..concurrency)
                .map(|_| tokio::spawn(probe_worker(world.clone(), probes[i], until, tokens.clone())))
                .collect();
            let mut this_round = Vec::new();
            for handle in handles {
                this_round.extend(handle.await.unwrap_or_default());
            }
            this_round.sort_unstable();
            round_medians[i].push(percentile(&this_round, 0.5));
            samples[i].extend(this_round);
            busy[i] += started.elapsed();
        }
    }
    let mut out = vec![
        format!(
            "Fixed concurrency {concurrency}, {rounds} interleaved rounds, {:.1} s per probe per round.",
            slice.as_secs_f64()
        ),
        String::new(),
        "| probe | requests | req/s | p50 ms | p99 ms |".into(),
        "| --- | ---: | ---: | ---: | ---: |".into(),
    ];
    let mut medians = Vec::new();
    let mut p99s = Vec::new();
    for (i, probe) in probes.iter().enumerate() {
        samples[i].sort_unstable();
        let (p50, p99) = (percentile(&samples[i], 0.5), percentile(&samples[i], 0.99));
        medians.push(p50);
        p99s.push(p99);
        out.push(format!(
            "| {} | {} | {:.0} | {p50:.2} | {p99:.2} |",
            probe.label(),
            samples[i].len(),
            samples[i].len() as f64 / busy[i].as_secs_f64()
        ));
    }
    out.push(String::new());
    for (i, probe) in probes.iter().enumerate() {
        let rounds: Vec<String> = round_medians[i].iter().map(|m| format!("{m:.2}")).collect();
        out.push(format!("- p50 by round, {}: {} ms", probe.label(), rounds.join(", ")));
    }
    let ratio = |a: usize, b: usize| format!("p50 {:.2}, p99 {:.2}", medians[a] / medians[b], p99s[a] / p99s[b]);
    out.push(format!("- profile (cache hit) / public GET: {}", ratio(2, 1)));
    out.push(format!("- profile (cache hit) / health: {}", ratio(2, 0)));
    if probes.len() == 4 {
        out.push(format!("- profile (authorizer runs) / profile (cache hit): {}", ratio(3, 2)));
        out.push(format!("- profile (authorizer runs) / public GET: {}", ratio(3, 1)));
    }
    out
}

// ---------------------------------------------------------------- main

fn loopback_only(url: &str) -> Result<(), BoxError> {
    let parsed = reqwest::Url::parse(url)?;
    let host = parsed.host_str().unwrap_or("");
    let loopback =
        host == "localhost" || host == "[::1]" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!("LOAD_URL must be a loopback address, not {host:?}").into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("LOAD_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".into());
    let url = url.trim_end_matches('/').to_owned();
    loopback_only(&url)?;
    let seconds = env_u64("LOAD_SECONDS", 90).clamp(1, 1_800);
    let concurrency = env_u64("LOAD_CONCURRENCY", 48).clamp(1, 512) as usize;
    let user_count = env_u64("LOAD_USERS", 16).clamp(1, 500) as usize;
    let max_requests = env_u64("LOAD_MAX_REQUESTS", 2_000_000);
    let auth_seconds = env_u64("AUTH_SECONDS", 40).min(600);
    let auth_concurrency = env_u64("AUTH_CONCURRENCY", 8).clamp(1, 256) as usize;
    let auth_rounds = env_u64("AUTH_ROUNDS", 5).clamp(1, 50);

    let started = Instant::now();
    let world = Arc::new(setup(&url, user_count).await?);
    println!(
        "setup: {} users, {} products (stock {:?}) in {:.1}s",
        world.users.len(),
        world.products.len(),
        world.products.iter().map(|p| p.initial).collect::<Vec<_>>(),
        started.elapsed().as_secs_f64()
    );

    let budget = Arc::new(Budget {
        deadline: Instant::now() + Duration::from_secs(seconds),
        sent: AtomicU64::new(0),
        max: max_requests,
    });
    let load_started = Instant::now();
    let handles: Vec<_> = (0..concurrency).map(|n| tokio::spawn(worker(world.clone(), budget.clone(), n))).collect();
    let mut stats = Stats::default();
    let mut ledger = Ledger::default();
    for handle in handles {
        let (s, l) = handle.await?;
        stats.merge(s);
        ledger.created.extend(l.created);
        ledger.cancelled.extend(l.cancelled);
        ledger.keys.extend(l.keys);
        ledger.unknown_outcomes += l.unknown_outcomes;
        ledger.unexpected.extend(l.unexpected);
        ledger.checkouts_placed += l.checkouts_placed;
        ledger.checkouts_refused += l.checkouts_refused;
        ledger.carts_left_full += l.carts_left_full;
        ledger.checkout_pairs += l.checkout_pairs;
        ledger.double_checkouts += l.double_checkouts;
    }
    let elapsed = load_started.elapsed().as_secs_f64();

    println!("\n## Mixed load: {concurrency} connections, {elapsed:.1} s, {} users\n", world.users.len());
    println!("**{} requests, {:.0} req/s overall**\n", stats.total(), stats.total() as f64 / elapsed);
    println!("| route | requests | req/s | p50 ms | p99 ms | statuses |");
    println!("| --- | ---: | ---: | ---: | ---: | --- |");
    for (route, r) in stats.routes.iter_mut() {
        r.latencies_us.sort_unstable();
        let mut statuses: Vec<String> = r.statuses.iter().map(|(s, c)| format!("{s}: {c}")).collect();
        if r.transport_errors > 0 {
            statuses.push(format!("transport errors: {}", r.transport_errors));
        }
        let n = r.latencies_us.len() as u64 + r.transport_errors;
        println!(
            "| {route} | {n} | {:.1} | {:.2} | {:.2} | {} |",
            n as f64 / elapsed,
            percentile(&r.latencies_us, 0.5),
            percentile(&r.latencies_us, 0.99),
            statuses.join(", ")
        );
    }

    println!("\nError answers by reason:\n");
    for (route, r) in &stats.routes {
        for ((status, message), count) in &r.reasons {
            println!("- {route} → {status} \"{message}\": {count}");
        }
    }

    let checks = run_checks(&world, &stats, &ledger).await?;
    println!("\n## Invariants\n");
    for line in &checks.lines {
        println!("{line}");
    }

    if auth_seconds > 0 {
        println!("\n## Authorizer cost\n");
        for line in authorizer_cost(&world, auth_seconds, auth_concurrency, auth_rounds).await {
            println!("{line}");
        }
    }

    if checks.failed {
        println!("\nRESULT: FAILED");
        std::process::exit(1);
    }
    println!("\nRESULT: ok");
    Ok(())
}
