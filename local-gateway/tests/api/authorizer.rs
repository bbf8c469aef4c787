//! The authorizer as API Gateway runs it: every protected route needs a valid
//! access token, and every refusal is the 401 envelope.

use serde_json::json;
use shared::clock::Now;
use shared::domain::Role;

use crate::helpers::{spawn_app, spawn_app_with, test_options};

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
        json!({"sub": session.user_id, "username": "mia", "role": "admin", "iat": now - 10, "nbf": now - 10,
               "exp": exp, "iss": "serverless-shop", "aud": "serverless-shop-api", "jti": "x", "type": kind})
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
    .issue_access(&session.user_id, "mia", Role::Admin, Now::read())
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
    assert_eq!(app.gateway.template.authorizer.as_ref().map(|a| a.cache_ttl_secs), Some(300));
    let session = app.user_session("nia", Role::User).await;
    app.get("/users/profile", Some(&session.access)).await.assert_ok(200);

    // API Gateway caches an Allow for ReauthorizeEvery seconds, so a token
    // that expires inside that window still passes until the entry ages out. The
    // local gateway behaves the same; the README documents the resulting bound.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.get("/users/profile", Some(&session.access)).await.assert_ok(200);
    app.post("/auth/verify", &json!({"token": session.access}), None).await.assert_error(401, "UNAUTHORIZED");
}
