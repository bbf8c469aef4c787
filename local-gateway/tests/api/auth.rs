use std::time::{Duration, Instant};

use serde_json::json;
use shared::clock::Now;
use shared::domain::Role;

use crate::helpers::{spawn_app, spawn_app_with, test_options};

#[tokio::test]
async fn login_returns_a_bearer_pair_and_the_user() {
    let app = spawn_app().await;
    let id = app.create_user("ann", "ann-password-1", Role::Admin).await;

    let res = app.login("ANN", "ann-password-1").await;

    let data = res.assert_ok(200);
    assert_eq!(data["token_type"], "Bearer");
    assert_eq!(data["expires_in"], 900);
    assert_eq!(data["refresh_expires_in"], 604_800);
    assert_eq!(data["user"], json!({"id": id, "username": "ann", "role": "admin"}));
    let claims = app.tokens().verify_access(data["access_token"].as_str().expect("token")).expect("valid");
    assert_eq!((claims.sub.as_str(), claims.role), (id.as_str(), Role::Admin));
    assert_eq!(data["refresh_token"].as_str().expect("refresh").len(), 43);
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    app.create_user("bob", "bob-password-1", Role::User).await;

    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let res = app.login("bob", "not-his-password").await;
        wrong.push(started.elapsed());
        res.assert_error(401, "UNAUTHORIZED");
        bodies.push(res.body);
        let started = Instant::now();
        let res = app.login("nobody-here", "not-his-password").await;
        unknown.push(started.elapsed());
        res.assert_error(401, "UNAUTHORIZED");
        bodies.push(res.body);
    }

    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "identical answers: {bodies:?}");
    wrong.sort();
    unknown.sort();
    let ratio = unknown[1].as_secs_f64() / wrong[1].as_secs_f64();
    // Both paths run one argon2 verification; a missing dummy verify would make
    // the unknown-user path several times faster.
    assert!(ratio > 0.4, "unknown user median {:?} vs wrong password median {:?}", unknown[1], wrong[1]);
}

#[tokio::test]
async fn refresh_rotates_and_a_replayed_token_revokes_the_session() {
    let mut options = test_options();
    options.env_overrides = vec![("REFRESH_REUSE_GRACE_SECONDS".into(), "0".into())];
    let app = spawn_app_with(options).await;
    let session = app.user_session("carol", Role::User).await;

    let first = app.refresh(&session.refresh).await;
    let rotated = first.assert_ok(200)["refresh_token"].as_str().expect("new refresh").to_owned();
    assert_ne!(rotated, session.refresh);

    // The old token is refused, and that revokes the whole session...
    let replay = app.refresh(&session.refresh).await;
    replay.assert_error(401, "UNAUTHORIZED");
    // ...so even the newest token of the family is dead now.
    app.refresh(&rotated).await.assert_error(401, "UNAUTHORIZED");

    // Another login session is unaffected.
    let other = app.session("carol", "carol-secret-pass").await;
    app.refresh(&other.refresh).await.assert_ok(200);
}

/// Issue 11, item 5: two tabs (here ten) refreshing one token at once all go
/// on with the same session; the stored state rotates exactly once.
#[tokio::test]
async fn concurrent_refreshes_of_one_token_all_get_the_one_successor() {
    let app = spawn_app().await;
    let session = app.user_session("dave", Role::User).await;

    let results = futures::future::join_all((0..10).map(|_| app.refresh(&session.refresh))).await;

    let successors: Vec<&str> =
        results.iter().map(|r| r.assert_ok(200)["refresh_token"].as_str().expect("refresh")).collect();
    assert!(successors.windows(2).all(|w| w[0] == w[1]), "one successor: {successors:?}");
    for res in &results {
        let access = res.body["data"]["access_token"].as_str().expect("access");
        app.get("/users/profile", Some(access)).await.assert_ok(200);
    }
    assert_eq!(refresh_tokens_of(&app, &session.user_id).await, 2, "the old token and one successor");
    app.refresh(successors[0]).await.assert_ok(200);
}

/// How many refresh tokens are stored for a user (rotated ones included).
async fn refresh_tokens_of(app: &crate::helpers::TestApp, user_id: &str) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue;
    let out = app
        .gateway
        .client
        .scan()
        .table_name(app.table("auth"))
        .filter_expression("begins_with(pk, :rt) AND user_id = :user")
        .expression_attribute_values(":rt", AttributeValue::S("RT#".into()))
        .expression_attribute_values(":user", AttributeValue::S(user_id.into()))
        .send()
        .await
        .expect("scan");
    out.items().len()
}

#[tokio::test]
async fn the_old_token_within_the_grace_window_gets_the_same_successor_of_the_same_session() {
    let app = spawn_app().await;
    let session = app.user_session("tabs", Role::User).await;

    let first = app.refresh(&session.refresh).await;
    let again = app.refresh(&session.refresh).await;

    let successor = first.assert_ok(200)["refresh_token"].as_str().expect("refresh").to_owned();
    assert_eq!(again.assert_ok(200)["refresh_token"], successor.as_str());
    let sid = |res: &crate::helpers::Res| {
        app.tokens().verify_access(res.body["data"]["access_token"].as_str().expect("access")).expect("valid").sid
    };
    assert_eq!(sid(&first), sid(&again), "the same session");
    // An ended session is not brought back by the grace window.
    app.post("/auth/logout", &json!({"refresh_token": successor}), None).await.assert_ok(200);
    app.refresh(&session.refresh).await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn a_replay_after_the_grace_window_revokes_the_whole_session() {
    let mut options = test_options();
    options.env_overrides = vec![("REFRESH_REUSE_GRACE_SECONDS".into(), "1".into())];
    let app = spawn_app_with(options).await;
    let session = app.user_session("late", Role::User).await;
    let rotated = app.refresh(&session.refresh).await;
    let successor = rotated.assert_ok(200)["refresh_token"].as_str().expect("refresh").to_owned();

    tokio::time::sleep(Duration::from_millis(1_200)).await;

    app.refresh(&session.refresh).await.assert_error(401, "UNAUTHORIZED");
    app.refresh(&successor).await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn logout_is_idempotent_and_ends_the_session() {
    let app = spawn_app().await;
    let session = app.user_session("erin", Role::User).await;
    let body = json!({"refresh_token": session.refresh});

    app.post("/auth/logout", &body, None).await.assert_ok(200);
    app.post("/auth/logout", &body, None).await.assert_ok(200);
    app.post("/auth/logout", &json!({"refresh_token": "never-issued"}), None).await.assert_ok(200);

    app.refresh(&session.refresh).await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused_even_before_ttl_deletes_it() {
    let app = spawn_app().await;
    let user_id = app.create_user("fay", "fay-password-1", Role::User).await;
    let auth = shared::repo::auth::AuthRepo::new(app.gateway.client.clone(), app.table("auth"));
    let token = shared::token::new_refresh_token().expect("random");
    let hash = shared::token::refresh_token_hash(token.expose()).expect("hash");
    let now = Now::read();
    auth.start_session(&user_id, &hash, now.unix() - 1, Default::default(), now).await.expect("session");

    app.refresh(token.expose()).await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn signup_creates_a_user_role_account_and_ignores_a_role_field() {
    let app = spawn_app().await;

    let res = app
        .post(
            "/auth/signup",
            &json!({"username": "Gina", "password": "gina's long passphrase", "email": "gina@example.com",
                    "full_name": "Gina G", "role": "admin", "id": "chosen-id"}),
            None,
        )
        .await;

    let user = res.assert_ok(201);
    assert_eq!(user["username"], "gina");
    assert_eq!(user["role"], "user");
    assert_ne!(user["id"], "chosen-id");
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    let session = app.session("gina", "gina's long passphrase").await;
    assert_eq!(app.tokens().verify_access(&session.access).expect("valid").role, Role::User);
}

#[tokio::test]
async fn signup_refuses_taken_names_and_weak_or_invalid_fields() {
    let app = spawn_app().await;
    let body = json!({"username": "hank", "password": "hank's long passphrase"});
    app.post("/auth/signup", &body, None).await.assert_ok(201);

    app.post("/auth/signup", &json!({"username": "HANK", "password": "another passphrase"}), None)
        .await
        .assert_error(409, "CONFLICT");
    let res = app.post("/auth/signup", &json!({"username": "ivy", "password": "password1"}), None).await;
    let error = res.assert_error(422, "VALIDATION_FAILED");
    assert_eq!(error["details"][0]["field"], "password");
    let res = app.post("/auth/signup", &json!({"username": "ivy", "password": "short"}), None).await;
    res.assert_error(422, "VALIDATION_FAILED");
    let res = app.post("/auth/signup", &json!({"username": "i", "password": "x".repeat(129)}), None).await;
    let fields: Vec<_> = res.assert_error(422, "VALIDATION_FAILED")["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().expect("field").to_owned())
        .collect();
    assert_eq!(fields, ["username", "password"]);
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after_until_the_window_passes() {
    let mut options = test_options();
    options.env_overrides =
        vec![("LOGIN_MAX_FAILURES".into(), "3".into()), ("LOGIN_LOCKOUT_SECONDS".into(), "2".into())];
    let app = spawn_app_with(options).await;
    app.create_user("jack", "jack-password-1", Role::User).await;

    // A success resets the count.
    app.login("jack", "wrong").await.assert_error(401, "UNAUTHORIZED");
    app.login("jack", "wrong").await.assert_error(401, "UNAUTHORIZED");
    app.login("jack", "jack-password-1").await.assert_ok(200);
    for _ in 0..3 {
        app.login("jack", "wrong").await.assert_error(401, "UNAUTHORIZED");
    }

    let res = app.login("jack", "jack-password-1").await;
    res.assert_error(429, "RATE_LIMITED");
    let retry_after: u64 = res.headers["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    // Unknown names are counted the same way, so throttling reveals nothing.
    for _ in 0..3 {
        app.login("no-such-user", "x").await.assert_error(401, "UNAUTHORIZED");
    }
    app.login("no-such-user", "x").await.assert_error(429, "RATE_LIMITED");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.login("jack", "jack-password-1").await.assert_ok(200);
}

#[tokio::test]
async fn verify_accepts_access_tokens_from_body_or_header_only() {
    let app = spawn_app().await;
    let session = app.user_session("kim", Role::User).await;

    let res = app.post("/auth/verify", &json!({"token": session.access}), None).await;
    let data = res.assert_ok(200);
    assert_eq!(data["valid"], true);
    assert_eq!(data["claims"]["sub"], session.user_id);
    assert_eq!(data["claims"]["type"], "access");
    let res = app.send(app.http.post(app.url("/auth/verify")).bearer_auth(&session.access)).await;
    res.assert_ok(200);

    // A refresh token is never an access token.
    app.post("/auth/verify", &json!({"token": session.refresh}), None).await.assert_error(401, "UNAUTHORIZED");
    let mut tampered = session.access.clone();
    tampered.insert(tampered.len() - 5, 'x');
    app.post("/auth/verify", &json!({"token": tampered}), None).await.assert_error(401, "UNAUTHORIZED");
    app.post("/auth/verify", &json!({}), None).await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn auth_routes_answer_bad_input_with_the_envelope() {
    let app = spawn_app().await;

    for path in ["/auth/login", "/auth/refresh", "/auth/logout", "/auth/signup", "/auth/verify"] {
        app.post_raw(path, "application/json", "{not json").await.assert_error(400, "BAD_REQUEST");
        app.post_raw(path, "text/plain", r#"{"a":1}"#).await.assert_error(400, "BAD_REQUEST");
        let big = format!(r#"{{"username":"{}"}}"#, "a".repeat(70_000));
        app.post_raw(path, "application/json", big).await.assert_error(413, "PAYLOAD_TOO_LARGE");
    }
    for path in ["/auth/login", "/auth/refresh", "/auth/logout", "/auth/signup"] {
        app.post(path, &json!({}), None).await.assert_error(422, "VALIDATION_FAILED");
        app.post_raw(path, "application/json", "[]").await.assert_error(422, "VALIDATION_FAILED");
    }
    app.post("/auth/login", &json!({"username": 5, "password": "x"}), None)
        .await
        .assert_error(422, "VALIDATION_FAILED");
    app.post("/auth/login", &json!({"username": "u", "password": null}), None)
        .await
        .assert_error(422, "VALIDATION_FAILED");
    app.login(&"a".repeat(10_000), "x").await.assert_error(401, "UNAUTHORIZED");
    app.refresh("\u{0}\u{feff}").await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_often_it_is_refreshed() {
    let mut options = test_options();
    options.env_overrides = vec![("SESSION_MAX_LIFETIME_SECONDS".into(), "2".into())];
    let app = spawn_app_with(options).await;
    let session = app.user_session("lou", Role::User).await;

    let refreshed = app.refresh(&session.refresh).await;
    let next = refreshed.assert_ok(200)["refresh_token"].as_str().expect("token").to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;

    app.refresh(&next).await.assert_error(401, "UNAUTHORIZED");
    app.session("lou", "lou-secret-pass").await; // a new login starts a new session
}

#[tokio::test]
async fn function_settings_from_the_gateways_environment_reach_the_functions() {
    // `cargo run -p local-gateway` hands these variables of its own environment
    // to every function; table names and the endpoint stay the gateway's.
    let vars = [
        ("LOGIN_MAX_FAILURES", "2"),
        ("LOGIN_LOCKOUT_SECONDS", "60"),
        ("USERS_TABLE", "elsewhere"),
        ("DYNAMODB_ENDPOINT", "http://127.0.0.1:9"),
        ("PATH", "/bin"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let settings = local_gateway::function_settings(vars);
    assert_eq!(settings, [("LOGIN_MAX_FAILURES".into(), "2".into()), ("LOGIN_LOCKOUT_SECONDS".into(), "60".into())]);

    let mut options = test_options();
    options.env_overrides = settings;
    let app = spawn_app_with(options).await;
    app.create_user("jill", "jill-password-1", Role::User).await;
    for _ in 0..2 {
        app.login("jill", "wrong").await.assert_error(401, "UNAUTHORIZED");
    }
    app.login("jill", "jill-password-1").await.assert_error(429, "RATE_LIMITED");
}
