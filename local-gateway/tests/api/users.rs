use std::collections::BTreeSet;

use serde_json::json;
use shared::domain::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn admin_walks_every_user_exactly_once_page_by_page() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let mut expected: BTreeSet<String> = ["root".to_owned()].into();
    for i in 0..7 {
        let name = format!("member{i}");
        app.create_user(&name, "member-password", Role::User).await;
        expected.insert(name);
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/users?limit=3&cursor={c}"),
            None => "/users?limit=3".to_owned(),
        };
        let res = app.get(&path, Some(&admin.access)).await;
        let page = res.assert_ok(200).clone();
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 3);
        for user in items {
            assert!(user.get("password_hash").is_none() && user.get("pk").is_none(), "{user}");
            seen.push(user["username"].as_str().expect("name").to_owned());
        }
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }

    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a user appeared twice: {seen:?}");
    assert_eq!(unique, expected);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ordered by username: {seen:?}");
}

#[tokio::test]
async fn list_parameters_are_validated() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;

    for limit in ["0", "101", "-1", "abc", "1.5"] {
        app.get(&format!("/users?limit={limit}"), Some(&admin.access)).await.assert_error(422, "VALIDATION_FAILED");
    }
    for cursor in ["garbage", "eyJzIjoib3JkZXJzIiwiayI6e319", "%00%01"] {
        app.get(&format!("/users?cursor={cursor}"), Some(&admin.access)).await.assert_error(400, "BAD_REQUEST");
    }
    app.get("/users?limit=100", Some(&admin.access)).await.assert_ok(200);
}

#[tokio::test]
async fn only_admins_list_and_create_users() {
    let app = spawn_app().await;
    let user = app.user_session("plain", Role::User).await;

    app.get("/users", Some(&user.access)).await.assert_error(403, "FORBIDDEN");
    let body = json!({"username": "sneaky", "password": "sneaky passphrase", "role": "admin"});
    app.post("/users", &body, Some(&user.access)).await.assert_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn admin_creates_users_with_a_role() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;

    let body = json!({"username": "Ops", "password": "ops team passphrase", "role": "admin",
                      "email": "ops@example.com", "full_name": "Ops Team"});
    let res = app.post("/users", &body, Some(&admin.access)).await;

    let user = res.assert_ok(201);
    assert_eq!((user["username"].as_str(), user["role"].as_str()), (Some("ops"), Some("admin")));
    assert_eq!(user["email"], "ops@example.com");
    let res = app
        .post(
            "/users",
            &json!({"username": "x2y", "password": "long enough pass", "role": "root"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], "role");
}

#[tokio::test]
async fn ten_concurrent_creations_of_one_username_give_one_201_and_nine_409() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let body = json!({"username": "popular", "password": "popular passphrase"});

    let results = futures::future::join_all((0..10).map(|_| app.post("/users", &body, Some(&admin.access)))).await;

    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 9, "{statuses:?}");
    for res in results.iter().filter(|r| r.status == 409) {
        res.assert_error(409, "CONFLICT");
    }
}

#[tokio::test]
async fn users_see_and_edit_only_themselves() {
    let app = spawn_app().await;
    let alice = app.user_session("alice", Role::User).await;
    let bob = app.user_session("bob", Role::User).await;

    let me = app.get(&format!("/users/{}", alice.user_id), Some(&alice.access)).await;
    assert_eq!(me.assert_ok(200)["username"], "alice");
    app.get(&format!("/users/{}", bob.user_id), Some(&alice.access)).await.assert_error(403, "FORBIDDEN");
    app.get("/users/no-such-id", Some(&alice.access)).await.assert_error(403, "FORBIDDEN");
    let edit = json!({"full_name": "Mallory"});
    app.put(&format!("/users/{}", bob.user_id), &edit, Some(&alice.access)).await.assert_error(403, "FORBIDDEN");
    app.delete(&format!("/users/{}", bob.user_id), Some(&alice.access)).await.assert_error(403, "FORBIDDEN");

    let res = app
        .put(
            &format!("/users/{}", alice.user_id),
            &json!({"full_name": "Alice A", "email": "alice@example.com", "username": "root", "id": "x",
                    "created_at": "1970-01-01T00:00:00.000Z", "password_hash": "$argon2id$..."}),
            Some(&alice.access),
        )
        .await;
    let updated = res.assert_ok(200).clone();
    assert_eq!(
        (updated["full_name"].as_str(), updated["email"].as_str()),
        (Some("Alice A"), Some("alice@example.com"))
    );
    assert_eq!((updated["username"].as_str(), updated["id"].as_str()), (Some("alice"), Some(alice.user_id.as_str())));
    assert_ne!(updated["created_at"], "1970-01-01T00:00:00.000Z");
    app.session("alice", "alice-secret-pass").await; // the password is untouched

    let cleared = app.put(&format!("/users/{}", alice.user_id), &json!({"email": null}), Some(&alice.access)).await;
    assert_eq!(cleared.assert_ok(200)["email"], serde_json::Value::Null);
    app.put(&format!("/users/{}", alice.user_id), &json!({}), Some(&alice.access))
        .await
        .assert_error(422, "VALIDATION_FAILED");
    app.put(&format!("/users/{}", alice.user_id), &json!({"email": "nope"}), Some(&alice.access))
        .await
        .assert_error(422, "VALIDATION_FAILED");
}

#[tokio::test]
async fn users_cannot_raise_their_own_role() {
    let app = spawn_app().await;
    let eve = app.user_session("eve", Role::User).await;

    let res = app.put(&format!("/users/{}", eve.user_id), &json!({"role": "admin"}), Some(&eve.access)).await;

    res.assert_error(403, "FORBIDDEN");
    let again = app.session("eve", "eve-secret-pass").await;
    assert_eq!(app.tokens().verify_access(&again.access).expect("valid").role, Role::User);
}

#[tokio::test]
async fn a_promotion_takes_effect_on_the_next_token() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let user = app.user_session("rising", Role::User).await;

    let res = app.put(&format!("/users/{}", user.user_id), &json!({"role": "admin"}), Some(&admin.access)).await;
    assert_eq!(res.assert_ok(200)["role"], "admin");

    // The old token says `user`: out of date, it is refused (the authorizer
    // checks the role)...
    app.get("/users", Some(&user.access)).await.assert_error(401, "UNAUTHORIZED");
    // ...the next one (login or refresh) carries the new role.
    let refreshed = app.refresh(&user.refresh).await;
    let access = refreshed.assert_ok(200)["access_token"].as_str().expect("token").to_owned();
    app.get("/users", Some(&access)).await.assert_ok(200);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_deleted() {
    let app = spawn_app().await;
    let root = app.user_session("root", Role::Admin).await;
    let root_path = format!("/users/{}", root.user_id);

    app.put(&root_path, &json!({"role": "user"}), Some(&root.access)).await.assert_error(409, "CONFLICT");
    app.delete(&root_path, Some(&root.access)).await.assert_error(409, "CONFLICT");

    let second = app.user_session("second", Role::Admin).await;
    app.put(&root_path, &json!({"role": "user"}), Some(&second.access)).await.assert_ok(200);
    let second_path = format!("/users/{}", second.user_id);
    app.put(&second_path, &json!({"role": "user"}), Some(&second.access)).await.assert_error(409, "CONFLICT");
    app.delete(&second_path, Some(&second.access)).await.assert_error(409, "CONFLICT");
}

#[tokio::test]
async fn a_deleted_user_cannot_log_in_or_refresh() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let doomed = app.user_session("doomed", Role::User).await;

    let res = app.delete(&format!("/users/{}", doomed.user_id), Some(&admin.access)).await;
    res.assert_ok(200);

    app.login("doomed", "doomed-secret-pass").await.assert_error(401, "UNAUTHORIZED");
    app.refresh(&doomed.refresh).await.assert_error(401, "UNAUTHORIZED");
    app.get(&format!("/users/{}", doomed.user_id), Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
    app.get("/users/profile", Some(&doomed.access)).await.assert_error(401, "UNAUTHORIZED");
    app.delete(&format!("/users/{}", doomed.user_id), Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
    // The name is free again.
    app.create_user("doomed", "a new password", Role::User).await;
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_revokes_sessions() {
    let app = spawn_app().await;
    let user = app.user_session("pat", Role::User).await;
    let path = format!("/users/{}", user.user_id);

    let res = app.put(&path, &json!({"password": "brand new passphrase"}), Some(&user.access)).await;
    assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], "current_password");
    let res = app
        .put(&path, &json!({"password": "brand new passphrase", "current_password": "wrong"}), Some(&user.access))
        .await;
    assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], "current_password");
    let res = app
        .put(&path, &json!({"password": "123456789", "current_password": "pat-secret-pass"}), Some(&user.access))
        .await;
    assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], "password");

    let body = json!({"password": "brand new passphrase", "current_password": "pat-secret-pass"});
    app.put(&path, &body, Some(&user.access)).await.assert_ok(200);

    app.refresh(&user.refresh).await.assert_error(401, "UNAUTHORIZED");
    app.login("pat", "pat-secret-pass").await.assert_error(401, "UNAUTHORIZED");
    let fresh = app.session("pat", "brand new passphrase").await;
    app.refresh(&fresh.refresh).await.assert_ok(200);
}

#[tokio::test]
async fn an_admin_resets_another_users_password_without_the_current_one() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let user = app.user_session("quinn", Role::User).await;

    let res = app
        .put(&format!("/users/{}", user.user_id), &json!({"password": "reset by the admin"}), Some(&admin.access))
        .await;

    res.assert_ok(200);
    app.refresh(&user.refresh).await.assert_error(401, "UNAUTHORIZED");
    app.session("quinn", "reset by the admin").await;
}

#[tokio::test]
async fn unknown_users_are_404_for_admins() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;

    app.get("/users/does-not-exist", Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
    app.put("/users/does-not-exist", &json!({"full_name": "x"}), Some(&admin.access))
        .await
        .assert_error(404, "NOT_FOUND");
}

/// Found by contract fuzzing: an id longer than a DynamoDB key may be (2 KiB)
/// made DynamoDB refuse the lookup, which came back as a 500.
#[tokio::test]
async fn an_id_that_cannot_exist_is_404_not_a_server_error() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let long = "a".repeat(3_000);

    for id in [long.as_str(), "has%20space", "semi%3Bcolon"] {
        let path = format!("/users/{id}");
        app.get(&path, Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
        app.put(&path, &json!({"full_name": "Ann"}), Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
        app.delete(&path, Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
    }
}

/// Issue 11, item 7: names and addresses that would display as something they
/// are not — bidi overrides, invisible-only names, look-alike letters and
/// domains — are refused wherever they are written.
#[tokio::test]
async fn spoofing_text_is_refused_in_names_and_emails() {
    let app = spawn_app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let user = app.user_session("plainname", Role::User).await;
    let own = format!("/users/{}", user.user_id);
    let spoofs = [
        ("full_name", json!("Support \u{202E}nimda")),
        ("full_name", json!("\u{200B}\u{200D}")),
        ("full_name", json!("\u{0410}dministrator")),
        ("email", json!("security@p\u{0430}ypal.com")),
        ("email", json!("ann\u{202E}@example.com")),
    ];

    for (field, value) in &spoofs {
        let mut signup = json!({"username": "spoofer", "password": "a fine long passphrase"});
        signup[*field] = value.clone();
        let res = app.post("/auth/signup", &signup, None).await;
        assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], *field, "{value}");
        let res = app.post("/users", &signup, Some(&admin.access)).await;
        assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], *field, "{value}");
        let res = app.put(&own, &json!({ *field: value }), Some(&user.access)).await;
        assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], *field, "{value}");
    }
    let product = crate::helpers::product_body("Free \u{202E}gnp.exe", 100, 1, "misc");
    let res = app.post("/products", &product, Some(&admin.access)).await;
    assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"][0]["field"], "name");
    // Real names in any one script are fine, and so are punycode domains.
    let fine = json!({"full_name": "Дмитрий Иванов", "email": "dima@xn--e1afmkfd.xn--p1ai"});
    app.put(&own, &fine, Some(&user.access)).await.assert_ok(200);
}
