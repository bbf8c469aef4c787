use serde_json::{json, Value};
use shared::domain::Role;

use crate::helpers::{product_body, spawn_app, spawn_app_with, test_options, TestApp};

async fn admin(app: &TestApp) -> String {
    app.user_session("boss", Role::Admin).await.access
}

fn names(items: &[Value]) -> Vec<String> {
    items.iter().map(|p| p["name"].as_str().expect("name").to_owned()).collect()
}

#[tokio::test]
async fn an_admin_creates_a_product_and_anyone_reads_it() {
    let app = spawn_app().await;
    let token = admin(&app).await;

    let res = app.post("/products", &product_body("Desk Lamp", 2_999, 7, "Home-Office"), Some(&token)).await;

    let created = res.assert_ok(201).clone();
    let id = created["id"].as_str().expect("id");
    assert_eq!(created["name"], "Desk Lamp");
    assert_eq!(created["description"], "About Desk Lamp");
    assert_eq!(created["price"], 2_999);
    assert_eq!(created["stock"], 7);
    assert_eq!(created["category"], "home-office", "categories are stored lower-case");
    assert_eq!(created["created_at"], created["updated_at"]);
    assert_eq!(created["created_at"].as_str().expect("time").len(), 24);
    let keys: Vec<_> = created.as_object().expect("object").keys().cloned().collect();
    assert_eq!(keys, ["id", "name", "description", "price", "stock", "category", "created_at", "updated_at"]);

    let fetched = app.get(&format!("/products/{id}"), None).await;
    assert_eq!(fetched.assert_ok(200), &created);
}

#[tokio::test]
async fn description_and_stock_are_optional() {
    let app = spawn_app().await;
    let token = admin(&app).await;

    let res = app.post("/products", &json!({"name": "Gift Card", "price": 0, "category": "gifts"}), Some(&token)).await;

    let data = res.assert_ok(201);
    assert_eq!(
        (data["description"].clone(), data["stock"].clone(), data["price"].clone()),
        (json!(""), json!(0), json!(0))
    );
}

#[tokio::test]
async fn writes_need_an_admin_reads_need_nobody() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let id = app.create_product(&token, "Pen", 150, 3, "office").await;
    let user = app.user_session("shopper", Role::User).await.access;
    let body = product_body("Pen", 100, 3, "office");

    app.post("/products", &body, Some(&user)).await.assert_error(403, "FORBIDDEN");
    app.put(&format!("/products/{id}"), &json!({"price": 1}), Some(&user)).await.assert_error(403, "FORBIDDEN");
    app.delete(&format!("/products/{id}"), Some(&user)).await.assert_error(403, "FORBIDDEN");
    app.post("/products", &body, None).await.assert_error(401, "UNAUTHORIZED");
    app.put(&format!("/products/{id}"), &json!({"price": 1}), None).await.assert_error(401, "UNAUTHORIZED");
    app.delete(&format!("/products/{id}"), None).await.assert_error(401, "UNAUTHORIZED");

    assert_eq!(app.get(&format!("/products/{id}"), None).await.assert_ok(200)["price"], 150, "nothing changed");
    app.get("/products", None).await.assert_ok(200);
}

#[tokio::test]
async fn every_bad_field_is_a_422_naming_it() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let valid = product_body("Chair", 4_500, 2, "furniture");
    let cases: Vec<(&str, Value)> = vec![
        ("price", json!(19.99)),
        ("price", json!("1999")),
        ("price", json!(-1)),
        ("price", json!(100_000_001)),
        ("price", json!(1e30)),
        ("price", json!(null)),
        ("stock", json!(-1)),
        ("stock", json!(1.5)),
        ("stock", json!("5")),
        ("stock", json!(1_000_001)),
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("n".repeat(201))),
        ("name", json!(42)),
        ("description", json!("d".repeat(2_001))),
        ("category", json!("Bad Cat!")),
        ("category", json!("")),
        ("category", json!("c".repeat(51))),
    ];
    for (field, value) in cases {
        let mut body = valid.clone();
        body[field] = value.clone();
        let res = app.post("/products", &body, Some(&token)).await;
        let error = res.assert_error(422, "VALIDATION_FAILED");
        assert_eq!(error["details"][0]["field"], field, "{field} = {value}: {error}");
    }

    let res = app.post("/products", &json!({"description": "no name"}), Some(&token)).await;
    let error = res.assert_error(422, "VALIDATION_FAILED");
    let fields: Vec<_> = error["details"].as_array().expect("details").iter().map(|d| d["field"].clone()).collect();
    assert_eq!(fields, [json!("name"), json!("price"), json!("category")]);

    app.post_raw("/products", "application/json", "{oops").await.assert_error(401, "UNAUTHORIZED");
    let res = app
        .send(
            app.http
                .post(app.url("/products"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{oops"),
        )
        .await;
    res.assert_error(400, "BAD_REQUEST");
    let listed = app.get("/products", None).await;
    assert_eq!(listed.assert_ok(200)["items"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn put_changes_only_the_given_fields_and_ignores_the_rest() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let created = app.post("/products", &product_body("Mug", 1_200, 10, "kitchen"), Some(&token)).await;
    let created = created.assert_ok(201).clone();
    let id = created["id"].as_str().expect("id");

    let res = app
        .put(
            &format!("/products/{id}"),
            &json!({"price": 1_500, "id": "hijack", "created_at": "1999-01-01T00:00:00.000Z", "colour": "red"}),
            Some(&token),
        )
        .await;

    let updated = res.assert_ok(200).clone();
    assert_eq!(updated["price"], 1_500);
    assert_eq!(updated["id"], id);
    for same in ["name", "description", "stock", "category", "created_at"] {
        assert_eq!(updated[same], created[same], "{same} unchanged");
    }
    assert!(updated["updated_at"].as_str() >= created["updated_at"].as_str());
    assert!(updated.get("colour").is_none());
    assert_eq!(app.get(&format!("/products/{id}"), None).await.assert_ok(200), &updated);
    app.get("/products/hijack", None).await.assert_error(404, "NOT_FOUND");

    let res = app.put(&format!("/products/{id}"), &json!({"stock": 0, "category": "Cups"}), Some(&token)).await;
    let data = res.assert_ok(200);
    assert_eq!((data["stock"].clone(), data["category"].clone()), (json!(0), json!("cups")));

    let res = app.put(&format!("/products/{id}"), &json!({"id": "x"}), Some(&token)).await;
    res.assert_error(422, "VALIDATION_FAILED");
    let res = app.put(&format!("/products/{id}"), &json!({"price": -5, "stock": 2.5}), Some(&token)).await;
    assert_eq!(res.assert_error(422, "VALIDATION_FAILED")["details"].as_array().expect("details").len(), 2);
    let res = app.put("/products/no-such-product", &json!({"price": 1}), Some(&token)).await;
    res.assert_error(404, "NOT_FOUND");
    let res = app.get(&format!("/products/{id}"), None).await;
    assert_eq!(res.assert_ok(200)["stock"], 0, "refused updates changed nothing");
}

#[tokio::test]
async fn delete_removes_the_product() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let id = app.create_product(&token, "Old Stock", 100, 1, "misc").await;

    let res = app.delete(&format!("/products/{id}"), Some(&token)).await;

    res.assert_ok(200);
    app.get(&format!("/products/{id}"), None).await.assert_error(404, "NOT_FOUND");
    app.delete(&format!("/products/{id}"), Some(&token)).await.assert_error(404, "NOT_FOUND");
    app.get("/products/%2E%2E%2Fetc", None).await.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn the_catalogue_pages_in_name_order_with_opaque_cursors() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    for name in ["delta", "Alpha", "echo", "charlie", "Bravo"] {
        app.create_product(&token, name, 100, 1, "letters").await;
    }

    let pages = app.all_pages("/products?limit=2", None).await;

    let sizes: Vec<_> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1]);
    let all: Vec<String> = pages.iter().flat_map(|p| names(p)).collect();
    assert_eq!(all, ["Alpha", "Bravo", "charlie", "delta", "echo"]);

    // A renamed product moves in the order.
    let first_id = pages[0][0]["id"].as_str().expect("id");
    app.put(&format!("/products/{first_id}"), &json!({"name": "foxtrot"}), Some(&token)).await.assert_ok(200);
    let res = app.get("/products", None).await;
    let data = res.assert_ok(200);
    assert_eq!(names(data["items"].as_array().expect("items")), ["Bravo", "charlie", "delta", "echo", "foxtrot"]);
    assert_eq!(data["next_cursor"], Value::Null);
}

#[tokio::test]
async fn category_is_a_query_of_its_own_and_q_searches_names() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    for (name, category) in [
        ("Blue Pen", "office"),
        ("Red Pen", "office"),
        ("Stapler", "office"),
        ("Pen Holder", "desk"),
        ("Lamp", "desk"),
        ("Open Notebook", "paper"),
    ] {
        app.create_product(&token, name, 100, 1, category).await;
    }

    let office: Vec<String> =
        app.all_pages("/products?category=OFFICE&limit=2", None).await.iter().flat_map(|p| names(p)).collect();
    assert_eq!(office, ["Blue Pen", "Red Pen", "Stapler"]);

    let pens: Vec<String> =
        app.all_pages("/products?q=PEN&limit=2", None).await.iter().flat_map(|p| names(p)).collect();
    assert_eq!(pens, ["Blue Pen", "Open Notebook", "Pen Holder", "Red Pen"], "case-insensitive substring");

    let office_pens: Vec<String> =
        app.all_pages("/products?category=office&q=pen", None).await.iter().flat_map(|p| names(p)).collect();
    assert_eq!(office_pens, ["Blue Pen", "Red Pen"]);

    let res = app.get("/products?category=nothing-here", None).await;
    assert_eq!(res.assert_ok(200)["items"], json!([]));
    app.get("/products?category=Not%20A%20Slug", None).await.assert_error(422, "VALIDATION_FAILED");
    let long_q = "q".repeat(101);
    app.get(&format!("/products?q={long_q}"), None).await.assert_error(422, "VALIDATION_FAILED");
}

#[tokio::test]
async fn forged_or_foreign_cursors_are_400_and_bad_limits_422() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    for (name, category) in [("a1", "one"), ("a2", "one"), ("b1", "two"), ("b2", "two")] {
        app.create_product(&token, name, 100, 1, category).await;
    }
    let res = app.get("/products?category=one&limit=1", None).await;
    let cursor = res.assert_ok(200)["next_cursor"].as_str().expect("more").to_owned();

    app.get(&format!("/products?category=two&cursor={cursor}"), None).await.assert_error(400, "BAD_REQUEST");
    app.get(&format!("/products?cursor={cursor}"), None).await.assert_error(400, "BAD_REQUEST");
    app.get(&format!("/products?category=one&q=a&cursor={cursor}"), None).await.assert_error(400, "BAD_REQUEST");
    app.get("/products?cursor=not-a-cursor", None).await.assert_error(400, "BAD_REQUEST");
    // Well-formed JSON, but a key of someone else's choosing.
    let forged = base64_url(r#"{"s":"products:all:","k":{"pk":"USER#1","list_pk":"USER","name_sk":"x"}}"#);
    app.get(&format!("/products?cursor={forged}"), None).await.assert_error(400, "BAD_REQUEST");
    app.get("/products?limit=0", None).await.assert_error(422, "VALIDATION_FAILED");
    app.get("/products?limit=101", None).await.assert_error(422, "VALIDATION_FAILED");
    app.get("/products?limit=ten", None).await.assert_error(422, "VALIDATION_FAILED");

    let next = app.get(&format!("/products?category=one&cursor={cursor}"), None).await;
    assert_eq!(names(next.assert_ok(200)["items"].as_array().expect("items")), ["a2"], "the real cursor works");
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn the_demo_catalogue_is_seeded_once() {
    let mut options = test_options();
    options.seed = true;
    let app = spawn_app_with(options.clone()).await;
    let first: Vec<Value> = app.all_pages("/products?limit=100", None).await.concat();
    app.gateway.stop().await;

    // Seeding again (a restart on the same tables) adds nothing.
    let app = spawn_app_with(options).await;
    let second: Vec<Value> = app.all_pages("/products?limit=100", None).await.concat();

    assert!((5..=8).contains(&first.len()), "{} products", first.len());
    assert_eq!(first, second);
    let mut categories: Vec<_> = first.iter().map(|p| p["category"].as_str().expect("category")).collect();
    categories.sort();
    categories.dedup();
    assert!((2..=3).contains(&categories.len()), "{categories:?}");
    assert!(first.iter().all(|p| p["price"].as_i64().is_some_and(|c| c > 0) && p["stock"].as_i64() > Some(0)));
}
