//! The authorizer as API Gateway runs it: every protected route needs a valid
//! access token of a live session, and every refusal is the 401 envelope.
//! Revocation (issue 11, items 2 and 3): logout, a password or role change,
//! deletion and an ended session stop an access token on every route within
//! the authorizer cache TTL, and an admin's privilege is re-checked at once.

use serde_json::json;
use shared::clock::Now;
use shared::domain::Role;

use crate::helpers::{spawn_app, spawn_app_with, test_options, Res, Session, TestApp};

#[tokio::test]
async fn a_valid_access_token_reaches_the_function_with_the_caller() {
    let app = spawn_app().await;
    let session = app.user_session("lena", Role::User).await;

    let res = app.get("/users/profile", Some(&session.access)).await;

    let user = res.assert_ok(200);
    assert_eq!(user["id"], session.user_id);
    assert_eq!(user["username"], "lena");
}

#[tokio::test]
async fn missing_malformed_and_forged_tokens_get_the_401_envelope() {
    let app = spawn_app().await;
    let session = app.user_session("mia", Role::User).await;
    let tokens = app.tokens();
    let now = Now::read().unix();
    let claims = |exp: i64, kind: &str| {
        json!({"sub": session.user_id, "username": "mia", "role": "admin", "sid": "s", "iat": now - 10,
               "nbf": now - 10, "exp": exp, "iss": "serverless-shop", "aud": "serverless-shop-api", "jti": "x",
               "type": kind})
    };
    let expired = tokens.sign(&claims(now - 120, "access")).expect("sign");
    let refresh_typed = tokens.sign(&claims(now + 600, "refresh")).expect("sign");
    let mut tampered = session.access.clone();
    tampered.replace_range(tampered.len() - 3.., "abc");
    let foreign = shared::token::TokenService::from_env(&shared::config::Env::from_pairs([(
        "JWT_SECRET",
        "a-completely-different-secret-of-enough-length",
    )]))
    .expect("settings")
    .issue_access(&session.user_id, "mia", Role::Admin, "s", Now::read())
    .expect("token");

    let res = app.get("/users/profile", None).await;
    res.assert_error(401, "UNAUTHORIZED");
    for bad in ["", "Bearer", "Basic bWlhOnB3", "Bearer not-a-jwt"] {
        let res = app.send(app.http.get(app.url("/users/profile")).header("authorization", bad)).await;
        res.assert_error(401, "UNAUTHORIZED");
    }
    for token in [&expired, &refresh_typed, &tampered, &foreign, &session.refresh] {
        app.get("/users/profile", Some(token)).await.assert_error(401, "UNAUTHORIZED");
    }
}

#[tokio::test]
async fn authorizer_answers_are_cached_per_token_for_the_configured_ttl() {
    // Tokens that live one second, with no clock-skew allowance.
    let mut options = test_options();
    options.env_overrides =
        vec![("ACCESS_TOKEN_TTL_SECONDS".into(), "1".into()), ("JWT_LEEWAY_SECONDS".into(), "0".into())];
    let app = spawn_app_with(options).await;
    assert_eq!(app.gateway.template.authorizer.as_ref().map(|a| a.cache_ttl_secs), Some(60));
    let session = app.user_session("nia", Role::User).await;
    app.get("/users/profile", Some(&session.access)).await.assert_ok(200);

    // API Gateway caches an Allow for ReauthorizeEvery seconds, so a token
    // that expires inside that window still passes until the entry ages out. The
    // local gateway behaves the same; the README documents the resulting bound.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.get("/users/profile", Some(&session.access)).await.assert_ok(200);
    app.post("/auth/verify", &json!({"token": session.access}), None).await.assert_error(401, "UNAUTHORIZED");
}

/// A gateway whose authorizer cache holds answers for `ttl` seconds (the
/// template's `AuthorizerCacheTtlSeconds`).
async fn app_with_cache(ttl: u64) -> TestApp {
    let mut options = test_options();
    options.parameters = vec![("AuthorizerCacheTtlSeconds".into(), ttl.to_string())];
    spawn_app_with(options).await
}

/// The protected routes a stolen token would be used on, one per domain.
async fn every_domain(app: &TestApp, token: &str) -> Vec<Res> {
    vec![
        app.get("/users/profile", Some(token)).await,
        app.get("/orders", Some(token)).await,
        app.get("/orders/history", Some(token)).await,
    ]
}

#[track_caller]
fn all_refused(results: &[Res]) {
    for res in results {
        res.assert_error(401, "UNAUTHORIZED");
    }
}

async fn works(app: &TestApp, session: &Session) {
    for res in every_domain(app, &session.access).await {
        res.assert_ok(200);
    }
}

#[test]
fn the_default_cache_ttl_bounds_revocation_to_a_minute() {
    let template = local_gateway::template::Template::load("local", "us-east-1").expect("template");
    let ttl = template.authorizer.expect("authorizer").cache_ttl_secs;
    assert!(ttl <= 60, "AuthorizerCacheTtlSeconds defaults to {ttl}");
}

#[tokio::test]
async fn logout_ends_the_access_token_on_every_route() {
    let app = app_with_cache(0).await;
    let session = app.user_session("leaver", Role::User).await;
    works(&app, &session).await;

    app.post("/auth/logout", &json!({"refresh_token": session.refresh}), None).await.assert_ok(200);

    all_refused(&every_domain(&app, &session.access).await);
    app.post("/auth/verify", &json!({"token": session.access}), None).await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn a_password_change_ends_every_access_token_of_the_user() {
    let app = app_with_cache(0).await;
    let laptop = app.user_session("owner", Role::User).await;
    let phone = app.session("owner", "owner-secret-pass").await;

    let body = json!({"password": "a new strong passphrase", "current_password": "owner-secret-pass"});
    app.put(&format!("/users/{}", laptop.user_id), &body, Some(&laptop.access)).await.assert_ok(200);

    all_refused(&every_domain(&app, &laptop.access).await);
    all_refused(&every_domain(&app, &phone.access).await);
    works(&app, &app.session("owner", "a new strong passphrase").await).await;
}

#[tokio::test]
async fn deletion_ends_the_users_access_tokens() {
    let app = app_with_cache(0).await;
    let admin = app.user_session("root", Role::Admin).await;
    let doomed = app.user_session("doomed", Role::User).await;

    app.delete(&format!("/users/{}", doomed.user_id), Some(&admin.access)).await.assert_ok(200);

    all_refused(&every_domain(&app, &doomed.access).await);
}

#[tokio::test]
async fn a_role_change_ends_tokens_that_carry_the_old_role_until_refreshed() {
    let app = app_with_cache(0).await;
    let root = app.user_session("root", Role::Admin).await;
    let other = app.user_session("other", Role::Admin).await;

    let demote = json!({"role": "user"});
    app.put(&format!("/users/{}", other.user_id), &demote, Some(&root.access)).await.assert_ok(200);

    all_refused(&every_domain(&app, &other.access).await);
    // The session itself lives on: a refresh gives a token with the current role.
    let refreshed = app.refresh(&other.refresh).await;
    let access = refreshed.assert_ok(200)["access_token"].as_str().expect("token").to_owned();
    app.get("/users/profile", Some(&access)).await.assert_ok(200);
    app.get("/users", Some(&access)).await.assert_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn with_a_cache_access_ends_once_the_cached_answer_ages_out() {
    let app = app_with_cache(2).await;
    let session = app.user_session("cached", Role::User).await;
    works(&app, &session).await;

    app.post("/auth/logout", &json!({"refresh_token": session.refresh}), None).await.assert_ok(200);
    // API Gateway may still serve its cached Allow for the cache TTL...
    app.get("/users/profile", Some(&session.access)).await.assert_ok(200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    // ...and no longer.
    all_refused(&every_domain(&app, &session.access).await);
}

/// Item 2: with the authorizer's Allow still cached (the default 60 s), a
/// demoted admin's old token gets no admin power: the glue re-checks it.
#[tokio::test]
async fn a_demoted_admin_cannot_create_admins_or_promote_itself() {
    let app = spawn_app().await;
    let root = app.user_session("root", Role::Admin).await;
    let rogue = app.user_session("rogue", Role::Admin).await;
    app.get("/users", Some(&rogue.access)).await.assert_ok(200); // its Allow is cached now

    let rogue_path = format!("/users/{}", rogue.user_id);
    app.put(&rogue_path, &json!({"role": "user"}), Some(&root.access)).await.assert_ok(200);

    let new_admin = json!({"username": "sleeper", "password": "sleeper passphrase", "role": "admin"});
    app.post("/users", &new_admin, Some(&rogue.access)).await.assert_error(403, "FORBIDDEN");
    app.put(&rogue_path, &json!({"role": "admin"}), Some(&rogue.access)).await.assert_error(403, "FORBIDDEN");
    app.get("/users", Some(&rogue.access)).await.assert_error(403, "FORBIDDEN");
    app.post("/products", &crate::helpers::product_body("Bait", 100, 1, "misc"), Some(&rogue.access))
        .await
        .assert_error(403, "FORBIDDEN");
    // Only the admin power is gone: the account itself still works until the cache ages out.
    app.get("/users/profile", Some(&rogue.access)).await.assert_ok(200);
}

#[tokio::test]
async fn a_deleted_or_logged_out_admin_cannot_act_with_a_cached_allow() {
    let app = spawn_app().await;
    let root = app.user_session("root", Role::Admin).await;
    let gone = app.user_session("gone", Role::Admin).await;
    let away = app.user_session("away", Role::Admin).await;
    for session in [&gone, &away] {
        app.get("/users", Some(&session.access)).await.assert_ok(200);
    }

    app.delete(&format!("/users/{}", gone.user_id), Some(&root.access)).await.assert_ok(200);
    app.post("/auth/logout", &json!({"refresh_token": away.refresh}), None).await.assert_ok(200);

    let new_admin = json!({"username": "sleeper", "password": "sleeper passphrase", "role": "admin"});
    for session in [&gone, &away] {
        app.post("/users", &new_admin, Some(&session.access)).await.assert_error(401, "UNAUTHORIZED");
        app.get(&format!("/users/{}", root.user_id), Some(&session.access)).await.assert_error(401, "UNAUTHORIZED");
        app.get("/orders?user_id=x", Some(&session.access)).await.assert_error(401, "UNAUTHORIZED");
    }
}

/// Item 7: with two `Authorization` headers, the cache key and the verified
/// credential are the same value (the last, as API Gateway's identity source),
/// and the authorizer refuses the pair on a cache miss.
#[tokio::test]
async fn two_authorization_headers_never_make_another_string_a_credential() {
    let app = spawn_app().await;
    let session = app.user_session("twice", Role::User).await;
    let valid = format!("Bearer {}", session.access);
    let request = |values: &[&str]| {
        let mut request = app.http.get(app.url("/users/profile"));
        for value in values {
            request = request.header("authorization", *value);
        }
        request
    };

    app.send(request(&["Bearer garbage", &valid])).await.assert_error(401, "UNAUTHORIZED");
    app.send(request(&[&valid, "Bearer garbage"])).await.assert_error(401, "UNAUTHORIZED");
    // Nothing was cached under the garbage value.
    app.send(request(&["Bearer garbage"])).await.assert_error(401, "UNAUTHORIZED");
    app.send(request(&[&valid])).await.assert_ok(200);
    app.send(request(&[&valid, "Bearer garbage"])).await.assert_error(401, "UNAUTHORIZED");
}

/// Item 7: tokens signed with the right key but with claims no issuer of ours
/// produces — a future `iat`, a `crit` header nobody understands, a lifetime
/// far beyond the configured one — are refused by the authorizer and verify.
#[tokio::test]
async fn signed_tokens_with_a_future_iat_an_unknown_crit_or_a_century_of_life_are_refused() {
    use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
    let app = spawn_app().await;
    let session = app.user_session("forger", Role::User).await;
    let claims = app.tokens().verify_access(&session.access).expect("valid");
    let now = Now::read().unix();
    let key = EncodingKey::from_secret(crate::helpers::TEST_SECRET.as_bytes());
    let sign = |header: &Header, changes: serde_json::Value| {
        let mut body = serde_json::to_value(&claims).expect("claims");
        for (field, value) in changes.as_object().expect("object") {
            body[field] = value.clone();
        }
        encode(header, &body, &key).expect("sign")
    };
    let plain = Header::new(Algorithm::HS256);
    let mut critical = Header::new(Algorithm::HS256);
    critical.crit = Some(vec!["urn:example:must-understand".into()]);
    let year = 365 * 86_400;

    let forged = [
        ("a year in the future", sign(&plain, json!({"iat": now + year, "nbf": now - 10, "exp": now + year + 900}))),
        ("an unknown crit", sign(&critical, json!({}))),
        ("a hundred-year lifetime", sign(&plain, json!({"iat": now, "exp": now + 100 * year}))),
    ];

    app.get("/users/profile", Some(&sign(&plain, json!({})))).await.assert_ok(200); // the control
    for (what, token) in &forged {
        let res = app.get("/users/profile", Some(token)).await;
        assert_eq!(res.status.as_u16(), 401, "{what}: {}", res.body);
        app.post("/auth/verify", &json!({"token": token}), None).await.assert_error(401, "UNAUTHORIZED");
    }
}
