//! Attempt budgets that hold under any concurrency (issue 11, item 1): a
//! password check is reserved before it runs, per username and per source IP,
//! and signups are counted per source IP.

use std::net::{IpAddr, Ipv4Addr};

use futures::future::join_all;
use serde_json::json;
use shared::clock::Now;
use shared::domain::Role;
use shared::repo::attempts::{AttemptScope, Limit};
use shared::repo::auth::AuthRepo;

use crate::helpers::{spawn_app_with, test_options, TestApp};

async fn app_with(settings: &[(&str, &str)]) -> TestApp {
    let mut options = test_options();
    options.env_overrides = settings.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    spawn_app_with(options).await
}

fn statuses(results: &[crate::helpers::Res]) -> (usize, usize, Vec<u16>) {
    let all: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    (all.iter().filter(|s| **s == 401 || **s == 422).count(), all.iter().filter(|s| **s == 429).count(), all)
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_has_at_most_the_limit_evaluated() {
    let app = app_with(&[]).await; // LOGIN_MAX_FAILURES = 10
    app.create_user("target", "target-password-1", Role::User).await;

    let guesses: Vec<String> = (0..40).map(|i| format!("guess number {i}")).collect();
    let burst = join_all(guesses.iter().map(|g| app.login("target", g))).await;

    let (evaluated, throttled, all) = statuses(&burst);
    assert_eq!((evaluated, throttled), (10, 30), "{all:?}");
    for res in burst.iter().filter(|r| r.status == 429) {
        res.assert_error(429, "RATE_LIMITED");
        assert!(res.headers.contains_key("retry-after"));
    }
    // The right password is not evaluated either while the name is locked.
    app.login("target", "target-password-1").await.assert_error(429, "RATE_LIMITED");
}

#[tokio::test]
async fn a_right_guess_inside_a_burst_does_not_reopen_the_budget() {
    let app = app_with(&[]).await;
    app.create_user("victim", "victim-password-1", Role::User).await;

    let mut guesses: Vec<String> = (0..40).map(|i| format!("wrong guess {i}")).collect();
    guesses.insert(20, "victim-password-1".to_owned());
    let first = join_all(guesses.iter().map(|g| app.login("victim", g))).await;
    let wave: Vec<String> = (0..40).map(|i| format!("second wave {i}")).collect();
    let second = join_all(wave.iter().map(|g| app.login("victim", g))).await;

    // A success erases only the failures complete when it was reserved (at most
    // 9 of the first 10 units), never those counted while it ran: at most 19
    // wrong guesses are evaluated in all, however the burst interleaves.
    let wrong_evaluated = first.iter().chain(&second).filter(|r| r.status == 401).count();
    assert!(wrong_evaluated <= 19, "{wrong_evaluated} wrong guesses were evaluated");
    assert!(second.iter().filter(|r| r.status == 401).count() <= 9);
}

#[tokio::test]
async fn a_success_never_erases_failures_counted_while_it_ran() {
    let app = app_with(&[]).await;
    let auth = AuthRepo::new(app.gateway.client.clone(), app.table("auth"));
    let limit = Limit { max: 3, window_secs: 60 };
    let scope = AttemptScope::Password("someone");
    let now = Now::read();
    let reserve = || auth.reserve_attempt(scope, limit, now);

    let before = reserve().await.expect("store").expect("a unit");
    auth.attempt_failed(&before, now).await.expect("store");
    let success = reserve().await.expect("store").expect("a unit");
    let during = reserve().await.expect("store").expect("a unit");
    auth.attempt_failed(&during, now).await.expect("store");
    auth.attempt_succeeded(success).await.expect("store");

    // The failure before the success is forgotten, the one during it is not:
    // two units are left, not three.
    let _a = reserve().await.expect("store").expect("first unit left");
    let _b = reserve().await.expect("store").expect("second unit left");
    let refused = reserve().await.expect("store").expect_err("budget spent");
    assert!((1..=60).contains(&refused.retry_after_secs), "{refused:?}");
}

#[tokio::test]
async fn the_current_password_check_holds_under_a_burst() {
    let app = app_with(&[("LOGIN_MAX_FAILURES", "3")]).await;
    let owner = app.user_session("owner", Role::User).await;
    let path = format!("/users/{}", owner.user_id);

    // A stolen access token: a burst of guesses at the current password.
    let guesses =
        (0..30).map(|i| json!({"password": "a brand new passphrase", "current_password": format!("guess {i}")}));
    let guesses: Vec<_> = guesses.collect();
    let burst = join_all(guesses.iter().map(|body| app.put(&path, body, Some(&owner.access)))).await;
    let (evaluated, throttled, all) = statuses(&burst);
    assert_eq!((evaluated, throttled), (3, 27), "{all:?}");
}

#[tokio::test]
async fn a_successful_current_password_check_forgets_the_failures_before_it() {
    let app = app_with(&[("LOGIN_MAX_FAILURES", "3")]).await;
    let owner = app.user_session("careful", Role::User).await;
    let path = format!("/users/{}", owner.user_id);

    for _ in 0..2 {
        let body = json!({"password": "a brand new passphrase", "current_password": "typo"});
        app.put(&path, &body, Some(&owner.access)).await.assert_error(422, "VALIDATION_FAILED");
    }
    let body = json!({"password": "a brand new passphrase", "current_password": "careful-secret-pass"});
    app.put(&path, &body, Some(&owner.access)).await.assert_ok(200);

    // One more typo at login must not lock the owner out.
    app.login("careful", "typo").await.assert_error(401, "UNAUTHORIZED");
    app.session("careful", "a brand new passphrase").await;
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address is local on Linux).
fn client_from(ip: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(ip)).build().expect("client")
}

#[tokio::test]
async fn failed_logins_are_limited_per_source_ip_whatever_the_username() {
    let app = app_with(&[("LOGIN_IP_MAX_FAILURES", "3")]).await;
    app.create_user("sprayed", "sprayed-password", Role::User).await;

    for name in ["alpha", "beta", "gamma"] {
        app.login(name, "Summer2025!").await.assert_error(401, "UNAUTHORIZED");
    }
    let res = app.login("delta", "Summer2025!").await;
    res.assert_error(429, "RATE_LIMITED");
    assert!(res.headers.contains_key("retry-after"));
    // Even a right password from that address waits...
    app.login("sprayed", "sprayed-password").await.assert_error(429, "RATE_LIMITED");

    // ...while another address is not affected.
    let other = client_from(Ipv4Addr::new(127, 0, 0, 2));
    let body = json!({"username": "sprayed", "password": "sprayed-password"});
    let res = app.send(other.post(app.url("/auth/login")).json(&body)).await;
    res.assert_ok(200);
}

#[tokio::test]
async fn signups_are_limited_per_source_ip() {
    let app = app_with(&[("SIGNUP_IP_MAX", "2")]).await;
    let signup = |name: &str| json!({"username": name, "password": "a fine long passphrase"});

    app.post("/auth/signup", &signup("first"), None).await.assert_ok(201);
    // A taken name counts too: probing names is what the limit is for.
    app.post("/auth/signup", &signup("first"), None).await.assert_error(409, "CONFLICT");
    let res = app.post("/auth/signup", &signup("third"), None).await;
    res.assert_error(429, "RATE_LIMITED");
    assert!(res.headers.contains_key("retry-after"));

    let other = client_from(Ipv4Addr::new(127, 0, 0, 3));
    let res = app.send(other.post(app.url("/auth/signup")).json(&signup("third"))).await;
    res.assert_ok(201);
}

#[tokio::test]
async fn a_known_username_costs_the_same_dynamodb_work_as_an_unknown_one() {
    let app = app_with(&[]).await;
    app.create_user("known", "known-password-1", Role::User).await;
    let usage = app.gateway.iam_usage.clone();
    // Each name's first failure starts its budget window (one write more, for
    // known and unknown names alike); compare the second ones.
    app.login("known", "not the password").await.assert_error(401, "UNAUTHORIZED");
    app.login("unknown", "not the password").await.assert_error(401, "UNAUTHORIZED");

    let mark = usage.mark();
    app.login("known", "not the password").await.assert_error(401, "UNAUTHORIZED");
    let known = usage.calls_since(mark);
    let mark = usage.mark();
    app.login("unknown", "not the password").await.assert_error(401, "UNAUTHORIZED");
    let unknown = usage.calls_since(mark);

    assert_eq!(known, unknown, "known name: {known:?}\nunknown name: {unknown:?}");
}
