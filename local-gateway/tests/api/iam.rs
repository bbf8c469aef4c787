//! Least privilege, both ways: the local gateway refuses a DynamoDB call a
//! function's template policy does not allow (as IAM does on AWS), and a tour
//! through every route's DynamoDB paths uses every action each policy grants —
//! so a policy is exactly what its function's code performs.

use std::collections::BTreeSet;
use std::sync::Arc;

use local_gateway::iam::{Needed, Permissions, Usage};
use local_gateway::template::{table_arn, PolicyStatement};
use serde_json::json;
use shared::domain::Role;

use crate::helpers::{shared_dynamodb, spawn_app_with, test_options, unique_stack, TestApp};

#[tokio::test]
async fn a_call_outside_the_policy_is_refused_before_it_reaches_dynamodb() {
    let env = shared::config::Env::from_pairs([("DYNAMODB_ENDPOINT", shared_dynamodb()), ("AWS_REGION", "us-east-1")]);
    let client = shared::db::client(&env).await.expect("client");
    let table = format!("{}-users", unique_stack());
    let policy = vec![PolicyStatement {
        allow: true,
        actions: vec!["dynamodb:GetItem".into()],
        resources: vec![table_arn("us-east-1", &table)],
    }];
    let usage = Arc::new(Usage::default());
    let restricted =
        local_gateway::iam::restricted(&client, Permissions::new("users-get", "us-east-1", policy), usage.clone());
    let key = aws_sdk_dynamodb::types::AttributeValue::S("USER#1".into());

    let put = restricted.put_item().table_name(&table).item("pk", key.clone()).send().await;

    let error = put.expect_err("PutItem is not in the policy");
    let chain = shared::telemetry::ErrorChain(&error).to_string();
    assert!(chain.contains("AccessDeniedException") && chain.contains("dynamodb:PutItem"), "{chain}");
    assert!(chain.contains(&format!("table/{table}")), "{chain}");
    // Allowed calls go through to DynamoDB (which answers that the table does not exist).
    let get = restricted.get_item().table_name(&table).key("pk", key).send().await;
    let chain = shared::telemetry::ErrorChain(&get.expect_err("no such table")).to_string();
    assert!(!chain.contains("AccessDenied"), "{chain}");
    let used: Vec<String> = usage.snapshot()["users-get"].iter().map(|n| n.action.clone()).collect();
    assert_eq!(used, ["dynamodb:GetItem", "dynamodb:PutItem"]);
}

/// Walks every route through the DynamoDB paths its code has: successes,
/// failures that write (failed logins, refresh reuse), transactions with and
/// without the admin counter, cancellations that restock, cart saves and
/// deletions, a checkout.
async fn tour(app: &TestApp) {
    let admin = app.user_session("boss", Role::Admin).await;
    app.get("/health", None).await.assert_ok(200);

    // auth: signup (until the address's budget is spent), failed logins (a new
    // window, then a count), a locked name, success, refresh, reuse, verify, logout
    let signup = json!({"username": "tourist", "password": "a long tour password"});
    app.post("/auth/signup", &signup, None).await.assert_ok(201);
    let signup = json!({"username": "second", "password": "a long tour password"});
    app.post("/auth/signup", &signup, None).await.assert_ok(201);
    app.post("/auth/signup", &signup, None).await.assert_error(429, "RATE_LIMITED");
    app.login("tourist", "wrong password 1").await.assert_error(401, "UNAUTHORIZED");
    app.login("tourist", "wrong password 2").await.assert_error(401, "UNAUTHORIZED");
    for _ in 0..TOUR_MAX_FAILURES {
        app.login("second", "wrong password").await.assert_error(401, "UNAUTHORIZED");
    }
    app.login("second", "wrong password").await.assert_error(429, "RATE_LIMITED");
    let tourist = app.session("tourist", "a long tour password").await;
    let rotated = app.refresh(&tourist.refresh).await;
    let new_refresh = rotated.assert_ok(200)["refresh_token"].as_str().expect("refresh").to_owned();
    app.post("/auth/verify", &json!({"token": tourist.access}), None).await.assert_ok(200);
    app.refresh(&tourist.refresh).await.assert_error(401, "UNAUTHORIZED");
    app.post("/auth/logout", &json!({"refresh_token": new_refresh}), None).await.assert_ok(200);
    let tourist = app.session("tourist", "a long tour password").await;

    // users: list, create (an admin moves the admin counter), profile, get,
    // update (a wrong current password is counted; a password change revokes), delete
    app.get("/users", Some(&admin.access)).await.assert_ok(200);
    let body = json!({"username": "deputy", "password": "deputy password 1", "role": "admin"});
    let deputy =
        app.post("/users", &body, Some(&admin.access)).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
    app.get("/users/profile", Some(&tourist.access)).await.assert_ok(200);
    let own = format!("/users/{}", tourist.user_id);
    app.get(&own, Some(&tourist.access)).await.assert_ok(200);
    let wrong = json!({"password": "a new tour password", "current_password": "not it"});
    app.put(&own, &wrong, Some(&tourist.access)).await.assert_error(422, "VALIDATION_FAILED");
    let change = json!({"password": "a new tour password", "current_password": "a long tour password"});
    app.put(&own, &change, Some(&tourist.access)).await.assert_ok(200);
    let guesser = app.user_session("guesser", Role::User).await;
    let guessed = format!("/users/{}", guesser.user_id);
    for _ in 0..TOUR_MAX_FAILURES {
        app.put(&guessed, &wrong, Some(&guesser.access)).await.assert_error(422, "VALIDATION_FAILED");
    }
    app.put(&guessed, &wrong, Some(&guesser.access)).await.assert_error(429, "RATE_LIMITED");
    app.delete(&format!("/users/{deputy}"), Some(&admin.access)).await.assert_ok(200);

    // products: the catalogue both ways, and every admin write
    let mug = app.create_product(&admin.access, "Tour mug", 1_200, 10, "kitchen").await;
    app.get("/products", None).await.assert_ok(200);
    app.get("/products?category=kitchen&q=mug", None).await.assert_ok(200);
    app.get(&format!("/products/{mug}"), None).await.assert_ok(200);
    app.put(&format!("/products/{mug}"), &json!({"stock": 20}), Some(&admin.access)).await.assert_ok(200);
    let spare = app.create_product(&admin.access, "Spare", 100, 1, "misc").await;
    app.delete(&format!("/products/{spare}"), Some(&admin.access)).await.assert_ok(200);

    // orders: placed with a key (and replayed), refused for stock (which reads the product), listed, read, paid and cancelled (restock)
    let tourist = app.session("tourist", "a new tour password").await;
    let order = json!({"items": [{"product_id": mug, "quantity": 2}]});
    let key = [("Idempotency-Key", "tour-1")];
    let placed = app.post_with_headers("/orders", &order, Some(&tourist.access), &key).await;
    let order_id = placed.assert_ok(201)["id"].as_str().expect("id").to_owned();
    app.post_with_headers("/orders", &order, Some(&tourist.access), &key).await.assert_ok(201);
    let too_many = json!({"items": [{"product_id": mug, "quantity": 19}]});
    app.post("/orders", &too_many, Some(&tourist.access)).await.assert_error(409, "CONFLICT");
    app.get("/orders", Some(&tourist.access)).await.assert_ok(200);
    app.get("/orders/history", Some(&tourist.access)).await.assert_ok(200);
    app.get(&format!("/orders/{order_id}"), Some(&tourist.access)).await.assert_ok(200);
    app.put(&format!("/orders/{order_id}"), &json!({"status": "paid"}), Some(&admin.access)).await.assert_ok(200);
    app.get("/orders/all?status=paid", Some(&admin.access)).await.assert_ok(200);

    // sessions: listed, one ended, all others ended; an admin lists and ends a
    // user's; a session not used for a while is touched by the authorizer
    let second_login = app.session("tourist", "a new tour password").await;
    app.get("/auth/sessions", Some(&tourist.access)).await.assert_ok(200);
    let second_sid = app.tokens().verify_access(&second_login.access).expect("valid").sid;
    app.delete(&format!("/auth/sessions/{second_sid}"), Some(&tourist.access)).await.assert_ok(200);
    app.session("tourist", "a new tour password").await;
    app.delete("/auth/sessions", Some(&tourist.access)).await.assert_ok(200);
    app.get(&format!("/users/{}/sessions", tourist.user_id), Some(&admin.access)).await.assert_ok(200);
    let idler = app.create_user("idler", "an idle passphrase", Role::User).await;
    let idle = idle_session(app, &idler).await;
    app.get("/users/profile", Some(&idle)).await.assert_ok(200);
    app.delete(&format!("/auth/sessions/{second_sid}"), Some(&admin.access)).await.assert_ok(200);
    app.get("/auth/sessions", Some(&admin.access)).await.assert_ok(200);
    app.delete("/auth/sessions", Some(&admin.access)).await.assert_ok(200);

    // every route behind the authorizer, as an admin: the glue re-checks the
    // admin's session and role (BatchGetItem on users and auth) before it runs
    app.get("/users/profile", Some(&admin.access)).await.assert_ok(200);
    app.get(&own, Some(&admin.access)).await.assert_ok(200);
    app.put(&own, &json!({"full_name": "Tourist"}), Some(&admin.access)).await.assert_ok(200);
    app.post("/orders", &json!({"items": [{"product_id": mug, "quantity": 1}]}), Some(&admin.access))
        .await
        .assert_ok(201);
    app.get(&format!("/orders?user_id={}", tourist.user_id), Some(&admin.access)).await.assert_ok(200);
    app.get("/orders/history", Some(&admin.access)).await.assert_ok(200);
    app.get(&format!("/orders/{order_id}"), Some(&admin.access)).await.assert_ok(200);
    app.delete(&format!("/users/{}/sessions", tourist.user_id), Some(&admin.access)).await.assert_ok(200);

    // the audit trail, as an admin (every index) and as a user
    app.get("/audit", Some(&admin.access)).await.assert_ok(200);
    app.get(&format!("/audit?user_id={}", tourist.user_id), Some(&admin.access)).await.assert_ok(200);
    app.get(&format!("/audit?actor_id={}", admin.user_id), Some(&admin.access)).await.assert_ok(200);
    app.get("/audit", Some(&guesser.access)).await.assert_ok(200);
    app.put(&format!("/orders/{order_id}"), &json!({"status": "cancelled"}), Some(&tourist.access))
        .await
        .assert_ok(200);

    // cart: filled, shown after a price change (which it records), a line
    // removed leaving another (a save) and the last (the cart's deletion),
    // a quantity of 0, a checkout with a key (and its replay), emptied
    let desk = app.create_product(&admin.access, "Tour desk", 5_000, 5, "office").await;
    app.put_in_cart(&tourist.access, &mug, 1).await.assert_ok(200);
    app.put_in_cart(&tourist.access, &desk, 1).await.assert_ok(200);
    app.put(&format!("/products/{desk}"), &json!({"price": 5_500}), Some(&admin.access)).await.assert_ok(200);
    app.get("/cart", Some(&tourist.access)).await.assert_ok(200);
    app.delete(&format!("/cart/items/{desk}"), Some(&tourist.access)).await.assert_ok(200);
    app.delete(&format!("/cart/items/{mug}"), Some(&tourist.access)).await.assert_ok(200);
    app.put_in_cart(&tourist.access, &mug, 1).await.assert_ok(200);
    app.put_in_cart(&tourist.access, &mug, 0).await.assert_ok(200);
    app.put_in_cart(&tourist.access, &mug, 2).await.assert_ok(200);
    app.checkout(&tourist.access, Some("tour-cart")).await.assert_ok(201);
    app.checkout(&tourist.access, Some("tour-cart")).await.assert_ok(201);
    app.delete("/cart", Some(&tourist.access)).await.assert_ok(200);

    // notifications: the consumer records (and, for a user with an address,
    // mails: a user lookup) what the streams carry; listed, one read, all read
    let mailed = json!({"username": "mailed", "password": "a mailed tour password", "email": "m@example.com"});
    // (created by the admin: the tour has spent this address's signups)
    app.post("/users", &mailed, Some(&admin.access)).await.assert_ok(201);
    let mailed = app.session("mailed", "a mailed tour password").await;
    app.order(&mailed.access, &[(&desk, 1)]).await.assert_ok(201);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let listing = loop {
        let listing = app.get("/notifications", Some(&mailed.access)).await.assert_ok(200).clone();
        if listing["items"].as_array().is_some_and(|items| items.len() >= 2) || std::time::Instant::now() > deadline {
            break listing;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let id = listing["items"][0]["id"].as_str().expect("a notification").to_owned();
    app.put(&format!("/notifications/{id}"), &json!({"read": true}), Some(&mailed.access)).await.assert_ok(200);
    app.post("/notifications/read-all", &json!({}), Some(&mailed.access)).await.assert_ok(200);

    // the cart and notifications routes as an admin (the admin's session and
    // role re-checked first, as on every route behind the authorizer)
    app.put_in_cart(&admin.access, &mug, 1).await.assert_ok(200);
    app.get("/cart", Some(&admin.access)).await.assert_ok(200);
    app.delete(&format!("/cart/items/{mug}"), Some(&admin.access)).await.assert_ok(200);
    app.put_in_cart(&admin.access, &mug, 1).await.assert_ok(200);
    app.checkout(&admin.access, Some("tour-admin-cart")).await.assert_ok(201);
    app.delete("/cart", Some(&admin.access)).await.assert_ok(200);
    let admin_notes = app.get("/notifications", Some(&admin.access)).await.assert_ok(200).clone();
    let unknown = "0".repeat(32);
    let note = admin_notes["items"][0]["id"].as_str().unwrap_or(&unknown).to_owned();
    let read = app.put(&format!("/notifications/{note}"), &json!({"read": true}), Some(&admin.access)).await;
    assert!(matches!(read.status.as_u16(), 200 | 404), "{}", read.status);
    app.post("/notifications/read-all", &json!({}), Some(&admin.access)).await.assert_ok(200);
}

/// An access token of a session of `user_id` begun (and last used) ten
/// minutes ago, so that the authorizer records its use.
async fn idle_session(app: &TestApp, user_id: &str) -> String {
    let auth = shared::repo::auth::AuthRepo::new(app.gateway.client.clone(), app.table("auth"));
    let refresh = shared::token::new_refresh_token().expect("random");
    let hash = shared::token::refresh_token_hash(refresh.expose()).expect("hash");
    let then = shared::clock::Now::at_unix(shared::clock::Now::read().unix() - 600);
    let sid = auth.start_session(user_id, &hash, then.unix() + 3600, Default::default(), then).await.expect("session");
    let now = shared::clock::Now::read();
    app.tokens().issue_access(user_id, "idler", Role::User, &sid, now).expect("token")
}

/// Small budgets, so that the tour reaches the paths of a spent one.
const TOUR_MAX_FAILURES: usize = 3;

#[tokio::test]
async fn every_policy_grants_exactly_what_its_function_uses() {
    let mut options = test_options();
    options.env_overrides = vec![
        ("LOGIN_MAX_FAILURES".into(), TOUR_MAX_FAILURES.to_string()),
        ("SIGNUP_IP_MAX".into(), "2".into()),
        // a replay is a replay at once (the grace window has tests of its own)
        ("REFRESH_REUSE_GRACE_SECONDS".into(), "0".into()),
    ];
    let app = spawn_app_with(options).await;

    tour(&app).await;

    let usage = app.gateway.iam_usage.snapshot();
    let mut unused = Vec::new();
    for function in &app.gateway.template.functions {
        let used: BTreeSet<Needed> = usage.get(&function.binary).cloned().unwrap_or_default();
        let permissions = Permissions::new(&function.binary, "us-east-1", function.policy.clone());
        let denied: Vec<_> = used.iter().filter(|n| !permissions.allows(n)).collect();
        assert!(denied.is_empty(), "{}: calls outside its policy: {denied:?}", function.binary);
        for statement in &function.policy {
            // Only DynamoDB is emulated here; SES (the notifications mail,
            // which goes to the outbox locally) has its own tests in shared::mail.
            for action in statement.actions.iter().filter(|a| a.starts_with("dynamodb:")) {
                for resource in &statement.resources {
                    let single = Permissions::new(
                        &function.binary,
                        "us-east-1",
                        vec![PolicyStatement {
                            allow: true,
                            actions: vec![action.clone()],
                            resources: vec![resource.clone()],
                        }],
                    );
                    if !used.iter().any(|n| single.allows(n)) {
                        unused.push(format!("{}: {action} on {resource}", function.binary));
                    }
                }
            }
        }
    }
    assert!(
        unused.is_empty(),
        "granted but never used (remove from functions/routes.toml, or extend the tour): {unused:#?}"
    );
}
