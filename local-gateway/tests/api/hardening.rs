//! Bad input on every route, and DynamoDB dying under traffic.

use std::time::{Duration, Instant};

use local_gateway::dynamodb_local::{free_port, DynamoDbLocal, Storage};
use local_gateway::Database;
use serde_json::{json, Value};
use shared::domain::Role;

use crate::helpers::{installation, spawn_app, spawn_app_with, test_options, Res, TestApp};

/// Every field name any route reads.
const FIELDS: &[&str] = &[
    "username",
    "password",
    "current_password",
    "email",
    "full_name",
    "role",
    "refresh_token",
    "token",
    "name",
    "description",
    "price",
    "stock",
    "category",
    "items",
    "status",
];

fn wrong_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(""),
        json!("x".repeat(20_000)),
        json!("\u{202e}\u{0}\u{feff}🦀\u{10ffff}"),
        json!([]),
        json!({}),
        json!([{"product_id": null, "quantity": "1"}]),
        json!([{"product_id": "x", "quantity": 1e10}]),
    ]
}

/// Raw bodies that are not what any route wants.
fn raw_bodies() -> Vec<String> {
    vec![
        "{".into(),
        "null".into(),
        "[]".into(),
        "123".into(),
        "\"text\"".into(),
        "{}".into(),
        format!("{}{}", "[".repeat(500), "]".repeat(500)),
        format!("{{\"a\":{}}}{}", "{\"a\":".repeat(200), "}".repeat(200)),
        r#"{"price": 1e400}"#.into(),
        r#"{"username": "\ud800"}"#.into(),
        format!("[{}]", vec!["1"; 10_000].join(",")),
        format!(r#"{{"items": [{}]}}"#, vec![r#"{"product_id":"p","quantity":1}"#; 500].join(",")),
        "\u{0}\u{1}binary\u{7f}".into(),
    ]
}

#[track_caller]
fn assert_no_server_error(res: &Res, what: &str) {
    assert!(res.status.as_u16() < 500, "{what}: {} {}", res.status, res.body);
    assert!(res.body.is_object(), "{what}: not JSON: {}", res.body);
    let success = res.body["success"].as_bool();
    assert!(success.is_some(), "{what}: not an envelope: {}", res.body);
    if success == Some(false) {
        assert!(res.body["error"]["code"].is_string() && res.body["error"]["message"].is_string(), "{what}");
    }
}

fn fill_path(path: &str, id: &str) -> String {
    let mut out = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(if segment.starts_with('{') { id } else { segment });
    }
    out
}

async fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<String>) -> Res {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = app.http.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body);
    }
    app.send(request).await
}

#[tokio::test]
async fn every_route_answers_bad_input_with_a_4xx_envelope() {
    let app = spawn_app().await;
    let admin = app.user_session("sweeper", Role::Admin).await;
    let product = app.create_product(&admin.access, "Sweep Lamp", 1_000, 1_000, "sweep").await;
    let order = app.order(&admin.access, &[(&product, 1)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
    let routes = app.gateway.template.routes.clone();
    let odd_ids = ["does-not-exist", "%F0%9F%A6%80", "..%2F..%2Fetc", &"i".repeat(600), "%00"];

    let mut checked = 0;
    for route in &routes {
        let token = route.authorized.then_some(admin.access.as_str());
        let real_id = if route.path.starts_with("/products") {
            product.as_str()
        } else if route.path.starts_with("/orders") {
            order.as_str()
        } else {
            admin.user_id.as_str()
        };
        // Odd path parameters.
        if route.path.contains('{') {
            for id in odd_ids {
                let body = (route.method != "GET" && route.method != "DELETE").then(|| "{}".to_owned());
                let res = send(&app, &route.method, &fill_path(&route.path, id), token, body).await;
                assert_no_server_error(&res, &format!("{} {} id={id}", route.method, route.path));
                checked += 1;
            }
        }
        if route.method == "DELETE" {
            continue; // a real id would really be deleted; odd ids are covered above
        }
        let path = fill_path(&route.path, real_id);
        if route.method == "GET" {
            for query in [
                "limit=abc",
                "limit=1e9",
                "limit=-5",
                "cursor=garbage",
                "cursor=eyJzIjoieCIsImsiOnt9fQ",
                "status=nope",
                "category=%00",
                &format!("q={}", "q".repeat(5000)),
                "user_id=someone-else",
                "limit=10&limit=20",
            ] {
                let res = send(&app, "GET", &format!("{path}?{query}"), token, None).await;
                assert_no_server_error(&res, &format!("GET {path}?{}", &query[..query.len().min(40)]));
                checked += 1;
            }
            continue;
        }
        for body in raw_bodies() {
            let res = send(&app, &route.method, &path, token, Some(body.clone())).await;
            assert_no_server_error(
                &res,
                &format!("{} {} body={}", route.method, route.path, &body[..body.len().min(40)]),
            );
            checked += 1;
        }
        for field in FIELDS {
            for value in wrong_values() {
                let body = json!({ *field: value }).to_string();
                let res = send(&app, &route.method, &path, token, Some(body)).await;
                assert_no_server_error(&res, &format!("{} {} {field}={value:.40}", route.method, route.path));
                checked += 1;
            }
        }
    }
    assert!(checked > 1_500, "only {checked} requests checked");

    // Wrong methods, huge headers, a huge bearer token.
    for route in &routes {
        let res = send(&app, "PATCH", &fill_path(&route.path, "x"), None, None).await;
        res.assert_error(404, "NOT_FOUND");
    }
    let res = app.send(app.http.get(app.url("/health")).header("x-padding", "a".repeat(16_000))).await;
    assert_no_server_error(&res, "16 KB header");
    let res = app.send(app.http.get(app.url("/users/profile")).bearer_auth("a".repeat(10_000))).await;
    res.assert_error(401, "UNAUTHORIZED");
}

/// Kills DynamoDB Local while orders are being placed and brings it back: the
/// outage answers 503 quickly, the gateway recovers without a restart, every
/// acknowledged order survives, and no half-done order ever changes stock.
#[tokio::test]
async fn dynamodb_dying_under_traffic_loses_nothing_and_leaves_stock_consistent() {
    let data_dir = std::env::temp_dir().join(format!("ddb-traffic-{}", uuid::Uuid::new_v4()));
    let storage = Storage::Directory(data_dir.clone());
    let port = free_port().expect("port");
    let db = DynamoDbLocal::start(installation(), &storage, port).await.expect("starts");
    let mut options = test_options();
    options.database = Database::Endpoint(db.endpoint());
    let app = spawn_app_with(options).await;
    let admin = app.user_session("ops", Role::Admin).await;
    let shopper = app.user_session("shopper", Role::User).await;
    const INITIAL: i64 = 10_000;
    let product = app.create_product(&admin.access, "Fault Widget", 100, INITIAL, "faults").await;

    // Traffic runs until three seconds after DynamoDB is back.
    let restarted_at = std::cell::Cell::new(None::<Instant>);
    let traffic = async {
        let mut acknowledged = Vec::new();
        let mut after_restart = 0;
        let mut outage_answers = Vec::new();
        let mut n = 0u32;
        while restarted_at.get().is_none_or(|at| at.elapsed() < Duration::from_secs(3)) {
            n += 1;
            let started = Instant::now();
            let res = app
                .post_with_headers(
                    "/orders",
                    &json!({"items": [{"product_id": product, "quantity": 1 + (n % 3)}]}),
                    Some(&shopper.access),
                    &[("idempotency-key", &format!("fault-{n}"))],
                )
                .await;
            match res.status.as_u16() {
                201 => {
                    acknowledged.push(res.body["data"]["id"].as_str().expect("id").to_owned());
                    after_restart += usize::from(restarted_at.get().is_some());
                }
                503 => {
                    res.assert_error(503, "SERVICE_UNAVAILABLE");
                    outage_answers.push(started.elapsed());
                }
                other => panic!("unexpected {other}: {}", res.body),
            }
        }
        (acknowledged, after_restart, outage_answers)
    };
    let chaos = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        db.stop().await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let db = DynamoDbLocal::start(installation(), &storage, port).await.expect("restarts");
        restarted_at.set(Some(Instant::now()));
        db
    };
    let ((acknowledged, after_restart, outage_answers), db) = tokio::join!(traffic, chaos);

    assert!(!outage_answers.is_empty(), "the outage was noticed");
    let slowest = outage_answers.iter().max().expect("some");
    assert!(*slowest < Duration::from_secs(5), "an outage answer took {slowest:?}");
    assert!(acknowledged.len() > after_restart, "orders were placed before the outage");
    assert!(after_restart > 0, "orders are placed again once DynamoDB is back, without a restart");
    app.get("/health", None).await.assert_ok(200);

    // Everything acknowledged is there, and stock matches the orders exactly.
    let pages = app.all_pages("/orders?limit=100", Some(&shopper.access)).await;
    let orders: Vec<Value> = pages.into_iter().flatten().collect();
    for id in &acknowledged {
        assert!(orders.iter().any(|o| o["id"] == *id), "acknowledged order {id} was lost");
    }
    let ordered: i64 = orders.iter().map(|o| o["items"][0]["quantity"].as_i64().expect("quantity")).sum();
    assert_eq!(app.stock_of(&product).await + ordered, INITIAL, "stock and orders disagree");

    db.stop().await;
    let _ = std::fs::remove_dir_all(data_dir);
}
